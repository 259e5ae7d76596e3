-- Checks of each package pg_cron job, from pg_cron's own records (ops.cron_job_status):
--   cron_job           present, active, right command, database and schedule
--   cron_last_success  last succeeded run within max_age (CRIT for the pipeline, WARN for the purge);
--                      a job that never ran is OK ("first run at ...") until max_age after its first
--                      scheduled time since ops.ensure_cron_job scheduled it (ops.cron_job_scheduled)
--   cron_failures      consecutive failed runs since the last success: WARN from 1, CRIT from
--                      health_max_consecutive_failures (pg_cron's 'connection failed' rows included)
--   cron_stuck         a run still running after health_max_run_minutes
-- No rows when pg_cron is not installed: check pg_cron says so.
CREATE OR REPLACE FUNCTION ops.health_check_cron_jobs()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_max_consecutive_failures')::integer AS max_failures,
               ops.get_setting('health_max_run_minutes')::integer AS max_run_minutes
    ),
    jobs AS (
        SELECT x.*, c.jobid, c.schedule AS cron_schedule, c.command AS cron_command, c.database, c.active,
               c.runs, c.last_success_at, c.consecutive_failures, c.failing_since, c.last_failure_at,
               c.last_failure_message, c.running_since,
               format('SELECT ops.ensure_cron_job(%L, %L, %L);  -- as a superuser (or run tools/migrate)',
                      x.jobname, x.schedule, x.command) AS fix,
               CASE WHEN COALESCE(c.runs, 0) = 0 THEN ops.cron_next_run(x.schedule, d.scheduled_at) END AS first_run
        FROM ops.health_expected_jobs() AS x
        LEFT JOIN ops.cron_job_status() AS c ON c.jobname = x.jobname
        LEFT JOIN ops.cron_job_scheduled AS d ON d.jobname = x.jobname AND d.schedule = x.schedule
        WHERE EXISTS (SELECT FROM pg_catalog.pg_extension AS e WHERE e.extname = 'pg_cron')
    )
    SELECT 'cron_job', j.jobname,
           CASE WHEN j.jobid IS NULL OR NOT j.active OR j.cron_command IS DISTINCT FROM j.command
                     OR j.database IS DISTINCT FROM pg_catalog.current_database() THEN 'CRIT'
                WHEN j.cron_schedule IS DISTINCT FROM j.schedule THEN 'WARN'
                ELSE 'OK' END,
           CASE WHEN j.jobid IS NULL THEN 'missing'
                ELSE format('%s, %s, %s, in %s', CASE WHEN j.active THEN 'active' ELSE 'inactive' END,
                            j.cron_schedule, j.cron_command, j.database) END,
           format('active, %s, %s, in %s', j.schedule, j.command, pg_catalog.current_database()),
           CASE WHEN j.jobid IS NULL
                THEN format('no pg_cron job %s runs as lead_attribution_job: nothing runs %s', j.jobname, j.command)
                WHEN NOT j.active THEN format('job %s (jobid %s) is inactive: %s does not run', j.jobname, j.jobid, j.command)
                WHEN j.cron_command IS DISTINCT FROM j.command THEN format('job %s runs %s instead of %s', j.jobname, j.cron_command, j.command)
                WHEN j.database IS DISTINCT FROM pg_catalog.current_database()
                THEN format('job %s runs in database %s, not in %s', j.jobname, j.database, pg_catalog.current_database())
                WHEN j.cron_schedule IS DISTINCT FROM j.schedule
                THEN format('job %s is scheduled %s instead of %s (UTC)', j.jobname, j.cron_schedule, j.schedule)
                ELSE format('jobid %s as expected', j.jobid) END,
           CASE WHEN j.jobid IS NULL OR NOT j.active OR j.cron_command IS DISTINCT FROM j.command
                     OR j.database IS DISTINCT FROM pg_catalog.current_database()
                     OR j.cron_schedule IS DISTINCT FROM j.schedule THEN j.fix END,
           NULL::numeric
    FROM jobs AS j
    UNION ALL
    SELECT 'cron_last_success', j.jobname,
           CASE WHEN COALESCE(j.last_success_at, j.first_run) IS NULL
                     OR COALESCE(j.last_success_at, j.first_run) < pg_catalog.now() - j.max_age
                THEN j.late_status ELSE 'OK' END,
           COALESCE(pg_catalog.date_trunc('second', pg_catalog.now() - j.last_success_at)::text || ' ago',
                    CASE WHEN j.first_run > pg_catalog.now()
                         THEN 'first run at ' || pg_catalog.to_char(j.first_run, 'YYYY-MM-DD HH24:MI TZ') END,
                    'never'),
           format('within %s', j.max_age),
           CASE WHEN j.last_success_at IS NULL AND j.first_run IS NOT NULL
                THEN format('%s has not run since it was scheduled; its first scheduled time is %s', j.jobname, j.first_run)
                WHEN j.last_success_at IS NULL
                THEN format('pg_cron has no succeeded run of %s on record (%s runs recorded)', j.jobname, COALESCE(j.runs, 0))
                ELSE format('last succeeded run of %s ended %s', j.jobname, j.last_success_at) END,
           CASE WHEN COALESCE(j.last_success_at, j.first_run) IS NULL
                     OR COALESCE(j.last_success_at, j.first_run) < pg_catalog.now() - j.max_age
                THEN CASE WHEN j.jobid IS NULL OR NOT j.active THEN j.fix
                          ELSE format('SELECT status, return_message, start_time FROM cron.job_run_details WHERE jobid = %s ORDER BY runid DESC LIMIT 5;  -- as lead_attribution_job or a superuser; then %s;',
                                      j.jobid, j.command) END END,
           NULL::numeric
    FROM jobs AS j WHERE j.jobid IS NOT NULL
    UNION ALL
    SELECT 'cron_failures', j.jobname,
           ops.health_status(j.consecutive_failures, 1, s.max_failures),
           format('%s consecutive failed runs', j.consecutive_failures),
           format('WARN from 1, CRIT from %s', s.max_failures),
           CASE WHEN j.consecutive_failures = 0 THEN 'no failure since the last success'
                ELSE format('%s has failed %s times in a row%s; last error: %s', j.jobname, j.consecutive_failures,
                            COALESCE(' since ' || j.failing_since::text, ''),
                            COALESCE(pg_catalog.left(j.last_failure_message, 200), '(no message)')) END,
           CASE WHEN j.consecutive_failures > 0
                THEN CASE WHEN j.last_failure_message ILIKE '%connection%'
                          THEN 'pg_cron cannot connect as lead_attribution_job: check cron.host, pg_hba.conf/pg_ident.conf for local connections of lead_attribution_job (README), then SELECT ops.diagnose();'
                          ELSE format('%s  -- run it by hand to see the error; SELECT * FROM ops.run_log ORDER BY run_id DESC LIMIT 5;', j.command) END END,
           NULL::numeric
    FROM jobs AS j CROSS JOIN settings AS s WHERE j.jobid IS NOT NULL
    UNION ALL
    SELECT 'cron_stuck', j.jobname,
           CASE WHEN j.running_since < pg_catalog.now() - pg_catalog.make_interval(mins => s.max_run_minutes)
                THEN 'CRIT' ELSE 'OK' END,
           COALESCE('running for ' || pg_catalog.date_trunc('second', pg_catalog.now() - j.running_since)::text, 'not running'),
           format('under %s minutes', s.max_run_minutes),
           CASE WHEN j.running_since IS NULL THEN 'no run in progress'
                ELSE format('a run of %s started %s is still running', j.jobname, j.running_since) END,
           CASE WHEN j.running_since < pg_catalog.now() - pg_catalog.make_interval(mins => s.max_run_minutes)
                THEN 'SELECT pid, state, wait_event_type, wait_event, now() - query_start AS running FROM pg_stat_activity WHERE usename = ''lead_attribution_job'';  -- then pg_cancel_backend(pid) if it is blocked' END,
           NULL::numeric
    FROM jobs AS j CROSS JOIN settings AS s WHERE j.jobid IS NOT NULL;
$$;
COMMENT ON FUNCTION ops.health_check_cron_jobs() IS 'ops.health_check_cron_jobs() -> health rows: per package pg_cron job, definition, last success, consecutive failures, stuck run (checks cron_*)';
