-- Insert a 'running' row in ops.run_log for this backend and return its run_id.
CREATE OR REPLACE FUNCTION ops.start_run(p_job text, p_date_from date DEFAULT NULL, p_date_to date DEFAULT NULL)
RETURNS bigint
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO ops.run_log (job, date_from, date_to, backend_start)
    SELECT p_job, p_date_from, p_date_to,
           (SELECT a.backend_start FROM pg_catalog.pg_stat_activity AS a WHERE a.pid = pg_catalog.pg_backend_pid())
    RETURNING run_id;
$$;
COMMENT ON FUNCTION ops.start_run(text, date, date) IS 'ops.start_run(p_job, p_date_from, p_date_to) -> run_id: log a running job in ops.run_log';
