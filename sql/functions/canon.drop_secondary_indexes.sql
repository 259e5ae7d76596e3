-- Bulk loads: drop the secondary indexes of p_table (every non-unique index that is neither the
-- primary key nor behind a constraint) and return their definitions, for canon.create_indexes once the
-- rows are in. Building an index over 300k rows costs ~1 s; maintaining it row by row during the same
-- insert costs 3-5 s (measured on drivers_index and lead_keys: 39 s with their indexes, 13 s insert +
-- rebuild). canon.run_identity (drivers_index, lead_keys, identity_links) and
-- observational.refresh_driver_daily_trips (an empty driver_daily_trips) call it only when most of the
-- table is about to be written (a first load), inside their own transaction: a failure rolls the DROP
-- back with everything else.
-- The table stays locked (ACCESS EXCLUSIVE) until that transaction ends, so the lock is taken first
-- and waited for at most 1 s: when a reader (health check, money refresh, reader views, pg_dump) holds
-- the table, NULL is returned, nothing is dropped and the caller maintains the indexes row by row
-- instead - slower, never blocked behind that reader. A reader that is itself waiting for the caller
-- (an operator function queued on the identity lock after reading identity_links) makes the upgrade a
-- deadlock: whichever side PostgreSQL picks, this one gives up the same way.
-- Runs with its caller's rights: only the package owner may drop the indexes (the job and writer roles
-- are not granted it, see grants.sql).
CREATE OR REPLACE FUNCTION canon.drop_secondary_indexes(p_table regclass)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lock_timeout constant text := pg_catalog.current_setting('lock_timeout');
    v_defs text[] := '{}';
    v_index record;
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'drop_secondary_indexes needs a table'
            USING ERRCODE = '22004',
                  DETAIL = 'p_table is NULL.',
                  HINT = 'Pass the table, e.g. ''canon.lead_keys''::regclass.';
    END IF;
    BEGIN
        PERFORM pg_catalog.set_config('lock_timeout', '1s', true);
        -- a regclass prints schema-qualified and quoted as needed
        EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', p_table);
        PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
    EXCEPTION WHEN lock_not_available OR deadlock_detected THEN  -- its lock_timeout is rolled back too
        RAISE NOTICE '% is in use: its indexes are kept and maintained row by row', p_table;
        RETURN NULL;
    END;
    -- under the lock nobody adds an index: exactly the indexes whose definitions are kept are dropped
    FOR v_index IN
        SELECT i.indexrelid::regclass AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_catalog.pg_index AS i
        WHERE i.indrelid = p_table AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid
    LOOP
        v_defs := v_defs || v_index.definition;
        EXECUTE pg_catalog.format('DROP INDEX %s', v_index.name);
    END LOOP;
    RETURN v_defs;
END;
$$;
COMMENT ON FUNCTION canon.drop_secondary_indexes(regclass) IS 'canon.drop_secondary_indexes(p_table regclass) -> text[]: lock p_table (1 s at most, else NULL), drop its non-unique indexes not behind a constraint, return their definitions (bulk loads)';
