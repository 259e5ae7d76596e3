-- The weights in use (canon.v_match_weights) as one jsonb object {"<field>:<level>": weight_milli, ...,
-- "prior": prior_milli}, read once per identity run so that a pair's weight is a few key lookups
-- (canon.levels_weight) instead of a query per pair.
CREATE OR REPLACE FUNCTION canon.match_weight_map()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.jsonb_object_agg(w.field || ':' || w.level, w.weight_milli)
           || pg_catalog.jsonb_build_object('prior', pg_catalog.min(w.prior_milli))
    FROM canon.v_match_weights AS w
$$;
COMMENT ON FUNCTION canon.match_weight_map() IS 'canon.match_weight_map() -> jsonb {"<field>:<level>": weight_milli, "prior": prior_milli}: the weights in use';
