-- Close a run_log row: succeeded (with its details) or failed (with SQLSTATE and a masked message).
CREATE OR REPLACE FUNCTION ops.finish_run(p_run_id bigint, p_status text, p_details jsonb DEFAULT NULL,
                                          p_sqlstate text DEFAULT NULL, p_message text DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE ops.run_log
    SET status = p_status,
        finished_at = pg_catalog.clock_timestamp(),
        details = COALESCE(p_details, details),
        error_sqlstate = p_sqlstate,
        error_message = ops.mask_digits(p_message)
    WHERE run_id = p_run_id;
$$;
COMMENT ON FUNCTION ops.finish_run(bigint, text, jsonb, text, text) IS 'ops.finish_run(p_run_id, p_status, p_details, p_sqlstate, p_message): close a run_log row';
