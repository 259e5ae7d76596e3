-- The match_rule of a link decided by probability: the strongest agreeing evidence of its best pair
-- (levels in canon.compare_levels order: phone, document, plate, name, date, car), from the closed list
-- of docs/identity.md: DNI, PHONE+NAME, PLATE+NAME, PHONE, PLATE, CAR+NAME, NAME+DATE.
-- PL/pgSQL: a SQL function with a pinned search_path is never inlined and costs a query per call.
CREATE OR REPLACE FUNCTION canon.match_rule_of(p_levels text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name_agrees boolean := p_levels[4] IN ('SAME_FULL_NAME', 'SAME_TOKENS', 'SUBSET', 'GIVEN_BOTH_SURNAMES',
                                             'GIVEN_ONE_SURNAME', 'SIMILAR');
BEGIN
    RETURN CASE WHEN p_levels[2] = 'SAME' THEN 'DNI'
                WHEN p_levels[1] = 'SAME' AND v_name_agrees THEN 'PHONE+NAME'
                WHEN p_levels[3] = 'SAME' AND v_name_agrees THEN 'PLATE+NAME'
                WHEN p_levels[1] = 'SAME' THEN 'PHONE'
                WHEN p_levels[3] = 'SAME' THEN 'PLATE'
                WHEN p_levels[6] = 'SAME' AND v_name_agrees THEN 'CAR+NAME'
                ELSE 'NAME+DATE' END;
END;
$$;
COMMENT ON FUNCTION canon.match_rule_of(text[]) IS 'canon.match_rule_of(p_levels text[]) -> text: DNI, PHONE+NAME, PLATE+NAME, PHONE, PLATE, CAR+NAME or NAME+DATE, the strongest agreeing evidence of a compared pair';

