-- Re-create the indexes and add back the foreign keys canon.drop_secondary_indexes dropped, from the
-- definitions it returned (pg_get_indexdef and pg_get_constraintdef output: schema-qualified,
-- identifiers quoted by PostgreSQL itself), in their order. A foreign key added back is validated by
-- one join over the table: a row it refuses fails the statement, and so the caller's transaction. Only
-- the package owner may run it (see grants.sql). Returns how many indexes were built and keys added.
CREATE OR REPLACE FUNCTION canon.create_indexes(p_definitions text[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_definition text;
    v_built integer := 0;
BEGIN
    IF p_definitions IS NULL THEN
        RAISE EXCEPTION 'create_indexes needs the index and key definitions'
            USING ERRCODE = '22004',
                  DETAIL = 'p_definitions is NULL.',
                  HINT = 'Pass what canon.drop_secondary_indexes returned.';
    END IF;
    FOREACH v_definition IN ARRAY p_definitions LOOP
        -- one CREATE INDEX on a package table, or one ALTER TABLE adding a foreign key between package
        -- tables, nothing after it (EXECUTE would run a second statement)
        IF canon.bulk_load_statement_ok(v_definition) IS NOT TRUE THEN
            RAISE EXCEPTION 'not an index or foreign key definition'
                USING ERRCODE = '22023',
                      DETAIL = 'Each element must be the pg_get_indexdef() text of a non-unique index of a package table, or a foreign key between package tables as canon.drop_secondary_indexes writes it.',
                      HINT = 'Pass what canon.drop_secondary_indexes returned, unchanged.';
        END IF;
        EXECUTE v_definition;
        v_built := v_built + 1;
    END LOOP;
    RETURN v_built;
END;
$$;
COMMENT ON FUNCTION canon.create_indexes(text[]) IS 'canon.create_indexes(p_definitions text[]) -> integer: build the indexes and add back the foreign keys canon.drop_secondary_indexes dropped';
