-- Driver licence: upper-case first, then keep [A-Z0-9] (docs/rules.md §2: 'q-4567 1234' -> 'Q45671234').
-- Not an identifier (NULL): nothing left, no digit at all ('NO TIENE', 'N/A'), or digits that are a
-- placeholder ('Q00000000', '12345678'): such values are shared by unrelated people and would merge them.
-- PL/pgSQL for speed (see canon.normalize_phone).
-- No regular expression: translate(x, translate(x, <kept>, ''), '') keeps exactly the <kept> characters, and
-- "one character repeated" is translate(x, left(x, 1), '') = ''; proven output-identical to the former
-- regexp version on every sample value and hostile strings (tests/pgtap/10-normalizers.sql).
CREATE OR REPLACE FUNCTION canon.normalize_license(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- raw text over 100 characters is no identifier (NULL): translate() below costs its length squared
    v_upper text := pg_catalog.upper(CASE WHEN pg_catalog.length(p_raw) <= 100 THEN p_raw END);
    -- digits first: translate() scans its list for every character, and a licence is mostly digits
    v_license text := pg_catalog.translate(v_upper, pg_catalog.translate(v_upper, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', ''), '');
    v_digits text := pg_catalog.translate(v_license, pg_catalog.translate(v_license, '0123456789', ''), '');
BEGIN
    -- over 20 characters it is no licence (Peruvian ones have 9), and an index entry must stay bounded
    IF v_digits = '' OR pg_catalog.length(v_license) > 20 OR pg_catalog.translate(v_digits, pg_catalog.left(v_digits, 1), '') = ''
       OR v_digits IN ('12345678', '123456789', '87654321') THEN
        RETURN NULL;
    END IF;
    RETURN v_license;
END;
$$;
COMMENT ON FUNCTION canon.normalize_license(text) IS 'canon.normalize_license(p_raw text) -> text: upper-case [A-Z0-9] licence, NULL when empty, without digits, a placeholder or over 20 characters';
