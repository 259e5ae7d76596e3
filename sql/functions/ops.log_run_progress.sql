-- Record the details (steps so far) of a running run_log row of this backend.
-- SECURITY DEFINER: see ops.start_run (nobody writes ops.run_log directly).
CREATE OR REPLACE FUNCTION ops.log_run_progress(p_run_id bigint, p_details jsonb)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    UPDATE ops.run_log AS r
    SET details = COALESCE(p_details, r.details)
    WHERE r.run_id = p_run_id AND r.status = 'running' AND r.backend_pid = pg_catalog.pg_backend_pid();
$$;
COMMENT ON FUNCTION ops.log_run_progress(bigint, jsonb) IS 'ops.log_run_progress(p_run_id, p_details): record the details of a running run_log row of this backend (definer: nobody writes the run log directly)';
