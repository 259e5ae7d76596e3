-- The package's health (docs/rules.md §9): one row per (check, subject) with status OK/WARN/CRIT,
-- what was observed, the threshold, what it means and the command to run. Never raises for a failing
-- check (see ops.health_checks). Any role with EXECUTE can read it; it shows no personal data.
CREATE OR REPLACE FUNCTION ops.health()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text, hint text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c."check", c.subject, c.status, c.observed, c.threshold, c.detail, c.hint
    FROM ops.health_checks() AS c;
$$;
COMMENT ON FUNCTION ops.health() IS 'ops.health() -> SETOF (check, subject, status OK|WARN|CRIT, observed, threshold, detail, hint): every health check; never raises for a failing check';
