-- depends: 0005.lead-events
-- Health history (DOMAIN §9): one snapshot of ops.health() per pipeline run, written by
-- ops.record_health(run_id), so "since when is this red" has an answer. Rows older than
-- run_history_days are deleted by ops.record_health itself.
SET lock_timeout = '10s';

CREATE TABLE ops.health_history (
    history_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id bigint,
    checked_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    "check" text NOT NULL,
    subject text NOT NULL,
    status text NOT NULL CHECK (status IN ('OK', 'WARN', 'CRIT')),
    observed text,
    threshold text,
    detail text,
    hint text,
    amount_pen numeric(14, 2)
);
CREATE INDEX health_history_check_idx ON ops.health_history ("check", subject, checked_at DESC);
CREATE INDEX health_history_checked_at_idx ON ops.health_history (checked_at);
