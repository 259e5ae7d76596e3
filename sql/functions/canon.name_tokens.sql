-- The sorted, distinct tokens of a normalized name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E.
-- '{}' when nothing is left. Input of canon.name_similarity and canon.name_key. PL/pgSQL for speed.
CREATE OR REPLACE FUNCTION canon.name_tokens(p_raw text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := canon.normalize_name(p_raw);
BEGIN
    IF v_name IS NULL THEN
        RETURN '{}'::text[];
    END IF;
    RETURN ARRAY(SELECT DISTINCT t
                 FROM pg_catalog.unnest(pg_catalog.string_to_array(v_name, ' ')) AS t
                 WHERE t <> ALL ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[])
                 ORDER BY t);
END;
$$;
COMMENT ON FUNCTION canon.name_tokens(text) IS 'canon.name_tokens(p_raw text) -> text[]: sorted distinct name tokens without stopwords; {} when none';
