-- pg_cron's view of the package's jobs, for health: definition, last success, consecutive failures,
-- run in progress. SECURITY DEFINER (owner lead_attribution_owner): pg_cron's row security shows each
-- role only the cron.job / cron.job_run_details rows of its own jobs; sql/schema/grants.sql adds a
-- policy letting the owner read the package's jobs (named lead-attribution-*, run by
-- lead_attribution_job) and their runs, so monitoring roles get their health without being the job
-- role, and the job role owns no monitoring code. It returns only those jobs, with digits in error
-- messages masked. row_security is on here (the policies are pg_cron's and the package's own): with
-- it off, as in every other definer, pg_cron's tables could not be read.
-- Dynamic SQL: the cron schema exists only in the database pg_cron runs in.
CREATE OR REPLACE FUNCTION ops.cron_job_status()
RETURNS TABLE (jobid bigint, jobname text, schedule text, command text, database text, active boolean,
               runs bigint, last_success_at timestamptz, consecutive_failures bigint,
               failing_since timestamptz, last_failure_at timestamptz, last_failure_message text,
               running_since timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS $$
BEGIN
    IF pg_catalog.to_regclass('cron.job') IS NULL OR pg_catalog.to_regclass('cron.job_run_details') IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE $sql$
        SELECT j.jobid, j.jobname::text, j.schedule, j.command, j.database, j.active,
               a.runs, a.last_success_at, f.failures, f.since, lf.at, ops.mask_digits(lf.message),
               a.running_since
        FROM cron.job AS j
        CROSS JOIN LATERAL (
            SELECT pg_catalog.count(*) AS runs,
                   pg_catalog.max(d.runid) FILTER (WHERE d.status = 'succeeded') AS success_runid,
                   pg_catalog.max(COALESCE(d.end_time, d.start_time)) FILTER (WHERE d.status = 'succeeded') AS last_success_at,
                   pg_catalog.min(d.start_time) FILTER (WHERE d.status IN ('starting', 'running')) AS running_since
            FROM cron.job_run_details AS d WHERE d.jobid = j.jobid) AS a
        CROSS JOIN LATERAL (
            -- failures since the last success; pg_cron's 'connection failed' rows have no start/end time
            SELECT pg_catalog.count(*) AS failures, pg_catalog.min(COALESCE(d.start_time, d.end_time)) AS since
            FROM cron.job_run_details AS d
            WHERE d.jobid = j.jobid AND d.status = 'failed' AND d.runid > COALESCE(a.success_runid, 0)) AS f
        LEFT JOIN LATERAL (
            SELECT COALESCE(d.end_time, d.start_time) AS at, d.return_message AS message
            FROM cron.job_run_details AS d
            WHERE d.jobid = j.jobid AND d.status = 'failed'
            ORDER BY d.runid DESC LIMIT 1) AS lf ON true
        WHERE j.jobname LIKE 'lead-attribution-%' AND j.username = 'lead_attribution_job'
    $sql$;
END;
$$;
COMMENT ON FUNCTION ops.cron_job_status() IS 'ops.cron_job_status() -> one row per package pg_cron job: definition, runs, last success, consecutive failures, running since (definer: pg_cron row security)';
