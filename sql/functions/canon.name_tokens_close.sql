-- Two name tokens that are the same word up to one typo: equal, or (both at least 4 letters) one
-- letter dropped, replaced, or two neighbours swapped ('PEREZ'/'PERZ', 'JUAN'/'JAUN'). Used to tell a
-- misspelt name from another person's name; 'LUIS'/'JUAN' are not close.
CREATE OR REPLACE FUNCTION canon.name_tokens_close(p_a text, p_b text)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p_a = p_b
        OR (LEAST(la, lb) >= 4 AND pg_catalog.abs(la - lb) <= 1 AND EXISTS (
            SELECT 1 FROM pg_catalog.generate_series(1, GREATEST(la, lb)) AS i
            WHERE (la = lb AND overlay(p_a PLACING '' FROM i FOR 1) = overlay(p_b PLACING '' FROM i FOR 1))
               OR (la = lb AND i < la AND pg_catalog.substr(p_a, i, 2) = pg_catalog.reverse(pg_catalog.substr(p_b, i, 2))
                   AND overlay(p_a PLACING '' FROM i FOR 2) = overlay(p_b PLACING '' FROM i FOR 2))
               OR (la = lb + 1 AND overlay(p_a PLACING '' FROM i FOR 1) = p_b)
               OR (lb = la + 1 AND overlay(p_b PLACING '' FROM i FOR 1) = p_a)))
    FROM (SELECT pg_catalog.length(p_a) AS la, pg_catalog.length(p_b) AS lb) AS l;
$$;
COMMENT ON FUNCTION canon.name_tokens_close(text, text) IS 'canon.name_tokens_close(p_a text, p_b text) -> boolean: equal tokens, or one typo apart (tokens of 4+ letters)';
