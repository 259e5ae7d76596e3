-- Driver licence: upper-case first, then keep [A-Z0-9] (docs/rules.md §2: 'q-4567 1234' -> 'Q45671234').
-- Not an identifier (NULL): nothing left, no digit at all ('NO TIENE', 'N/A'), or digits that are a
-- placeholder ('Q00000000', '12345678'): such values are shared by unrelated people and would merge them.
-- Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.normalize_license(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (canon.normalize_record(NULL, p_raw, NULL, NULL, NULL, NULL, NULL, false)).license;
END;
$$;
COMMENT ON FUNCTION canon.normalize_license(text) IS 'canon.normalize_license(p_raw text) -> text: upper-case [A-Z0-9] licence, NULL when empty, without digits, a placeholder or over 20 characters';
