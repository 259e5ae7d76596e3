-- The sorted, distinct tokens of a normalized name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E.
-- '{}' when nothing is left. Input of canon.name_similarity and canon.name_key. PL/pgSQL without any
-- SQL statement inside (an insertion sort over a handful of tokens): it runs once per record of every
-- identity run, and a query per call (executor start-up) made it 4x slower (measured).
CREATE OR REPLACE FUNCTION canon.name_tokens(p_raw text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := canon.normalize_name(p_raw);
    v_tokens text[] := '{}'::text[];
    v_token text;
    v_pos integer;
    v_n integer := 0;
BEGIN
    IF v_name IS NULL THEN
        RETURN v_tokens;
    END IF;
    FOREACH v_token IN ARRAY pg_catalog.string_to_array(v_name, ' ') LOOP
        CONTINUE WHEN v_token = ANY ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]);
        v_pos := 1;  -- first position whose token is not below v_token (same collation as ORDER BY)
        WHILE v_pos <= v_n AND v_tokens[v_pos] < v_token LOOP
            v_pos := v_pos + 1;
        END LOOP;
        CONTINUE WHEN v_pos <= v_n AND v_tokens[v_pos] = v_token;
        v_tokens := v_tokens[1:v_pos - 1] || v_token || v_tokens[v_pos:v_n];
        v_n := v_n + 1;
    END LOOP;
    RETURN v_tokens;
END;
$$;
COMMENT ON FUNCTION canon.name_tokens(text) IS 'canon.name_tokens(p_raw text) -> text[]: sorted distinct name tokens without stopwords; {} when none';
