-- Peruvian mobile number as 9 digits, or NULL when the input cannot be one (docs/rules.md §2).
-- '+51 987-654-321' -> '987654321'; '01 4567890', '9876543' (7 digits), 'abc' -> NULL.
-- One digit repeated ('999999999') is a placeholder typed by people without a phone: NULL too.
-- PL/pgSQL rather than SQL: a SQL function with a pinned search_path is never inlined, and its
-- per-call executor start-up made it 4x slower on the drivers index refresh (measured).
-- No regular expression: translate(x, translate(x, <kept>, ''), '') keeps exactly the <kept> characters, and
-- "one character repeated" is translate(x, left(x, 1), '') = ''; proven output-identical to the former
-- regexp version on every sample value and hostile strings (tests/pgtap/10-normalizers.sql).
CREATE OR REPLACE FUNCTION canon.normalize_phone(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- raw text over 100 characters is no identifier (NULL): translate() below costs its length squared
    v_raw text := CASE WHEN pg_catalog.length(p_raw) <= 100 THEN p_raw END;
    v_digits text := pg_catalog.translate(v_raw, pg_catalog.translate(v_raw, '0123456789', ''), '');
BEGIN
    IF pg_catalog.length(v_digits) = 11 AND pg_catalog.left(v_digits, 2) = '51' THEN
        v_digits := pg_catalog.substr(v_digits, 3);
    END IF;
    RETURN CASE WHEN pg_catalog.length(v_digits) = 9 AND pg_catalog.left(v_digits, 1) = '9'
                     AND v_digits <> '999999999' THEN v_digits END;
END;
$$;
COMMENT ON FUNCTION canon.normalize_phone(text) IS 'canon.normalize_phone(p_raw text) -> text: the 9-digit Peruvian mobile, or NULL';
