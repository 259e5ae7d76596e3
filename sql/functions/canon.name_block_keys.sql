-- Blocking keys of a token set for the fuzzy name rules: the full key and every "all tokens but one"
-- key. Two names with canon.name_similarity above 0.6 always share one of these keys (equal sets, one
-- set a superset by one token, or equal sizes of 4+ differing in one token), so fuzzy candidates are
-- found by equality joins instead of comparing every pair. '{}' for an empty set.
CREATE OR REPLACE FUNCTION canon.name_block_keys(p_tokens text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.array_agg(DISTINCT k), '{}'::text[])
    FROM (SELECT pg_catalog.array_to_string(p_tokens, ' ') AS k
          WHERE pg_catalog.cardinality(p_tokens) > 0
          UNION ALL
          SELECT pg_catalog.array_to_string(p_tokens[:i - 1] || p_tokens[i + 1:], ' ')
          FROM pg_catalog.generate_series(1, pg_catalog.cardinality(p_tokens)) AS i
          WHERE pg_catalog.cardinality(p_tokens) >= 2) AS s;
$$;
COMMENT ON FUNCTION canon.name_block_keys(text[]) IS 'canon.name_block_keys(p_tokens text[]) -> text[]: full and leave-one-out keys of a token set, for fuzzy blocking';
