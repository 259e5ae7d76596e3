-- Blocking keys of a token set for the fuzzy name rules: the full key and every "all tokens but one"
-- key. Two names with canon.name_similarity above 0.6 always share one of these keys (equal sets, one
-- set a superset by one token, or equal sizes of 4+ differing in one token), so fuzzy candidates are
-- found by equality joins instead of comparing every pair. '{}' for an empty set. Sorted and distinct.
-- PL/pgSQL without any SQL statement inside on the common path: it runs once per record of an identity
-- run (see canon.name_tokens). For sorted distinct tokens t1 < ... < tn (canon.name_tokens) the sorted
-- keys are "all but tn", the full key, "all but tn-1", ..., "all but t1" (in byte order); the keys are
-- built in that order and the loop checks it under the call's collation; when it does not hold (other
-- input, another collation) the query sorts them.
CREATE OR REPLACE FUNCTION canon.name_block_keys(p_tokens text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer := pg_catalog.cardinality(p_tokens);
    v_keys text[];
BEGIN
    IF v_n = 0 THEN
        RETURN '{}'::text[];
    ELSIF v_n = 1 THEN
        RETURN ARRAY[pg_catalog.array_to_string(p_tokens, ' ')];
    END IF;
    v_keys := ARRAY[pg_catalog.array_to_string(p_tokens[:v_n - 1] || p_tokens[v_n + 1:], ' '),
                    pg_catalog.array_to_string(p_tokens, ' ')];
    FOR i IN REVERSE v_n - 1 .. 1 LOOP
        v_keys := v_keys || pg_catalog.array_to_string(p_tokens[:i - 1] || p_tokens[i + 1:], ' ');
    END LOOP;
    FOR i IN 2 .. v_n + 1 LOOP
        IF NOT v_keys[i - 1] < v_keys[i] THEN
            RETURN ARRAY(SELECT DISTINCT k.key FROM pg_catalog.unnest(v_keys) AS k (key) ORDER BY k.key);
        END IF;
    END LOOP;
    RETURN v_keys;
END;
$$;
COMMENT ON FUNCTION canon.name_block_keys(text[]) IS 'canon.name_block_keys(p_tokens text[]) -> text[]: full and leave-one-out keys of a token set, for fuzzy blocking';
