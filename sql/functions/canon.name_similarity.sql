-- Similarity of two token sets (canon.name_tokens): (Jaccard + overlap) / 2 with
-- overlap = |A∩B| / max(|A|, |B|); 0 when either side is empty (DOMAIN §2).
-- {JUAN,PEREZ} vs {CARLOS,JUAN,PEREZ} = 0.667. Takes token arrays, not raw names, so that hot queries
-- tokenize each record once; wrap raw names as canon.name_similarity(canon.name_tokens(a), canon.name_tokens(b)).
CREATE OR REPLACE FUNCTION canon.name_similarity(p_tokens_a text[], p_tokens_b text[])
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN na = 0 OR nb = 0 THEN 0::numeric
                ELSE pg_catalog.round((i::numeric / (na + nb - i) + i::numeric / GREATEST(na, nb)) / 2, 4)
           END
    FROM (SELECT (SELECT pg_catalog.count(DISTINCT a) FROM pg_catalog.unnest(p_tokens_a) AS a) AS na,
                 (SELECT pg_catalog.count(DISTINCT b) FROM pg_catalog.unnest(p_tokens_b) AS b) AS nb,
                 (SELECT pg_catalog.count(DISTINCT a) FROM pg_catalog.unnest(p_tokens_a) AS a
                  WHERE a = ANY (p_tokens_b)) AS i) AS s;
$$;
COMMENT ON FUNCTION canon.name_similarity(text[], text[]) IS 'canon.name_similarity(p_tokens_a text[], p_tokens_b text[]) -> numeric: (Jaccard + overlap) / 2 of two token sets, 0 when either is empty';
