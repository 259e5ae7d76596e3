-- Checks of the package's own run log (ops.run_log), per job (run_pipeline, purge_history): what the
-- package itself recorded, whatever pg_cron says (a command that swallowed its error looks succeeded
-- to pg_cron, never here).
--   run_last_success  last succeeded run within max_age (CRIT for the pipeline, WARN for the purge).
--                     The run taking this snapshot (status running, this backend) counts as succeeded:
--                     every step before its snapshot did, so a run never reports itself as failing. A job
--                     with no run logged is OK ("first run at ...") until max_age after its first
--                     scheduled time since it was scheduled (ops.cron_job_scheduled).
--   run_failures      consecutive failed runs since the last success (skipped runs are ignored)
--   run_stuck         runs left 'running': by a backend that is gone (abandoned) or for longer than
--                     health_max_run_minutes (stuck): CRIT; runs marked abandoned in the last 24 h: WARN
-- A backend's start time is visible only to its own role, so a 'running' row whose pid is alive counts
-- as alive when the start time cannot be compared (the pipeline itself tells reused pids apart).
CREATE OR REPLACE FUNCTION ops.health_check_runs()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_max_consecutive_failures')::integer AS max_failures,
               pg_catalog.make_interval(mins => ops.get_setting('health_max_run_minutes')::integer) AS max_run
    ),
    jobs AS (
        SELECT x.run_log_job AS job, x.command, x.max_age, x.late_status,
               l.last_success_at, l.last_success_run_id, l.runs,
               CASE WHEN l.runs = 0 THEN ops.cron_next_run(x.schedule, d.scheduled_at) END AS first_run,
               (SELECT pg_catalog.count(*) FROM ops.run_log AS r
                WHERE r.job = x.run_log_job AND r.status = 'failed'
                  AND r.run_id > COALESCE(l.last_success_run_id, 0)) AS failures,
               (SELECT pg_catalog.min(r.started_at) FROM ops.run_log AS r
                WHERE r.job = x.run_log_job AND r.status = 'failed'
                  AND r.run_id > COALESCE(l.last_success_run_id, 0)) AS failing_since,
               (SELECT ops.mask_digits(r.error_sqlstate || ': ' || r.error_message) FROM ops.run_log AS r
                WHERE r.job = x.run_log_job AND r.status = 'failed'
                ORDER BY r.run_id DESC LIMIT 1) AS last_error
        FROM ops.health_expected_jobs() AS x
        CROSS JOIN LATERAL (
            SELECT pg_catalog.max(COALESCE(r.finished_at, pg_catalog.now())) FILTER (WHERE r.status = 'succeeded' OR r.this_run) AS last_success_at,
                   pg_catalog.max(r.run_id) FILTER (WHERE r.status = 'succeeded' OR r.this_run) AS last_success_run_id,
                   pg_catalog.count(*) AS runs
            FROM (SELECT r.*, r.status = 'running' AND r.backend_pid = pg_catalog.pg_backend_pid() AS this_run
                  FROM ops.run_log AS r WHERE r.job = x.run_log_job) AS r) AS l
        LEFT JOIN ops.cron_job_scheduled AS d ON d.jobname = x.jobname AND d.schedule = x.schedule
    ),
    running AS (
        SELECT r.job, r.run_id, r.started_at, r.backend_pid,
               EXISTS (SELECT FROM pg_catalog.pg_stat_activity AS a
                       WHERE a.pid = r.backend_pid
                         AND (a.backend_start IS NULL OR r.backend_start IS NULL
                              OR a.backend_start = r.backend_start)) AS alive
        FROM ops.run_log AS r WHERE r.status = 'running'
    ),
    run_state AS (
        SELECT t.job,
               pg_catalog.count(g.run_id) FILTER (WHERE NOT g.alive) AS abandoned_now,
               pg_catalog.count(g.run_id) FILTER (WHERE g.alive AND g.started_at < pg_catalog.now() - s.max_run) AS stuck,
               pg_catalog.min(g.run_id) FILTER (WHERE g.alive AND g.started_at < pg_catalog.now() - s.max_run) AS stuck_run_id,
               pg_catalog.min(g.backend_pid) FILTER (WHERE g.alive AND g.started_at < pg_catalog.now() - s.max_run) AS stuck_pid,
               pg_catalog.min(g.started_at) FILTER (WHERE NOT g.alive OR g.started_at < pg_catalog.now() - s.max_run) AS since,
               (SELECT pg_catalog.count(*) FROM ops.run_log AS r
                WHERE r.job = t.job AND r.status = 'abandoned'
                  AND r.finished_at > pg_catalog.now() - interval '24 hours') AS abandoned_recent
        FROM (SELECT x.run_log_job AS job FROM ops.health_expected_jobs() AS x
              UNION SELECT g.job FROM running AS g) AS t
        CROSS JOIN settings AS s
        LEFT JOIN running AS g ON g.job = t.job
        GROUP BY t.job
    )
    SELECT 'run_last_success', j.job,
           CASE WHEN COALESCE(j.last_success_at, j.first_run) IS NULL
                     OR COALESCE(j.last_success_at, j.first_run) < pg_catalog.now() - j.max_age
                THEN j.late_status ELSE 'OK' END,
           COALESCE(pg_catalog.date_trunc('second', pg_catalog.now() - j.last_success_at)::text || ' ago',
                    CASE WHEN j.first_run > pg_catalog.now()
                         THEN 'first run at ' || pg_catalog.to_char(j.first_run, 'YYYY-MM-DD HH24:MI TZ') END,
                    'never'),
           format('within %s', j.max_age),
           CASE WHEN j.last_success_at IS NULL AND j.first_run IS NOT NULL
                THEN format('no %s logged since its job was scheduled; its first scheduled time is %s', j.job, j.first_run)
                WHEN j.last_success_at IS NULL
                THEN format('ops.run_log has no succeeded %s (%s runs logged)', j.job, j.runs)
                ELSE format('last succeeded %s finished %s (run_id %s)', j.job, j.last_success_at, j.last_success_run_id) END,
           CASE WHEN COALESCE(j.last_success_at, j.first_run) IS NULL
                     OR COALESCE(j.last_success_at, j.first_run) < pg_catalog.now() - j.max_age
                THEN j.command || ';  -- then SELECT ops.diagnose();' END,
           NULL::numeric
    FROM jobs AS j
    UNION ALL
    SELECT 'run_failures', j.job,
           ops.health_status(j.failures, 1, s.max_failures),
           format('%s consecutive failed runs', j.failures),
           format('WARN from 1, CRIT from %s', s.max_failures),
           CASE WHEN j.failures = 0 THEN 'no failure since the last success'
                ELSE format('%s failed %s times in a row since %s; last error %s', j.job, j.failures,
                            j.failing_since, COALESCE(pg_catalog.left(j.last_error, 200), '(none)')) END,
           CASE WHEN j.failures > 0
                THEN format('SELECT run_id, started_at, error_sqlstate, error_message, details->>''failed_step'' FROM ops.run_log WHERE job = %L ORDER BY run_id DESC LIMIT 5;', j.job) END,
           NULL::numeric
    FROM jobs AS j CROSS JOIN settings AS s
    UNION ALL
    SELECT 'run_stuck', r.job,
           CASE WHEN r.abandoned_now > 0 OR r.stuck > 0 THEN 'CRIT'
                WHEN r.abandoned_recent > 0 THEN 'WARN' ELSE 'OK' END,
           format('%s stuck, %s abandoned by a dead backend, %s marked abandoned in 24 h',
                  r.stuck, r.abandoned_now, r.abandoned_recent),
           format('no run longer than %s, none abandoned', s.max_run),
           CASE WHEN r.stuck > 0
                THEN format('run_id %s (pid %s) has been running since %s', r.stuck_run_id, r.stuck_pid, r.since)
                WHEN r.abandoned_now > 0
                THEN format('%s runs are still marked running but their backend is gone (killed, crash or restart) since %s', r.abandoned_now, r.since)
                WHEN r.abandoned_recent > 0
                THEN format('%s runs were abandoned in the last 24 h (killed, crash or restart); later runs redid their work', r.abandoned_recent)
                ELSE 'no run stuck or abandoned' END,
           CASE WHEN r.stuck > 0
                THEN format('SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s;  -- if blocked: SELECT pg_cancel_backend(%s);', r.stuck_pid, r.stuck_pid)
                WHEN r.abandoned_now > 0 THEN 'CALL ops.run_pipeline();  -- marks them abandoned and redoes the work'
                WHEN r.abandoned_recent > 0
                THEN format('SELECT run_id, started_at, finished_at FROM ops.run_log WHERE job = %L AND status = ''abandoned'' ORDER BY run_id DESC;', r.job) END,
           NULL::numeric
    FROM run_state AS r CROSS JOIN settings AS s;
$$;
COMMENT ON FUNCTION ops.health_check_runs() IS 'ops.health_check_runs() -> health rows: per package job, from ops.run_log: last success, consecutive failures, stuck or abandoned runs (checks run_*)';
