-- Mark 'abandoned' the runs left 'running' by a backend that no longer exists (killed, crash, restart),
-- told by (pid, backend_start): a reused pid is another backend. Returns how many.
-- SECURITY DEFINER: see ops.start_run (nobody writes ops.run_log directly); sees every backend
-- through ops.backend_activity.
CREATE OR REPLACE FUNCTION ops.abandon_dead_runs()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    WITH abandoned AS (
        UPDATE ops.run_log AS r
        SET status = 'abandoned', finished_at = pg_catalog.clock_timestamp()
        WHERE r.status = 'running'
          AND NOT EXISTS (SELECT FROM ops.backend_activity() AS a
                          WHERE a.pid = r.backend_pid
                            AND a.backend_start IS NOT DISTINCT FROM r.backend_start)
        RETURNING r.run_id)
    SELECT pg_catalog.count(*) FROM abandoned;
$$;
COMMENT ON FUNCTION ops.abandon_dead_runs() IS 'ops.abandon_dead_runs() -> bigint: mark abandoned the running runs whose backend is gone (definer: nobody writes the run log directly)';
