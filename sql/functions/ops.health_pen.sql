-- A PEN amount as health and diagnose print it: 'S/ 1,234.00' (locale-independent).
CREATE OR REPLACE FUNCTION ops.health_pen(p_amount numeric)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'S/ ' || pg_catalog.to_char(p_amount, 'FM999,999,999,990.00');
$$;
COMMENT ON FUNCTION ops.health_pen(numeric) IS 'ops.health_pen(p_amount) -> text: S/ 1,234.00';
