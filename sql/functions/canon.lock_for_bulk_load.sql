-- Bulk loads (canon.drop_secondary_indexes): refuse a NULL table (22004), lock every table of p_tables
-- ACCESS EXCLUSIVE until the caller's transaction ends, waiting at most 1 s for each. Returns false,
-- holding none of them, when one is not granted in time (a reader holds it, or waits for the caller: a
-- deadlock, whichever side PostgreSQL picks): the caller then keeps its indexes and keys and loads row
-- by row instead - slower, never blocked behind that reader.
-- Runs with its caller's rights (grants.sql: the package owner only).
CREATE OR REPLACE FUNCTION canon.lock_for_bulk_load(p_tables regclass[])
RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_lock_timeout constant text := pg_catalog.current_setting('lock_timeout');
    v_table regclass;
BEGIN
    IF p_tables IS NULL OR pg_catalog.array_position(p_tables, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'a bulk load needs the tables it loads'
            USING ERRCODE = '22004',
                  DETAIL = 'p_tables is NULL or holds a NULL.',
                  HINT = 'Pass the table, e.g. ''canon.lead_keys''::regclass.';
    END IF;
    BEGIN
        PERFORM pg_catalog.set_config('lock_timeout', '1s', true);
        FOREACH v_table IN ARRAY p_tables LOOP
            -- a regclass prints schema-qualified and quoted as needed
            EXECUTE pg_catalog.format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_table);
        END LOOP;
        PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
    EXCEPTION WHEN lock_not_available OR deadlock_detected THEN  -- the locks and lock_timeout are rolled back too
        RETURN false;
    END;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION canon.lock_for_bulk_load(regclass[]) IS 'canon.lock_for_bulk_load(p_tables regclass[]) -> boolean: lock the tables ACCESS EXCLUSIVE, 1 s at most each; false (and no lock) when one is in use';
