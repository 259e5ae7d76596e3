-- Bulk loads: add back the foreign keys canon.drop_foreign_keys dropped, each validated by one join over
-- the table (a row the key refuses fails the statement, and so the caller's transaction).
-- Runs with its caller's rights: only the package owner may add them (grants.sql).
CREATE OR REPLACE FUNCTION canon.create_foreign_keys(p_definitions text[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_definition text;
    v_added integer := 0;
BEGIN
    IF p_definitions IS NULL THEN
        RAISE EXCEPTION 'create_foreign_keys needs the key definitions'
            USING ERRCODE = '22004',
                  DETAIL = 'p_definitions is NULL.',
                  HINT = 'Pass what canon.drop_foreign_keys returned.';
    END IF;
    FOREACH v_definition IN ARRAY p_definitions LOOP
        -- one ALTER TABLE adding a foreign key between package tables, nothing after it (EXECUTE would run
        -- a second statement)
        IF v_definition !~ '^ALTER TABLE (canon|observational|ops)\.[a-z_]+ ADD CONSTRAINT [a-z_]+ FOREIGN KEY \([a-z_, ]+\) REFERENCES (canon|observational|ops)\.[a-z_]+\([a-z_, ]+\)[A-Z ]*$' THEN
            RAISE EXCEPTION 'not a foreign key definition'
                USING ERRCODE = '22023',
                      DETAIL = 'Each element must add a foreign key between package tables, as canon.drop_foreign_keys writes it.',
                      HINT = 'Pass what canon.drop_foreign_keys returned, unchanged.';
        END IF;
        EXECUTE v_definition;
        v_added := v_added + 1;
    END LOOP;
    RETURN v_added;
END;
$$;
COMMENT ON FUNCTION canon.create_foreign_keys(text[]) IS 'canon.create_foreign_keys(p_definitions text[]) -> integer: add back the foreign keys canon.drop_foreign_keys dropped';
