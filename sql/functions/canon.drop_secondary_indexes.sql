-- Bulk loads: drop the secondary indexes of p_table (every non-unique index that is neither the
-- primary key nor behind a constraint) and its foreign keys, and return the statements that build and
-- add them back, for canon.create_indexes once the rows are in. Building an index over 300k rows costs
-- ~1 s; maintaining it row by row during the same insert costs 3-5 s (measured on drivers_index and
-- lead_keys: 39 s with their indexes, 13 s insert + rebuild). A foreign key is checked by a query per
-- inserted row (an index probe and a row lock on the referenced row: the links' key to the persons, in
-- random order, 29 s for 4.3 M links at scale 1000); added back, it is validated by one join.
-- canon.run_identity (drivers_index, lead_keys, identity_links) and
-- observational.refresh_driver_daily_trips (an empty driver_daily_trips) call it only when most of the
-- table is about to be written (a first load), inside their own transaction: a failure rolls the DROP
-- back with everything else, and a row a key refuses fails the ADD, so the whole load.
-- The table, and every table its foreign keys reference (dropping a key locks it too), stays locked
-- (ACCESS EXCLUSIVE) until that transaction ends, so the locks are taken first and each waited for at
-- most 1 s (canon.lock_for_bulk_load): when a reader (health check, money refresh, reader views,
-- pg_dump) holds one, NULL is returned, nothing is dropped and the caller maintains the indexes and
-- checks the keys row by row instead - slower, never blocked behind that reader. A reader that is
-- itself waiting for the caller (an operator function queued on the identity lock after reading
-- identity_links) makes the upgrade a deadlock: whichever side PostgreSQL picks, this one gives up the
-- same way.
-- Runs with its caller's rights: only the package owner may drop the indexes (the job and writer roles
-- are not granted it, see grants.sql).
CREATE OR REPLACE FUNCTION canon.drop_secondary_indexes(p_table regclass)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_defs text[] := '{}';
    v_keys text[] := '{}';
    v_item record;
BEGIN
    -- the table, then every table its keys reference (a NULL table is refused there, 22004)
    IF NOT canon.lock_for_bulk_load(ARRAY[p_table] || ARRAY(
               SELECT DISTINCT c.confrelid::regclass FROM pg_catalog.pg_constraint AS c
               WHERE c.conrelid = p_table AND c.contype = 'f' AND c.confrelid <> p_table ORDER BY 1)) THEN
        RAISE NOTICE '% or a table it references is in use: its indexes and keys are kept and maintained row by row', p_table;
        RETURN NULL;
    END IF;
    -- under the locks nobody adds an index or a key: exactly those whose definitions are kept are dropped
    FOR v_item IN
        SELECT i.indexrelid::regclass AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_catalog.pg_index AS i
        WHERE i.indrelid = p_table AND NOT i.indisprimary AND NOT i.indisunique
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c WHERE c.conindid = i.indexrelid)
        ORDER BY i.indexrelid
    LOOP
        v_defs := v_defs || v_item.definition;
        EXECUTE pg_catalog.format('DROP INDEX %s', v_item.name);
    END LOOP;
    -- the keys come back after the indexes (a regclass prints schema-qualified and quoted as needed); a
    -- key whose statement canon.create_indexes would refuse is kept, checked row by row
    FOR v_item IN
        SELECT c.conname, pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, c.conname,
                                            pg_catalog.pg_get_constraintdef(c.oid)) AS statement
        FROM pg_catalog.pg_constraint AS c
        WHERE c.conrelid = p_table AND c.contype = 'f'
        ORDER BY c.conname
    LOOP
        CONTINUE WHEN canon.bulk_load_statement_ok(v_item.statement) IS NOT TRUE;
        v_keys := v_keys || v_item.statement;
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, v_item.conname);
    END LOOP;
    RETURN v_defs || v_keys;
END;
$$;
COMMENT ON FUNCTION canon.drop_secondary_indexes(regclass) IS 'canon.drop_secondary_indexes(p_table regclass) -> text[]: lock p_table and the tables its keys reference (1 s at most each, else NULL), drop its non-unique indexes not behind a constraint and its foreign keys, return the statements building and adding them back (bulk loads)';
