-- The comparison level of each field for two records (docs/identity.md), in the order phone, document
-- (licence / DNI keys), plate, name, date, car. Each field has a MISSING level; contradictions are
-- tested before any partial agreement. Names: SAME_FULL_NAME (the same three or more tokens), SAME_TOKENS, SURNAMES_CONTRADICT (both carry two surnames
-- and neither side's surnames are all found, up to a typo, among the other's tokens), GIVEN_DIFFER (both
-- given names known, and neither is found, up to a typo, among the other's tokens), SUBSET (one side's
-- two or more tokens all in the other's), GIVEN_BOTH_SURNAMES, GIVEN_ONE_SURNAME (given name and
-- surnames equal up to a typo), SIMILAR (canon.name_similarity >= p_threshold), DIFFERENT. Dates: days
-- apart (<= 3, 14, 90, further). Car model: compared only when an identifier or a strong name level
-- already agrees (IGNORED otherwise). Levels only: the weights are data (canon.v_match_weights).
-- PL/pgSQL without SQL statements inside: called once per candidate pair.
CREATE OR REPLACE FUNCTION canon.compare_levels(
    p_phone_a text, p_ids_a text[], p_plate_a text, p_tokens_a text[], p_given_a text, p_surnames_a text[],
    p_two_a boolean, p_date_a date, p_car_a text,
    p_phone_b text, p_ids_b text[], p_plate_b text, p_tokens_b text[], p_given_b text, p_surnames_b text[],
    p_two_b boolean, p_date_b date, p_car_b text, p_threshold numeric)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_phone text;
    v_doc text;
    v_plate text;
    v_name text;
    v_date text;
    v_car text;
    v_days integer;
    v_found boolean;
    v_all_a boolean := true;
    v_all_b boolean := true;
    v_given_close boolean;
    v_surname_hits integer := 0;
    v_t text;
    v_u text;
    v_i integer;
