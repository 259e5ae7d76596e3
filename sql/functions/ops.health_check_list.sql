-- Every health check, in report order: the function ops.health_check_<check_function>(), the check its
-- failure row is reported under, and whether it is reusable: its rows depend only on tables the
-- pipeline's fast path watches (ops.pipeline_inputs), on settings, on today's Lima date and, when
-- pipeline_age is true, on whether the last successful pipeline run is older than
-- health_pipeline_max_age_minutes, which may only turn a row that would be OK into WARN (events_behind:
-- recent rows awaiting a late pipeline) - so a pipeline snapshot whose inputs did not
-- change may reuse them (ops.record_health). The others read the clock, pg_cron or the run log, and
-- are always recomputed. A check that starts reading anything else must say so here.
CREATE OR REPLACE FUNCTION ops.health_check_list()
RETURNS TABLE (report_order integer, check_function text, reported_as text, reusable boolean, pipeline_age boolean)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES (1, 'events_behind', 'events_behind_source', true, true),
           (2, 'event_gaps', 'event_date_gaps', true, false),
           (3, 'pg_cron', 'pg_cron', false, false),
           (4, 'cron_jobs', 'cron_job', false, false),
           (5, 'runs', 'run_log', false, false),
           (6, 'source_freshness', 'source_freshness', true, false),
           (7, 'summary_daily', 'summary_daily', true, false),
           (8, 'orphan_events', 'events_without_source', true, false),
           (9, 'unmatched', 'unmatched_open', true, false),
           (10, 'shared_phones', 'shared_phones', true, false),
           (11, 'payments', 'payments_unmatched', true, false),
           (12, 'claims', 'claims_overdue', true, false);
$$;
COMMENT ON FUNCTION ops.health_check_list() IS 'ops.health_check_list() -> (report_order, check_function, reported_as, reusable, pipeline_age): every health check in report order, and what a pipeline snapshot may reuse its rows for';
