-- depends: 0010.money-incremental
-- Fast path of ops.run_pipeline(): a run whose inputs did not change since the last full run skips
-- identity, events and the money chain, and its health snapshot reuses the data checks of the last
-- full one. This migration adds the state that decision keeps between runs.
SET lock_timeout = '10s';

-- One row: the last full run that succeeded, and what its inputs looked like once it was done.
-- fingerprint = {"server": postmaster start + statistics reset time, "code": digest of the package's
-- functions and views, "tables": {"<relation>": {"shape": kind, oid and relfilenode of it (and of its
-- partitions), "changes": rows inserted + updated + deleted so far (pg_stat counters)}}}; the changes
-- the run made itself are included, so an untouched database matches it exactly.
CREATE TABLE ops.pipeline_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    full_run_id bigint NOT NULL,
    full_started_at timestamptz NOT NULL,
    full_business_date date NOT NULL,
    fingerprint jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE ops.pipeline_state IS 'ops.pipeline_state: one row, the last full ops.run_pipeline() run and the fingerprint of its inputs';

-- The rows of the health checks that depend on data only (ops.health_check_list(), reusable), as the
-- last snapshot that computed them left them: a pipeline run whose inputs, Lima date and pipeline
-- lateness give the same cache_key reuses them instead of re-reading the raw tables.
CREATE TABLE ops.health_check_cache (
    check_function text PRIMARY KEY,
    cache_key text NOT NULL,
    run_id bigint,
    computed_at timestamptz NOT NULL,
    check_rows jsonb NOT NULL
);
COMMENT ON TABLE ops.health_check_cache IS 'ops.health_check_cache: per data-only health check, its rows and the inputs key they were computed for';
