-- Bulk loads: drop the secondary indexes of p_table (every index that is neither the primary key nor
-- behind a constraint) and return their definitions, for canon.create_indexes once the rows are in.
-- Building an index over 300k rows costs ~1 s; maintaining it row by row during the same insert costs
-- 3-5 s (measured on drivers_index and lead_keys: 39 s with their indexes, 13 s insert + rebuild).
-- canon.run_identity calls it only when most of the table is about to be written (a first load), in
-- its own transaction: the table is locked (ACCESS EXCLUSIVE) until that transaction ends, and a
-- failure rolls the DROP back with everything else. Runs with its caller's rights: only the package
-- owner may drop the indexes (the job and writer roles are not granted it, see grants.sql).
CREATE OR REPLACE FUNCTION canon.drop_secondary_indexes(p_table regclass)
RETURNS text[]
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_defs text[];
    v_index regclass;
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'drop_secondary_indexes needs a table'
            USING ERRCODE = '22004',
                  DETAIL = 'p_table is NULL.',
                  HINT = 'Pass the table, e.g. ''canon.lead_keys''::regclass.';
    END IF;
    SELECT pg_catalog.array_agg(pg_catalog.pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid)
    INTO v_defs
    FROM pg_catalog.pg_index AS i
    WHERE i.indrelid = p_table AND NOT i.indisprimary
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c WHERE c.conindid = i.indexrelid);
    FOR v_index IN
        SELECT i.indexrelid::regclass
        FROM pg_catalog.pg_index AS i
        WHERE i.indrelid = p_table AND NOT i.indisprimary
          AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint AS c WHERE c.conindid = i.indexrelid)
    LOOP
        -- a regclass prints schema-qualified and quoted as needed
        EXECUTE pg_catalog.format('DROP INDEX %s', v_index);
    END LOOP;
    RETURN COALESCE(v_defs, '{}');
END;
$$;
COMMENT ON FUNCTION canon.drop_secondary_indexes(regclass) IS 'canon.drop_secondary_indexes(p_table regclass) -> text[]: drop the indexes of p_table not behind a constraint, return their definitions (bulk loads)';
