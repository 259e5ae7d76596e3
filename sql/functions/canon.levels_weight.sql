-- The total weight (thousandths of a bit) of a compared pair: the sum of the weights of its levels
-- (canon.compare_levels order: phone, document, plate, name, date, car) in p_weights
-- (canon.match_weight_map). An unknown level weighs 0. Integers: the sum is exact whatever the plan.
CREATE OR REPLACE FUNCTION canon.levels_weight(p_levels text[], p_weights jsonb)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.match_probability): its names are bound when it is created, so no
-- search_path is read when it runs, and the planner inlines it into the calling statement, whose
-- arguments are columns and variables (about 580 k calls in a full resolve at scale 100: 1.8 us each
-- as PL/pgSQL; docs/identity.md, "Speed").
RETURN COALESCE((p_weights ->> ('phone:' || p_levels[1]))::integer, 0)
     + COALESCE((p_weights ->> ('document:' || p_levels[2]))::integer, 0)
     + COALESCE((p_weights ->> ('plate:' || p_levels[3]))::integer, 0)
     + COALESCE((p_weights ->> ('name:' || p_levels[4]))::integer, 0)
     + COALESCE((p_weights ->> ('date:' || p_levels[5]))::integer, 0)
     + COALESCE((p_weights ->> ('car:' || p_levels[6]))::integer, 0);
COMMENT ON FUNCTION canon.levels_weight(text[], jsonb) IS 'canon.levels_weight(p_levels text[], p_weights jsonb) -> integer: total weight in thousandths of a bit of a pair''s levels';
