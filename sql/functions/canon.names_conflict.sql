-- Do two names clearly belong to two different people (docs/rules.md §3 NAME_CONFLICT, the household rule)?
-- Never when either side is empty. Yes when they share no token (docs/rules.md §3). Yes too when a side whose
-- first given name is known (p_given_a / p_given_b: cabinet first_name, driver first_name) names it and
-- the other side has no token close to it: relatives sharing a phone share surnames, not first names,
-- and a person always writes their first name. When no given name is known: yes when each side keeps
-- a token with no close token on the other side and the similarity is below p_threshold.
-- PL/pgSQL loops, no SQL statement inside: called once per phone candidate pair of an identity run.
-- Exact token hits are tested with = ANY before the typo-tolerant canon.name_tokens_close loops (a call
-- per token pair): same answers, and the common cases (same name, given name spelled alike) take none.
CREATE OR REPLACE FUNCTION canon.names_conflict(p_tokens_a text[], p_tokens_b text[], p_given_a text,
                                                p_given_b text, p_threshold numeric)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_a text;
    v_b text;
    v_found boolean;
    v_lonely_a boolean := false;
    v_lonely_b boolean := false;
BEGIN
    IF COALESCE(pg_catalog.cardinality(p_tokens_a), 0) = 0
       OR COALESCE(pg_catalog.cardinality(p_tokens_b), 0) = 0 THEN
        RETURN false;
    END IF;
    IF NOT p_tokens_a && p_tokens_b THEN
        RETURN true;
    END IF;
    IF p_given_a IS NOT NULL OR p_given_b IS NOT NULL THEN
        IF p_given_a IS NOT NULL AND (p_given_a = ANY (p_tokens_b)) IS NOT TRUE THEN
            -- a names its given name, b does not carry it as such: does b carry it up to a typo?
            v_found := false;
            FOREACH v_b IN ARRAY p_tokens_b LOOP
                IF canon.name_tokens_close(p_given_a, v_b) THEN
                    v_found := true;
                    EXIT;
                END IF;
            END LOOP;
            IF NOT v_found THEN
                RETURN true;
            END IF;
        END IF;
        IF p_given_b IS NOT NULL AND (p_given_b = ANY (p_tokens_a)) IS NOT TRUE THEN
            v_found := false;
            FOREACH v_a IN ARRAY p_tokens_a LOOP
                IF canon.name_tokens_close(p_given_b, v_a) THEN
                    v_found := true;
                    EXIT;
                END IF;
            END LOOP;
            IF NOT v_found THEN
                RETURN true;
            END IF;
        END IF;
        RETURN false;
    END IF;
    IF canon.name_similarity(p_tokens_a, p_tokens_b) >= COALESCE(p_threshold, 0.66) THEN
        RETURN false;
    END IF;
    FOREACH v_a IN ARRAY p_tokens_a LOOP  -- a token of a with no close token in b
        CONTINUE WHEN (v_a = ANY (p_tokens_b)) IS TRUE;
        v_found := false;
        FOREACH v_b IN ARRAY p_tokens_b LOOP
            IF canon.name_tokens_close(v_a, v_b) THEN
                v_found := true;
                EXIT;
            END IF;
        END LOOP;
        IF NOT v_found THEN
            v_lonely_a := true;
            EXIT;
        END IF;
    END LOOP;
    IF NOT v_lonely_a THEN
        RETURN false;
    END IF;
    FOREACH v_b IN ARRAY p_tokens_b LOOP  -- and a token of b with no close token in a
        CONTINUE WHEN (v_b = ANY (p_tokens_a)) IS TRUE;
        v_found := false;
        FOREACH v_a IN ARRAY p_tokens_a LOOP
            IF canon.name_tokens_close(v_a, v_b) THEN
                v_found := true;
                EXIT;
            END IF;
        END LOOP;
        IF NOT v_found THEN
            v_lonely_b := true;
            EXIT;
        END IF;
    END LOOP;
    RETURN v_lonely_b;
END;
$$;
COMMENT ON FUNCTION canon.names_conflict(text[], text[], text, text, numeric) IS 'canon.names_conflict(p_tokens_a, p_tokens_b, p_given_a, p_given_b, p_threshold) -> boolean: the two names belong to different people (household rule)';
