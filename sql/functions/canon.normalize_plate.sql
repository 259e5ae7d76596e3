-- Vehicle plate: upper-case, keep [A-Z0-9] ('abc-123' -> 'ABC123'). NULL when nothing is left, no
-- digit remains ('SIN PLACA', 'EN TRAMITE') or one character repeated: shared by unrelated cars.
-- Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.normalize_plate(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (canon.normalize_record(NULL, NULL, NULL, p_raw, NULL, NULL, NULL, false)).plate;
END;
$$;
COMMENT ON FUNCTION canon.normalize_plate(text) IS 'canon.normalize_plate(p_raw text) -> text: upper-case [A-Z0-9] plate, NULL when empty, without digits or over 12 characters';
