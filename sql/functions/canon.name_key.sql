-- Order-free key of a name: its sorted distinct tokens joined by one space ('Pérez, Juan' and
-- 'JUAN PEREZ' -> 'JUAN PEREZ'); NULL when the name has no token. PL/pgSQL for speed.
CREATE OR REPLACE FUNCTION canon.name_key(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN NULLIF(pg_catalog.array_to_string(canon.name_tokens(p_raw), ' '), '');
END;
$$;
COMMENT ON FUNCTION canon.name_key(text) IS 'canon.name_key(p_raw text) -> text: sorted distinct name tokens joined by spaces; NULL when none';
