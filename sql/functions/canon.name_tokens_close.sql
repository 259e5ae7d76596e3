-- Two name tokens that are the same word up to one typo: equal, or (both at least 4 letters) one
-- letter dropped, replaced, or two neighbours swapped ('PEREZ'/'PERZ', 'JUAN'/'JAUN'). Used to tell a
-- misspelt name from another person's name; 'LUIS'/'JUAN' are not close. PL/pgSQL loop, no SQL
-- statement inside: canon.names_conflict calls it per token of every phone candidate pair.
CREATE OR REPLACE FUNCTION canon.name_tokens_close(p_a text, p_b text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_la integer;
    v_lb integer;
BEGIN
    IF p_a = p_b THEN
        RETURN true;
    END IF;
    v_la := pg_catalog.length(p_a);
    v_lb := pg_catalog.length(p_b);
    IF LEAST(v_la, v_lb) < 4 OR pg_catalog.abs(v_la - v_lb) > 1 THEN
        RETURN false;
    END IF;
    FOR i IN 1 .. GREATEST(v_la, v_lb) LOOP
        IF v_la = v_lb THEN
            IF overlay(p_a PLACING '' FROM i FOR 1) = overlay(p_b PLACING '' FROM i FOR 1) THEN  -- replaced
                RETURN true;
            END IF;
            IF i < v_la AND pg_catalog.substr(p_a, i, 2) = pg_catalog.reverse(pg_catalog.substr(p_b, i, 2))
               AND overlay(p_a PLACING '' FROM i FOR 2) = overlay(p_b PLACING '' FROM i FOR 2) THEN  -- swapped
                RETURN true;
            END IF;
        ELSIF v_la = v_lb + 1 THEN
            IF overlay(p_a PLACING '' FROM i FOR 1) = p_b THEN  -- dropped from p_a
                RETURN true;
            END IF;
        ELSIF overlay(p_b PLACING '' FROM i FOR 1) = p_a THEN  -- dropped from p_b
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END;
$$;
COMMENT ON FUNCTION canon.name_tokens_close(text, text) IS 'canon.name_tokens_close(p_a text, p_b text) -> boolean: equal tokens, or one typo apart (tokens of 4+ letters)';
