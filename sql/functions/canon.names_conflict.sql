-- Do two names clearly belong to two different people (DOMAIN §3 NAME_CONFLICT, the household rule)?
-- Never when either side is empty. Yes when they share no token (DOMAIN). Yes too when a side whose
-- first given name is known (p_given_a / p_given_b: cabinet first_name, driver first_name) names it and
-- the other side has no token close to it: relatives sharing a phone share surnames, not first names,
-- and a person always writes their first name. When no given name is known: yes when each side keeps
-- a token with no close token on the other side and the similarity is below p_threshold.
CREATE OR REPLACE FUNCTION canon.names_conflict(p_tokens_a text[], p_tokens_b text[], p_given_a text,
                                                p_given_b text, p_threshold numeric)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN COALESCE(pg_catalog.cardinality(p_tokens_a), 0) = 0
          OR COALESCE(pg_catalog.cardinality(p_tokens_b), 0) = 0 THEN false
        WHEN NOT p_tokens_a && p_tokens_b THEN true
        WHEN p_given_a IS NOT NULL OR p_given_b IS NOT NULL THEN
            (p_given_a IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM pg_catalog.unnest(p_tokens_b) AS b WHERE canon.name_tokens_close(p_given_a, b)))
            OR (p_given_b IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM pg_catalog.unnest(p_tokens_a) AS a WHERE canon.name_tokens_close(p_given_b, a)))
        ELSE canon.name_similarity(p_tokens_a, p_tokens_b) < COALESCE(p_threshold, 0.66)
            AND EXISTS (SELECT 1 FROM pg_catalog.unnest(p_tokens_a) AS a
                        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p_tokens_b) AS b
                                          WHERE canon.name_tokens_close(a, b)))
            AND EXISTS (SELECT 1 FROM pg_catalog.unnest(p_tokens_b) AS b
                        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p_tokens_a) AS a
                                          WHERE canon.name_tokens_close(a, b)))
    END;
$$;
COMMENT ON FUNCTION canon.names_conflict(text[], text[], text, text, numeric) IS 'canon.names_conflict(p_tokens_a, p_tokens_b, p_given_a, p_given_b, p_threshold) -> boolean: the two names belong to different people (household rule)';
