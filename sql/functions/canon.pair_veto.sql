-- The veto of a compared pair (docs/identity.md), from its levels (canon.compare_levels order: phone,
-- document, plate, name, date, car): DOCUMENT_DIFFERENT (two different licences / DNIs),
-- SURNAMES_CONTRADICT, HOUSEHOLD (given names differ beyond a typo while nothing but a phone agrees);
-- NULL when none. A vetoed pair never links automatically; at most it is offered for review.
CREATE OR REPLACE FUNCTION canon.pair_veto(p_levels text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.levels_weight): its names are bound when it is created, so no
-- search_path is read when it runs, and the planner inlines it into the calling statement. Every caller
-- passes a column or a variable (a call on canon.compare_levels(...) itself would not be inlined: the
-- argument is used more than once); docs/identity.md, "Speed".
RETURN CASE WHEN p_levels[2] = 'DIFFERENT' THEN 'DOCUMENT_DIFFERENT'
            WHEN p_levels[4] = 'SURNAMES_CONTRADICT' THEN 'SURNAMES_CONTRADICT'
            WHEN p_levels[4] = 'GIVEN_DIFFER' AND p_levels[2] <> 'SAME' AND p_levels[3] <> 'SAME'
                THEN 'HOUSEHOLD' END;
COMMENT ON FUNCTION canon.pair_veto(text[]) IS 'canon.pair_veto(p_levels text[]) -> text: DOCUMENT_DIFFERENT, SURNAMES_CONTRADICT, HOUSEHOLD or NULL for the levels of a compared pair';
