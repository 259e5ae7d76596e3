-- Blocking keys of a token set for the fuzzy name rules: the full key and every "all tokens but one"
-- key. Two names with canon.name_similarity above 0.6 always share one of these keys (equal sets, one
-- set a superset by one token, or equal sizes of 4+ differing in one token), so fuzzy candidates are
-- found by equality joins instead of comparing every pair. '{}' for an empty set. Sorted and distinct.
-- PL/pgSQL without any SQL statement inside: it runs once per record of an identity run (see
-- canon.name_tokens).
CREATE OR REPLACE FUNCTION canon.name_block_keys(p_tokens text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer := pg_catalog.cardinality(p_tokens);
    v_keys text[] := '{}'::text[];
    v_key text;
    v_count integer := 0;
    v_pos integer;
BEGIN
    IF v_n = 0 THEN
        RETURN v_keys;
    END IF;
    FOR i IN 0 .. CASE WHEN v_n >= 2 THEN v_n ELSE 0 END LOOP
        v_key := CASE WHEN i = 0 THEN pg_catalog.array_to_string(p_tokens, ' ')
                      ELSE pg_catalog.array_to_string(p_tokens[:i - 1] || p_tokens[i + 1:], ' ') END;
        v_pos := 1;  -- sorted insert, duplicates dropped (as array_agg(DISTINCT k) did)
        WHILE v_pos <= v_count AND v_keys[v_pos] < v_key LOOP
            v_pos := v_pos + 1;
        END LOOP;
        CONTINUE WHEN v_pos <= v_count AND v_keys[v_pos] = v_key;
        v_keys := v_keys[1:v_pos - 1] || v_key || v_keys[v_pos:v_count];
        v_count := v_count + 1;
    END LOOP;
    RETURN v_keys;
END;
$$;
COMMENT ON FUNCTION canon.name_block_keys(text[]) IS 'canon.name_block_keys(p_tokens text[]) -> text[]: full and leave-one-out keys of a token set, for fuzzy blocking';
