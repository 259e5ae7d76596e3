-- Every health check of ops.health_check_list(), computed now, each in its own subtransaction
-- (ops.health_check_rows): a check that cannot run (missing table or function, missing privilege, bad
-- setting) becomes one CRIT row with its SQLSTATE - reported, never hiding the other checks. Rows:
-- those of ops.health() plus amount_pen, the money affected where known. Nothing is reused from a
-- cache: this is the exact computation (pipeline snapshots may reuse, see ops.record_health).
-- SECURITY DEFINER (owner lead_attribution_owner): several checks read raw tables (leads, drivers,
-- summary_daily, payments) and identity tables that monitoring roles must not read; every check returns
-- only counts, dates, reason codes and identifiers masked to their last 3 digits.
CREATE OR REPLACE FUNCTION ops.health_checks()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_check_function text;
BEGIN
    FOR v_check_function IN SELECT l.check_function FROM ops.health_check_list() AS l ORDER BY l.report_order LOOP
        RETURN QUERY
            SELECT x."check", x.subject, x.status, x.observed, x.threshold, x.detail, x.hint, x.amount_pen
            FROM pg_catalog.jsonb_to_recordset((ops.health_check_rows(v_check_function)).check_rows)
                 AS x ("check" text, subject text, status text, observed text, threshold text, detail text,
                       hint text, amount_pen numeric);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ops.health_checks() IS 'ops.health_checks() -> (check, subject, status, observed, threshold, detail, hint, amount_pen): every health check, a failing one as a CRIT row (definer: reads raw data for monitors)';
