-- The status of a measured value against its thresholds: CRIT at or above p_crit, WARN at or above
-- p_warn (strictly above when p_strict), else OK. A NULL threshold never fires.
CREATE OR REPLACE FUNCTION ops.health_status(p_value numeric, p_warn numeric, p_crit numeric,
                                             p_strict boolean DEFAULT false)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_value IS NULL THEN 'OK'
                WHEN p_strict AND p_value > p_crit OR NOT p_strict AND p_value >= p_crit THEN 'CRIT'
                WHEN p_strict AND p_value > p_warn OR NOT p_strict AND p_value >= p_warn THEN 'WARN'
                ELSE 'OK' END;
$$;
COMMENT ON FUNCTION ops.health_status(numeric, numeric, numeric, boolean) IS 'ops.health_status(p_value, p_warn, p_crit, p_strict) -> OK|WARN|CRIT: a value against its thresholds';
