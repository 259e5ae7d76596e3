-- Identity document (DNI): digits only, left-padded to 8 when 7 remain (a leading zero lost upstream).
-- NULL when fewer than 7 or more than 12 digits remain, or for placeholders ('00000000', '12345678',
-- one digit repeated). 9-12 digits (carné de extranjería, passports) are kept as they are.
-- Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.normalize_document(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (canon.normalize_record(NULL, NULL, p_raw, NULL, NULL, NULL, NULL, false)).document;
END;
$$;
COMMENT ON FUNCTION canon.normalize_document(text) IS 'canon.normalize_document(p_raw text) -> text: DNI digits (7 padded to 8), NULL for placeholders and impossible lengths';
