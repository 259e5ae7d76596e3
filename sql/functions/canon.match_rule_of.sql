-- The match_rule of a link decided by probability: the strongest agreeing evidence of its best pair
-- (levels in canon.compare_levels order: phone, document, plate, name, date, car), from the closed list
-- of docs/identity.md: DNI, PHONE+NAME, PLATE+NAME, PHONE, PLATE, CAR+NAME, NAME+DATE.
CREATE OR REPLACE FUNCTION canon.match_rule_of(p_levels text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.levels_weight): its names are bound when it is created, so no
-- search_path is read when it runs, and the planner inlines it into the calling statement. Every caller
-- passes a column or a variable (a call on canon.compare_levels(...) itself would not be inlined: the
-- argument is used more than once). Not STRICT, which would keep it from being inlined: NULL levels
-- give NULL all the same.
RETURN CASE WHEN p_levels IS NULL THEN NULL
            WHEN p_levels[2] = 'SAME' THEN 'DNI'
            WHEN p_levels[1] = 'SAME' AND p_levels[4] IN ('SAME_FULL_NAME', 'SAME_TOKENS', 'SUBSET',
                                                          'GIVEN_BOTH_SURNAMES', 'GIVEN_ONE_SURNAME', 'SIMILAR')
                THEN 'PHONE+NAME'
            WHEN p_levels[3] = 'SAME' AND p_levels[4] IN ('SAME_FULL_NAME', 'SAME_TOKENS', 'SUBSET',
                                                          'GIVEN_BOTH_SURNAMES', 'GIVEN_ONE_SURNAME', 'SIMILAR')
                THEN 'PLATE+NAME'
            WHEN p_levels[1] = 'SAME' THEN 'PHONE'
            WHEN p_levels[3] = 'SAME' THEN 'PLATE'
            WHEN p_levels[6] = 'SAME' AND p_levels[4] IN ('SAME_FULL_NAME', 'SAME_TOKENS', 'SUBSET',
                                                          'GIVEN_BOTH_SURNAMES', 'GIVEN_ONE_SURNAME', 'SIMILAR')
                THEN 'CAR+NAME'
            ELSE 'NAME+DATE' END;
COMMENT ON FUNCTION canon.match_rule_of(text[]) IS 'canon.match_rule_of(p_levels text[]) -> text: DNI, PHONE+NAME, PLATE+NAME, PHONE, PLATE, CAR+NAME or NAME+DATE, the strongest agreeing evidence of a compared pair';