BEGIN
    v_phone := CASE WHEN p_phone_a IS NULL OR p_phone_b IS NULL THEN 'MISSING'
                    WHEN p_phone_a = p_phone_b THEN 'SAME' ELSE 'DIFFERENT' END;
    v_doc := CASE WHEN COALESCE(pg_catalog.cardinality(p_ids_a), 0) = 0
                       OR COALESCE(pg_catalog.cardinality(p_ids_b), 0) = 0 THEN 'MISSING'
                  WHEN p_ids_a && p_ids_b THEN 'SAME' ELSE 'DIFFERENT' END;
    v_plate := CASE WHEN p_plate_a IS NULL OR p_plate_b IS NULL THEN 'MISSING'
                    WHEN p_plate_a = p_plate_b THEN 'SAME' ELSE 'DIFFERENT' END;

    IF COALESCE(pg_catalog.cardinality(p_tokens_a), 0) = 0 OR COALESCE(pg_catalog.cardinality(p_tokens_b), 0) = 0 THEN
        v_name := 'MISSING';
    ELSIF p_tokens_a = p_tokens_b THEN
        -- three or more equal tokens (a given name and two surnames) are far rarer between two humans
        v_name := CASE WHEN pg_catalog.cardinality(p_tokens_a) >= 3 THEN 'SAME_FULL_NAME' ELSE 'SAME_TOKENS' END;
    ELSE
        -- given names: each found (up to a typo) among the other side's tokens. canon.name_tokens_close
        -- is called only for tokens that can be one typo apart (lengths within one, four letters or more,
        -- first or last letter shared): most token pairs fail that test without a call
        v_given_close := NULL;
        IF p_given_a IS NOT NULL AND p_given_b IS NOT NULL THEN
            v_given_close := p_given_a = p_given_b OR p_given_a = ANY (p_tokens_b) OR p_given_b = ANY (p_tokens_a);
            -- a letter dropped from a short given name (RAUL/RUL, JHON/JON) is a typo too
            IF NOT v_given_close AND abs(pg_catalog.length(p_given_a) - pg_catalog.length(p_given_b)) = 1
               AND LEAST(pg_catalog.length(p_given_a), pg_catalog.length(p_given_b)) >= 3 THEN
                v_t := CASE WHEN pg_catalog.length(p_given_a) > pg_catalog.length(p_given_b) THEN p_given_a ELSE p_given_b END;
                v_u := CASE WHEN pg_catalog.length(p_given_a) > pg_catalog.length(p_given_b) THEN p_given_b ELSE p_given_a END;
                FOR v_i IN 1 .. pg_catalog.length(v_t) LOOP
                    IF pg_catalog.substr(v_t, 1, v_i - 1) || pg_catalog.substr(v_t, v_i + 1) = v_u THEN
                        v_given_close := true;
                        EXIT;
                    END IF;
                END LOOP;
            END IF;
            IF NOT v_given_close THEN
                FOREACH v_u IN ARRAY p_tokens_b LOOP
                    IF abs(pg_catalog.length(p_given_a) - pg_catalog.length(v_u)) <= 1
                       AND (pg_catalog.left(p_given_a, 1) = pg_catalog.left(v_u, 1) OR pg_catalog.right(p_given_a, 1) = pg_catalog.right(v_u, 1))
                       AND canon.name_tokens_close(p_given_a, v_u) THEN
                        v_given_close := true; EXIT;
                    END IF;
                END LOOP;
            END IF;
            IF NOT v_given_close THEN
                FOREACH v_u IN ARRAY p_tokens_a LOOP
                    IF abs(pg_catalog.length(p_given_b) - pg_catalog.length(v_u)) <= 1
                       AND (pg_catalog.left(p_given_b, 1) = pg_catalog.left(v_u, 1) OR pg_catalog.right(p_given_b, 1) = pg_catalog.right(v_u, 1))
                       AND canon.name_tokens_close(p_given_b, v_u) THEN
                        v_given_close := true; EXIT;
                    END IF;
                END LOOP;
            END IF;
        END IF;
        -- surnames of each side found (up to a typo) among the other side's tokens: needed only for a
        -- contradiction (both carry two surnames) or after the given names agreed
        IF (COALESCE(p_two_a, false) AND COALESCE(p_two_b, false)) OR v_given_close THEN
            FOREACH v_t IN ARRAY COALESCE(p_surnames_a, '{}'::text[]) LOOP
                v_found := v_t = ANY (p_tokens_b);
                IF NOT v_found THEN
                    FOREACH v_u IN ARRAY p_tokens_b LOOP
                        IF abs(pg_catalog.length(v_t) - pg_catalog.length(v_u)) <= 1
                           AND (pg_catalog.left(v_t, 1) = pg_catalog.left(v_u, 1) OR pg_catalog.right(v_t, 1) = pg_catalog.right(v_u, 1))
                           AND canon.name_tokens_close(v_t, v_u) THEN
                            v_found := true; EXIT;
                        END IF;
                    END LOOP;
                END IF;
                IF v_found THEN v_surname_hits := v_surname_hits + 1; ELSE v_all_a := false; END IF;
            END LOOP;
            FOREACH v_t IN ARRAY COALESCE(p_surnames_b, '{}'::text[]) LOOP
                v_found := v_t = ANY (p_tokens_a);
                IF NOT v_found THEN
                    FOREACH v_u IN ARRAY p_tokens_a LOOP
                        IF abs(pg_catalog.length(v_t) - pg_catalog.length(v_u)) <= 1
                           AND (pg_catalog.left(v_t, 1) = pg_catalog.left(v_u, 1) OR pg_catalog.right(v_t, 1) = pg_catalog.right(v_u, 1))
                           AND canon.name_tokens_close(v_t, v_u) THEN
                            v_found := true; EXIT;
                        END IF;
                    END LOOP;
                END IF;
                IF NOT v_found THEN v_all_b := false; END IF;
            END LOOP;
        ELSE
            v_all_a := false;
            v_all_b := false;
        END IF;
        IF COALESCE(p_two_a, false) AND COALESCE(p_two_b, false) AND NOT v_all_a AND NOT v_all_b THEN
            v_name := 'SURNAMES_CONTRADICT';
        ELSIF v_given_close IS NOT DISTINCT FROM false THEN
            v_name := 'GIVEN_DIFFER';
        ELSIF LEAST(pg_catalog.cardinality(p_tokens_a), pg_catalog.cardinality(p_tokens_b)) >= 2
              AND (p_tokens_a <@ p_tokens_b OR p_tokens_b <@ p_tokens_a) THEN
            v_name := 'SUBSET';
        ELSIF v_given_close AND ((pg_catalog.cardinality(p_surnames_a) >= 2 AND v_all_a)
                                 OR (pg_catalog.cardinality(p_surnames_b) >= 2 AND v_all_b)) THEN
            v_name := 'GIVEN_BOTH_SURNAMES';
        ELSIF v_given_close AND v_surname_hits >= 1 THEN
            v_name := 'GIVEN_ONE_SURNAME';
        ELSIF canon.name_similarity(p_tokens_a, p_tokens_b) >= p_threshold THEN
            v_name := 'SIMILAR';
        ELSE
            v_name := 'DIFFERENT';
        END IF;
    END IF;

    v_days := abs(p_date_a - p_date_b);
    v_date := CASE WHEN v_days IS NULL THEN 'MISSING' WHEN v_days <= 3 THEN 'WITHIN_3'
                   WHEN v_days <= 14 THEN 'WITHIN_14' WHEN v_days <= 90 THEN 'WITHIN_90' ELSE 'FURTHER' END;

    v_car := CASE WHEN p_car_a IS NULL OR p_car_b IS NULL THEN 'MISSING'
                  WHEN NOT ('SAME' IN (v_phone, v_doc, v_plate)
                            OR v_name IN ('SAME_FULL_NAME', 'SAME_TOKENS', 'SUBSET', 'GIVEN_BOTH_SURNAMES')) THEN 'IGNORED'
                  WHEN p_car_a = p_car_b THEN 'SAME' ELSE 'DIFFERENT' END;
    RETURN ARRAY[v_phone, v_doc, v_plate, v_name, v_date, v_car];
END;
$$;
COMMENT ON FUNCTION canon.compare_levels(text, text[], text, text[], text, text[], boolean, date, text, text, text[], text, text[], text, text[], boolean, date, text, numeric) IS 'canon.compare_levels(p_phone_a, p_ids_a, p_plate_a, p_tokens_a, p_given_a, p_surnames_a, p_two_a, p_date_a, p_car_a, <the same for b>, p_threshold numeric) -> text[]: comparison levels of phone, document, plate, name, date, car';
