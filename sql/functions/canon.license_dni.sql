-- The DNI a normalized Peruvian licence carries: a letter followed by the 8 digits of the DNI (7 when
-- the leading zero was lost), e.g. 'Q12345678' -> '12345678'; NULL for any other licence. Rule R2 links
-- a licence to a document through it; drivers and leads derive it here, the one definition.
CREATE OR REPLACE FUNCTION canon.license_dni(p_license text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_license ~ '^[A-Z]?[0-9]{7,8}$' THEN canon.normalize_document(p_license) END;
$$;
COMMENT ON FUNCTION canon.license_dni(text) IS 'canon.license_dni(p_license text) -> text: the DNI inside a normalized licence (letter + 7-8 digits), or NULL';
