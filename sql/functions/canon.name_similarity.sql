-- Similarity of two token sets (canon.name_tokens): (Jaccard + overlap) / 2 with
-- overlap = |A∩B| / max(|A|, |B|); 0 when either side is empty (docs/rules.md §2).
-- {JUAN,PEREZ} vs {CARLOS,JUAN,PEREZ} = 0.667. Takes token arrays, not raw names, so that hot queries
-- tokenize each record once; wrap raw names as canon.name_similarity(canon.name_tokens(a), canon.name_tokens(b)).
-- Sets: duplicates and NULL elements are ignored. PL/pgSQL loops, no SQL statement inside: it is
-- called once per candidate pair, and the former SQL body (never inlined, its search_path is pinned)
-- cost 6x more per call (measured).
CREATE OR REPLACE FUNCTION canon.name_similarity(p_tokens_a text[], p_tokens_b text[])
RETURNS numeric
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_na integer := 0;
    v_nb integer := 0;
    v_common integer := 0;
    v_token text;
    v_pos integer := 0;
BEGIN
    -- the same array (most candidate pairs of one human): 1 when it holds a token, without the loops
    IF p_tokens_a = p_tokens_b AND pg_catalog.array_position(p_tokens_a, NULL) IS NULL
       AND pg_catalog.cardinality(p_tokens_a) > 0 THEN
        RETURN 1.0000;
    END IF;
    FOREACH v_token IN ARRAY p_tokens_a LOOP
        v_pos := v_pos + 1;
        -- a distinct element: its first occurrence
        IF v_token IS NOT NULL AND pg_catalog.array_position(p_tokens_a, v_token) = v_pos THEN
            v_na := v_na + 1;
            IF v_token = ANY (p_tokens_b) THEN
                v_common := v_common + 1;
            END IF;
        END IF;
    END LOOP;
    v_pos := 0;
    FOREACH v_token IN ARRAY p_tokens_b LOOP
        v_pos := v_pos + 1;
        IF v_token IS NOT NULL AND pg_catalog.array_position(p_tokens_b, v_token) = v_pos THEN
            v_nb := v_nb + 1;
        END IF;
    END LOOP;
    IF v_na = 0 OR v_nb = 0 THEN
        RETURN 0::numeric;
    END IF;
    RETURN canon.name_overlap_score(v_common, v_na, v_nb);
END;
$$;
COMMENT ON FUNCTION canon.name_similarity(text[], text[]) IS 'canon.name_similarity(p_tokens_a text[], p_tokens_b text[]) -> numeric: (Jaccard + overlap) / 2 of two token sets, 0 when either is empty';
