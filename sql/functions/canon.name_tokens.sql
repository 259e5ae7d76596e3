-- The sorted, distinct tokens of a normalized name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E.
-- '{}' when nothing is left. Input of canon.name_similarity and canon.name_key. Sorted under the call's
-- collation. Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.name_tokens(p_raw text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (canon.normalize_record(NULL, NULL, NULL, NULL, p_raw, NULL, NULL, false)).name_tokens;
END;
$$;
COMMENT ON FUNCTION canon.name_tokens(text) IS 'canon.name_tokens(p_raw text) -> text[]: sorted distinct name tokens without stopwords; {} when none';
