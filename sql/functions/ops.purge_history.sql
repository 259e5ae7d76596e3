-- Delete run logs (and pg_cron's run details, when readable) older than run_history_days.
-- A 'running' row is never purged: health must still see it. Like ops.run_pipeline it COMMITs, so it
-- pins the session's search_path itself for the run and gives it back on exit.
CREATE OR REPLACE PROCEDURE ops.purge_history()
LANGUAGE plpgsql
AS $$
DECLARE
    v_run_id bigint;
    v_cutoff timestamptz;
    v_runs bigint;
    v_cron bigint := 0;
    v_sqlstate text;
    v_message text;
    v_search_path constant text := pg_catalog.current_setting('search_path');
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);
    v_run_id := ops.start_run('purge_history');
    COMMIT;
    BEGIN
        v_cutoff := pg_catalog.now() - pg_catalog.make_interval(days => ops.get_setting('run_history_days')::integer);
        v_runs := ops.purge_run_log();
        IF pg_catalog.to_regclass('cron.job_run_details') IS NOT NULL
           AND pg_catalog.has_table_privilege('cron.job_run_details', 'DELETE') THEN
            -- only rows of this role's jobs are visible (pg_cron's row security, on for this statement even
            -- if the session turned it off), and only those past retention may go (a restrictive policy
            -- of sql/schema/grants.sql keeps the job's recent failures)
            PERFORM pg_catalog.set_config('row_security', 'on', true);
            EXECUTE 'DELETE FROM cron.job_run_details WHERE start_time < $1' USING v_cutoff;
            GET DIAGNOSTICS v_cron = ROW_COUNT;
        END IF;
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
    END;
    IF v_sqlstate IS NOT NULL THEN
        PERFORM ops.finish_run(v_run_id, 'failed', NULL, v_sqlstate, v_message);
        COMMIT;
        PERFORM pg_catalog.set_config('search_path', v_search_path, false);
        RAISE EXCEPTION 'purge_history failed: %', ops.mask_digits(v_message)
            USING ERRCODE = v_sqlstate, HINT = 'See SELECT * FROM ops.run_log WHERE run_id = ' || v_run_id || ';';
    END IF;
    PERFORM ops.finish_run(v_run_id, 'succeeded',
                           pg_catalog.jsonb_build_object('run_log_deleted', v_runs, 'cron_details_deleted', v_cron,
                                                         'cutoff', v_cutoff));
    COMMIT;
    PERFORM pg_catalog.set_config('search_path', v_search_path, false);
END;
$$;
COMMENT ON PROCEDURE ops.purge_history() IS 'CALL ops.purge_history(): delete run logs and cron run details older than run_history_days (pg_cron job lead-attribution-purge)';
