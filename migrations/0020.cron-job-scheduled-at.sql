-- depends: 0015.identity-work-unused-columns
-- When tools/migrate (ops.ensure_cron_job) last scheduled or re-defined each package pg_cron job, so
-- the health checks can tell a job that has not reached its first scheduled time since then (OK,
-- "first run at ...") from one that should have run and never did. pg_cron keeps no such time.
-- A job scheduled before this table existed has no row: its checks behave as before. New table, no
-- data moves.
SET lock_timeout = '10s';

CREATE TABLE ops.cron_job_scheduled (
    jobname text PRIMARY KEY,
    schedule text NOT NULL,
    scheduled_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ops.cron_job_scheduled IS 'when ops.ensure_cron_job last (re)scheduled each package pg_cron job; read by the health checks for a job''s first run';
