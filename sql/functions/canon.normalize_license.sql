-- Driver licence: upper-case first, then keep [A-Z0-9] (DOMAIN §2: 'q-4567 1234' -> 'Q45671234').
-- Not an identifier (NULL): nothing left, no digit at all ('NO TIENE', 'N/A'), or digits that are a
-- placeholder ('Q00000000', '12345678'): such values are shared by unrelated people and would merge them.
-- PL/pgSQL for speed (see canon.normalize_phone).
CREATE OR REPLACE FUNCTION canon.normalize_license(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_license text := pg_catalog.regexp_replace(pg_catalog.upper(p_raw), '[^A-Z0-9]', '', 'g');
    v_digits text := pg_catalog.regexp_replace(v_license, '[^0-9]', '', 'g');
BEGIN
    IF v_digits = '' OR v_digits ~ '^(.)\1*$' OR v_digits IN ('12345678', '123456789', '87654321') THEN
        RETURN NULL;
    END IF;
    RETURN v_license;
END;
$$;
COMMENT ON FUNCTION canon.normalize_license(text) IS 'canon.normalize_license(p_raw text) -> text: upper-case [A-Z0-9] licence, NULL when empty, without digits or a placeholder';
