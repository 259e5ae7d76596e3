-- Insert a 'running' row in ops.run_log for this backend and return its run_id.
-- SECURITY DEFINER: the job and writer roles cannot write ops.run_log (a forged 'succeeded' row would
-- hide a failure from health); they log their own runs only through this function and
-- ops.finish_run / ops.log_run_progress, which act on this backend's running rows only.
CREATE OR REPLACE FUNCTION ops.start_run(p_job text, p_date_from date DEFAULT NULL, p_date_to date DEFAULT NULL)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    INSERT INTO ops.run_log (job, date_from, date_to, backend_start)
    SELECT p_job, p_date_from, p_date_to,
           (SELECT a.backend_start FROM pg_catalog.pg_stat_activity AS a WHERE a.pid = pg_catalog.pg_backend_pid())
    RETURNING run_id;
$$;
COMMENT ON FUNCTION ops.start_run(text, date, date) IS 'ops.start_run(p_job, p_date_from, p_date_to) -> run_id: log a running job of this backend in ops.run_log (definer: nobody writes the run log directly)';
