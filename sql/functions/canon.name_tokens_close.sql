-- Two name tokens that are the same word up to one typo: equal, or (both at least 4 letters) one
-- letter dropped, replaced, or two neighbours swapped ('PEREZ'/'PERZ', 'JUAN'/'JAUN', 'PERCY'/'PERYC').
-- Used to tell a misspelt name from another person's name; 'LUIS'/'JUAN' are not close. The edit
-- distance is fuzzystrmatch's levenshtein_less_equal (C, stops past 2); a distance of 2 is a typo only
-- when it is two neighbours swapped. About 2x faster than the former PL/pgSQL loop, same answers
-- (docs/identity.md, "Names"). canon.names_conflict and canon.compare_levels call it per token pair.
CREATE OR REPLACE FUNCTION canon.name_tokens_close(p_a text, p_b text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_len integer;
    v_i integer := 1;
BEGIN
    IF p_a = p_b THEN
        RETURN true;
    END IF;
    v_len := pg_catalog.length(p_a);
    IF LEAST(v_len, pg_catalog.length(p_b)) < 4 THEN
        RETURN false;
    END IF;
    CASE public.levenshtein_less_equal(p_a, p_b, 2)
        WHEN 1 THEN
            RETURN true;
        WHEN 2 THEN
            -- swapped neighbours: at the first difference, the two letters crossed, the rest equal
            IF pg_catalog.length(p_b) <> v_len THEN
                RETURN false;
            END IF;
            WHILE pg_catalog.substr(p_a, v_i, 1) = pg_catalog.substr(p_b, v_i, 1) LOOP
                v_i := v_i + 1;
            END LOOP;
            RETURN v_i < v_len
                   AND pg_catalog.substr(p_a, v_i, 2) = pg_catalog.reverse(pg_catalog.substr(p_b, v_i, 2))
                   AND pg_catalog.substr(p_a, v_i + 2) = pg_catalog.substr(p_b, v_i + 2);
        ELSE
            RETURN false;
    END CASE;
END;
$$;
COMMENT ON FUNCTION canon.name_tokens_close(text, text) IS 'canon.name_tokens_close(p_a text, p_b text) -> boolean: equal tokens, or one typo apart (tokens of 4+ letters)';
