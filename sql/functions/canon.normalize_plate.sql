-- Vehicle plate: upper-case, keep [A-Z0-9] ('abc-123' -> 'ABC123'). NULL when nothing is left, no
-- digit remains ('SIN PLACA', 'EN TRAMITE') or one character repeated: shared by unrelated cars.
-- PL/pgSQL for speed (see canon.normalize_phone).
CREATE OR REPLACE FUNCTION canon.normalize_plate(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_plate text := pg_catalog.regexp_replace(pg_catalog.upper(p_raw), '[^A-Z0-9]', '', 'g');
BEGIN
    RETURN CASE WHEN v_plate ~ '[0-9]' AND v_plate !~ '^(.)\1*$' THEN v_plate END;
END;
$$;
COMMENT ON FUNCTION canon.normalize_plate(text) IS 'canon.normalize_plate(p_raw text) -> text: upper-case [A-Z0-9] plate, NULL when empty or without digits';
