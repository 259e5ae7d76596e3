-- The whole pipeline, as pg_cron runs it every 10 minutes: CALL ops.run_pipeline();
-- identity + events + ledger for ops.pipeline_ranges() (one COMMIT per range), then the money chain,
-- then a health snapshot. A session advisory lock makes an overlapping run log 'skipped' and return.
-- The run_log row is committed as 'running' before the work and closed after it; a failure is logged
-- as 'failed' and raised again (pg_cron must see it), never turned into success. query_canceled
-- (statement_timeout, pg_cancel_backend) is caught too - WHEN OTHERS alone does not - so a cancelled
-- run is logged and leaves the session lock free.
-- A procedure that COMMITs can carry neither SET search_path nor SECURITY DEFINER: every name below
-- is schema-qualified, and the session's search_path is pinned to pg_catalog, pg_temp for the run
-- (operators included) and given back on every exit. It runs with the caller's rights
-- (lead_attribution_job).
CREATE OR REPLACE PROCEDURE ops.run_pipeline()
LANGUAGE plpgsql
AS $$
DECLARE
    c_lock constant bigint := 7371937301;  -- 'lead-attribution pipeline'
    v_run_id bigint;
    v_ranges daterange[];
    v_range daterange;
    v_step text;
    v_step_started timestamptz;
    v_steps jsonb := '[]'::jsonb;
    v_result jsonb;
    v_sqlstate text;
    v_message text;
    v_search_path constant text := pg_catalog.current_setting('search_path');
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);
    IF NOT pg_catalog.pg_try_advisory_lock(c_lock) THEN
        INSERT INTO ops.run_log (job, status, finished_at, details)
        VALUES ('run_pipeline', 'skipped', pg_catalog.clock_timestamp(),
                '{"reason": "another run_pipeline holds the lock"}'::jsonb);
        COMMIT;
        PERFORM pg_catalog.set_config('search_path', v_search_path, false);
        RETURN;
    END IF;

    -- runs left 'running' by a backend that no longer exists were abandoned (killed, crash, restart)
    UPDATE ops.run_log AS r
    SET status = 'abandoned', finished_at = pg_catalog.clock_timestamp()
    WHERE r.status = 'running'
      AND NOT EXISTS (SELECT FROM pg_catalog.pg_stat_activity AS a
                      WHERE a.pid = r.backend_pid
                        AND a.backend_start IS NOT DISTINCT FROM r.backend_start);
    v_run_id := ops.start_run('run_pipeline');
    COMMIT;

    BEGIN
        v_step := 'pipeline_ranges';
        v_ranges := ARRAY(SELECT pg_catalog.daterange(r.date_from, r.date_to, '[]') FROM ops.pipeline_ranges() AS r);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
    END;
    FOREACH v_range IN ARRAY COALESCE(v_ranges, '{}') LOOP
        v_step := pg_catalog.format('populate_lead_events(%s, %s)', pg_catalog.lower(v_range), pg_catalog.upper(v_range) - 1);
        v_step_started := pg_catalog.clock_timestamp();
        BEGIN
            v_result := observational.populate_lead_events(pg_catalog.lower(v_range), pg_catalog.upper(v_range) - 1);
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        END;
        EXIT WHEN v_sqlstate IS NOT NULL;
        v_steps := v_steps || pg_catalog.jsonb_build_object('step', v_step, 'seconds',
            pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - v_step_started), 3), 'result', v_result);
        UPDATE ops.run_log SET details = pg_catalog.jsonb_build_object('steps', v_steps) WHERE run_id = v_run_id;
        COMMIT;  -- each range is its own transaction: a later failure keeps what is done
    END LOOP;
    -- then the money chain, then the health snapshot: each its own transaction
    IF v_sqlstate IS NULL THEN
        v_step := 'refresh_money_chain';
        v_step_started := pg_catalog.clock_timestamp();
        BEGIN
            v_result := ops.refresh_money_chain();
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        END;
    END IF;
    IF v_sqlstate IS NULL THEN
        v_steps := v_steps || pg_catalog.jsonb_build_object('step', v_step, 'seconds',
            pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - v_step_started), 3), 'result', v_result);
        UPDATE ops.run_log SET details = pg_catalog.jsonb_build_object('steps', v_steps) WHERE run_id = v_run_id;
        COMMIT;
        v_step := 'record_health';
        v_step_started := pg_catalog.clock_timestamp();
        BEGIN
            v_result := ops.record_health(v_run_id);
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        END;
    END IF;
    IF v_sqlstate IS NULL THEN
        v_steps := v_steps || pg_catalog.jsonb_build_object('step', v_step, 'seconds',
            pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - v_step_started), 3), 'result', v_result);
    END IF;

    IF v_sqlstate IS NOT NULL THEN
        PERFORM ops.finish_run(v_run_id, 'failed', pg_catalog.jsonb_build_object('steps', v_steps, 'failed_step', v_step),
                               v_sqlstate, v_message);
        COMMIT;
        PERFORM pg_catalog.pg_advisory_unlock(c_lock);
        PERFORM pg_catalog.set_config('search_path', v_search_path, false);
        RAISE EXCEPTION 'run_pipeline failed in %: %', v_step, ops.mask_digits(v_message)
            USING ERRCODE = v_sqlstate,
                  DETAIL = pg_catalog.format('run_id %s; the steps before it were committed.', v_run_id),
                  HINT = 'See SELECT * FROM ops.run_log WHERE run_id = ' || v_run_id || '; then SELECT ops.diagnose();';
    END IF;
    PERFORM ops.finish_run(v_run_id, 'succeeded', pg_catalog.jsonb_build_object('steps', v_steps));
    COMMIT;
    PERFORM pg_catalog.pg_advisory_unlock(c_lock);
    PERFORM pg_catalog.set_config('search_path', v_search_path, false);
END;
$$;
COMMENT ON PROCEDURE ops.run_pipeline() IS 'CALL ops.run_pipeline(): identity, events, ledger, money chain and health snapshot for everything new (pg_cron job lead-attribution-pipeline)';
