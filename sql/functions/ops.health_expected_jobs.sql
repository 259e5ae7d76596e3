-- The package's scheduled jobs, listed once: sql/cron/jobs.sql schedules exactly these, and health
-- checks pg_cron against them. Also the ops.run_log job each one writes, how old its last success may be and how bad
-- it is when it is older (the pipeline carries the business: CRIT; the purge is housekeeping: WARN).
CREATE OR REPLACE FUNCTION ops.health_expected_jobs()
RETURNS TABLE (jobname text, schedule text, command text, run_log_job text, max_age interval, late_status text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('lead-attribution-pipeline', '*/10 * * * *', 'CALL ops.run_pipeline()', 'run_pipeline',
            pg_catalog.make_interval(mins => ops.get_setting('health_pipeline_max_age_minutes')::integer), 'CRIT'),
           ('lead-attribution-purge', '17 8 * * *', 'CALL ops.purge_history()', 'purge_history',
            pg_catalog.make_interval(hours => ops.get_setting('health_purge_max_age_hours')::integer), 'WARN');
$$;
COMMENT ON FUNCTION ops.health_expected_jobs() IS 'ops.health_expected_jobs() -> (jobname, schedule, command, run_log_job, max_age, late_status): the package jobs health expects';
