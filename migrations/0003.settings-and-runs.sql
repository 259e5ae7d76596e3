-- depends: 0001.roles-and-schemas
-- Settings (keys and defaults are code: sql/schema/settings.sql upserts them on every migrate) and the
-- run log every job writes: a 'running' row committed before the work, updated after it.
SET lock_timeout = '10s';

CREATE TABLE ops.settings (
    key text PRIMARY KEY,
    value text NOT NULL,
    description text NOT NULL DEFAULT ''
);

CREATE TABLE ops.run_log (
    run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job text NOT NULL,
    status text NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'succeeded', 'failed', 'skipped', 'abandoned')),
    started_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at timestamptz,
    backend_pid integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
    -- with backend_pid, tells a live run from one abandoned by a dead backend (pids are reused)
    backend_start timestamptz,
    date_from date,
    date_to date,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    error_sqlstate text,
    error_message text
);
CREATE INDEX run_log_job_started_idx ON ops.run_log (job, started_at DESC);
CREATE INDEX run_log_running_idx ON ops.run_log (status) WHERE status = 'running';
