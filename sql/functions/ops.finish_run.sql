-- Close a run_log row: succeeded (with its details), failed (with SQLSTATE and a masked message) or
-- skipped. Only a 'running' row started by this backend can be closed, once.
-- SECURITY DEFINER: see ops.start_run (nobody writes ops.run_log directly).
CREATE OR REPLACE FUNCTION ops.finish_run(p_run_id bigint, p_status text, p_details jsonb DEFAULT NULL,
                                          p_sqlstate text DEFAULT NULL, p_message text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('succeeded', 'failed', 'skipped') THEN
        RAISE EXCEPTION 'a run cannot finish as %', COALESCE(p_status, 'NULL')
            USING ERRCODE = CASE WHEN p_status IS NULL THEN '22004' ELSE '22023' END,
                  DETAIL = 'A run finishes succeeded, failed or skipped.',
                  HINT = 'Pass one of succeeded, failed, skipped.';
    END IF;
    UPDATE ops.run_log AS r
    SET status = p_status,
        finished_at = pg_catalog.clock_timestamp(),
        details = COALESCE(p_details, r.details),
        error_sqlstate = p_sqlstate,
        error_message = ops.mask_digits(p_message)
    WHERE r.run_id = p_run_id AND r.status = 'running' AND r.backend_pid = pg_catalog.pg_backend_pid();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'run % is not a running run of this backend', COALESCE(p_run_id::text, 'NULL')
            USING ERRCODE = '22023',
                  DETAIL = 'Only the backend (connection) that started a run (ops.start_run) can finish it, once.',
                  HINT = 'SELECT run_id, status, backend_pid FROM ops.run_log ORDER BY run_id DESC LIMIT 5;';
    END IF;
END;
$$;
COMMENT ON FUNCTION ops.finish_run(bigint, text, jsonb, text, text) IS 'ops.finish_run(p_run_id, p_status, p_details, p_sqlstate, p_message): close a running run_log row of this backend (definer: nobody writes the run log directly)';
