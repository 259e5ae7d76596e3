-- Peruvian mobile number as 9 digits, or NULL when the input cannot be one (docs/rules.md §2).
-- '+51 987-654-321' -> '987654321'; '01 4567890', '9876543' (7 digits), 'abc' -> NULL.
-- One digit repeated ('999999999') is a placeholder typed by people without a phone: NULL too.
-- Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.normalize_phone(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (canon.normalize_record(p_raw, NULL, NULL, NULL, NULL, NULL, NULL, false)).phone;
END;
$$;
COMMENT ON FUNCTION canon.normalize_phone(text) IS 'canon.normalize_phone(p_raw text) -> text: the 9-digit Peruvian mobile, or NULL';
