-- Bulk loads: drop the foreign keys of p_table and return the statements that add them back, for
-- canon.create_foreign_keys once the rows are in. A foreign key is checked by a query per inserted row
-- (an index probe and a row lock on the referenced row); added back, it is validated by one join
-- (docs/identity.md, "Speed"). canon.identity_write calls it on a first load of canon.identity_links,
-- after canon.drop_secondary_indexes took the table, inside the run's transaction: a failure rolls the
-- DROP back with everything else, and a row the key would refuse fails the ADD, so the whole run.
-- Dropping a foreign key also locks the referenced table (ACCESS EXCLUSIVE, until the transaction ends):
-- every table is locked first, each waited for at most 1 s; when a reader holds one, NULL is returned,
-- nothing is dropped and the keys are checked row by row instead (see canon.drop_secondary_indexes).
-- Runs with its caller's rights: only the package owner may drop the keys (grants.sql).
CREATE OR REPLACE FUNCTION canon.drop_foreign_keys(p_table regclass)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lock_timeout constant text := pg_catalog.current_setting('lock_timeout');
    v_defs text[] := '{}';
    v_key record;
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'drop_foreign_keys needs a table'
            USING ERRCODE = '22004',
                  DETAIL = 'p_table is NULL.',
                  HINT = 'Pass the table, e.g. ''canon.identity_links''::regclass.';
    END IF;
    BEGIN
        PERFORM pg_catalog.set_config('lock_timeout', '1s', true);
        -- the table, then every table its keys reference (a regclass prints schema-qualified and quoted)
        EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', p_table);
        FOR v_key IN
            SELECT DISTINCT c.confrelid::regclass AS referenced
            FROM pg_catalog.pg_constraint AS c
            WHERE c.conrelid = p_table AND c.contype = 'f' AND c.confrelid <> p_table
        LOOP
            EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_key.referenced);
        END LOOP;
        PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
    EXCEPTION WHEN lock_not_available OR deadlock_detected THEN  -- its lock_timeout is rolled back too
        RAISE NOTICE '% or a table it references is in use: its foreign keys are kept and checked row by row', p_table;
        RETURN NULL;
    END;
    -- under the locks nobody adds a key: exactly the keys whose definitions are kept are dropped
    FOR v_key IN
        SELECT c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS definition
        FROM pg_catalog.pg_constraint AS c
        WHERE c.conrelid = p_table AND c.contype = 'f'
        ORDER BY c.conname
    LOOP
        v_defs := v_defs || pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, v_key.conname, v_key.definition);
        EXECUTE pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, v_key.conname);
    END LOOP;
    RETURN v_defs;
END;
$$;
COMMENT ON FUNCTION canon.drop_foreign_keys(regclass) IS 'canon.drop_foreign_keys(p_table regclass) -> text[]: lock p_table and the tables it references (1 s at most each, else NULL), drop its foreign keys, return the statements adding them back (bulk loads)';
