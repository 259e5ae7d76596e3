-- Today's date in the business time zone (setting business_timezone, America/Lima), or the date the
-- session pinned in the custom setting lead_attribution.today (tests and what-if reads: every due date,
-- overdue age and payable scout line is judged against it; SET lead_attribution.today = '2026-01-15').
-- ops.v_business_today gives the same date to views, whose readers cannot run package functions.
CREATE OR REPLACE FUNCTION ops.today()
RETURNS date
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(NULLIF(pg_catalog.current_setting('lead_attribution.today', true), '')::date,
                    (pg_catalog.now() AT TIME ZONE ops.get_setting('business_timezone'))::date);
$$;
COMMENT ON FUNCTION ops.today() IS 'ops.today() -> date: today in the business_timezone setting, or the date pinned by SET lead_attribution.today';
