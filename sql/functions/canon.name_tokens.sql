-- The sorted, distinct tokens of a normalized name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E.
-- '{}' when nothing is left. Input of canon.name_similarity and canon.name_key. PL/pgSQL without any
-- SQL statement inside on the common path: it runs once per record of every identity run, and a query
-- per call (executor start-up) made it 4x slower (measured).
-- The name is split with canon.normalize_name's own expression (a nested call would cost a function call
-- and a search_path switch). array_to_tsvector sorts and de-duplicates in C (byte order; a token is at
-- most 1,000 bytes, under its 2,047-byte lexeme limit) and ts_delete drops the stopwords. The loop
-- checks that order under the call's collation, the one ORDER BY uses: [A-Z] words are in byte order
-- in C and most locales; where they are not, the query sorts them.
CREATE OR REPLACE FUNCTION canon.name_tokens(p_raw text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tokens text[] := pg_catalog.tsvector_to_array(pg_catalog.ts_delete(pg_catalog.array_to_tsvector(
        pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.regexp_replace(
            pg_catalog.upper(public.unaccent('public.unaccent'::regdictionary, pg_catalog.left(p_raw, 200))),
            '[^A-Z]+', ' ', 'g')), ' ')),
        '{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]));
BEGIN
    FOR i IN 2 .. pg_catalog.cardinality(v_tokens) LOOP
        IF NOT v_tokens[i - 1] < v_tokens[i] THEN
            RETURN ARRAY(SELECT t.token FROM pg_catalog.unnest(v_tokens) AS t (token) ORDER BY t.token);
        END IF;
    END LOOP;
    RETURN v_tokens;
END;
$$;
COMMENT ON FUNCTION canon.name_tokens(text) IS 'canon.name_tokens(p_raw text) -> text[]: sorted distinct name tokens without stopwords; {} when none';
