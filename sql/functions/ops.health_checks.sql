-- Every health check, each in its own subtransaction: a check that cannot run (missing table or
-- function, missing privilege, bad setting) becomes one CRIT row with its SQLSTATE - reported, never
-- hiding the other checks. Rows: those of ops.health() plus amount_pen, the money affected where known.
-- A check's rows are collected before they are returned, so a check failing half-way adds no partial rows.
-- SECURITY DEFINER (owner lead_attribution_owner): several checks read raw tables (leads, drivers,
-- summary_daily, payments) and identity tables that monitoring roles must not read; every check returns
-- only counts, dates, reason codes and identifiers masked to their last 3 digits.
CREATE OR REPLACE FUNCTION ops.health_checks()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- (function ops.health_check_<name>, the check its failure row is reported under), in report order
    c_checks constant text[][] := ARRAY[
        ['events_behind', 'events_behind_source'], ['event_gaps', 'event_date_gaps'],
        ['pg_cron', 'pg_cron'], ['cron_jobs', 'cron_job'], ['runs', 'run_log'],
        ['source_freshness', 'source_freshness'], ['summary_daily', 'summary_daily'],
        ['orphan_events', 'events_without_source'], ['unmatched', 'unmatched_open'],
        ['shared_phones', 'shared_phones'], ['payments', 'payments_unmatched'], ['claims', 'claims_overdue']];
    v_i integer;
    v_rows jsonb;
BEGIN
    FOR v_i IN 1 .. pg_catalog.array_length(c_checks, 1) LOOP
        BEGIN
            EXECUTE format('SELECT pg_catalog.jsonb_agg(r) FROM ops.%I() AS r', 'health_check_' || c_checks[v_i][1])
                INTO v_rows;
        EXCEPTION WHEN OTHERS THEN
            -- the failure is the result: one CRIT row naming the check and the SQLSTATE
            v_rows := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                'check', c_checks[v_i][2], 'subject', 'all', 'status', 'CRIT', 'observed', 'cannot run',
                'threshold', 'the check runs',
                'detail', format('ops.health_check_%s() failed with SQLSTATE %s: %s', c_checks[v_i][1], SQLSTATE,
                                 ops.mask_digits(SQLERRM)),
                'hint', CASE WHEN SQLSTATE = '42501' AND SQLERRM LIKE '%schema cron%'
                             THEN 'GRANT USAGE ON SCHEMA cron TO lead_attribution_job;  -- as a superuser (tools/migrate does it)'
                             WHEN SQLSTATE = '42501'
                             THEN 'Run tools/migrate as a superuser: it re-applies sql/schema/grants.sql'
                             WHEN SQLSTATE IN ('42P01', '42883', '42703', '3F000')
                             THEN 'Run tools/migrate: an object this check reads is missing (its migration or code is not installed)'
                             ELSE format('SELECT * FROM ops.health_check_%s();  -- run it alone to see the error', c_checks[v_i][1])
                        END));
        END;
        RETURN QUERY
            SELECT x."check", x.subject, x.status, x.observed, x.threshold, x.detail, x.hint, x.amount_pen
            FROM pg_catalog.jsonb_to_recordset(COALESCE(v_rows, '[]'::jsonb))
                 AS x ("check" text, subject text, status text, observed text, threshold text, detail text,
                       hint text, amount_pen numeric);
    END LOOP;
END;
$$;
COMMENT ON FUNCTION ops.health_checks() IS 'ops.health_checks() -> (check, subject, status, observed, threshold, detail, hint, amount_pen): every health check, a failing one as a CRIT row (definer: reads raw data for monitors)';
