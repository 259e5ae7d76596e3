-- The whole pipeline, as pg_cron runs it every 10 minutes: CALL ops.run_pipeline();
-- identity + events + ledger for ops.pipeline_ranges() (one COMMIT per range), then the money chain,
-- then a health snapshot. CALL ops.run_pipeline(true) forces every layer: populate re-reads its ranges
-- and the money chain (daily trips included) is recomputed in full. A session advisory lock makes an
-- overlapping run log 'skipped' and return.
-- The run_log row is committed as 'running' before the work and closed after it; a failure is logged
-- as 'failed' and raised again (pg_cron must see it), never turned into success. query_canceled
-- (statement_timeout, pg_cancel_backend) is caught too - WHEN OTHERS alone does not - so a cancelled
-- run is logged and leaves the session lock free.
--
-- Fast path: before any work, ops.pipeline_plan() compares statistics counters of every input (raw
-- tables, package tables, settings, code; no row is read) with those the last full run left in
-- ops.pipeline_state. Unchanged: the ranges, populate and money steps are skipped (logged as
-- {"step": ..., "skipped": "inputs unchanged"}) and the health snapshot reuses the data checks of the
-- last full run (ops.record_health), so a run with nothing new costs the same at any data size.
-- Counters of other sessions can show a committed change up to a run late; a full run happens anyway
-- when asked (p_full), after a failed or abandoned run, on a new Lima date and when the last full run
-- is pipeline_full_check_minutes old. A full run stores its inputs' fingerprint with its own writes
-- counted in (ops.pipeline_fingerprint), in the same transaction that logs it succeeded.
--
-- A procedure that COMMITs can carry neither SET search_path nor SECURITY DEFINER: every name below
-- is schema-qualified, and the session's search_path is pinned to pg_catalog, pg_temp for the run
-- (operators included) and given back on every exit, as is row_security (off for the run: a policy
-- on a raw table fails the run loudly instead of running its owner's code with the caller's rights).
-- It runs with the caller's rights (lead_attribution_job); the run log is written only through the
-- definers ops.start_run, ops.log_run_progress, ops.finish_run and ops.abandon_dead_runs.

CREATE OR REPLACE PROCEDURE ops.run_pipeline(p_full boolean)
LANGUAGE plpgsql
AS $$
DECLARE
    c_lock constant bigint := 7371937301;  -- 'lead-attribution pipeline'
    v_run_id bigint;
    v_plan jsonb;
    v_skip boolean;
    v_fingerprint jsonb;
    v_ranges daterange[];
    v_range daterange;
    v_step text;
    v_step_started timestamptz;
    v_run_started timestamptz;
    v_steps jsonb := '[]'::jsonb;
    v_result jsonb;
    v_sqlstate text;
    v_message text;
    v_search_path constant text := pg_catalog.current_setting('search_path');
    v_row_security constant text := pg_catalog.current_setting('row_security');
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false);
    -- a row-level security policy on a raw table makes the run fail loudly, never runs its code
    PERFORM pg_catalog.set_config('row_security', 'off', false);
    IF NOT pg_catalog.pg_try_advisory_lock(c_lock) THEN
        PERFORM ops.finish_run(ops.start_run('run_pipeline'), 'skipped',
                               '{"reason": "another run_pipeline holds the lock"}'::jsonb);
        COMMIT;
        PERFORM pg_catalog.set_config('search_path', v_search_path, false);
        PERFORM pg_catalog.set_config('row_security', v_row_security, false);
        RETURN;
    END IF;

    -- runs left 'running' by a backend that no longer exists were abandoned (killed, crash, restart)
    PERFORM ops.abandon_dead_runs();
    v_run_id := ops.start_run('run_pipeline');
    v_run_started := pg_catalog.now();
    COMMIT;

    -- full or skip, from counters read now (its own transaction, taking no lock on any table): before
    -- the work's snapshots, so whatever they count is committed and seen by the work
    v_step := 'check_inputs';
    v_step_started := pg_catalog.clock_timestamp();
    BEGIN
        v_plan := ops.pipeline_plan(p_full, v_run_id);  -- NULL: 22004, logged as a failed run
        v_skip := v_plan ->> 'mode' = 'skip';
        v_steps := v_steps || ops.pipeline_step(v_step, v_step_started,
            pg_catalog.jsonb_build_object('mode', v_plan -> 'mode', 'reason', v_plan -> 'reason',
                                          'changed', v_plan -> 'changed'));
        PERFORM ops.log_run_progress(v_run_id, pg_catalog.jsonb_build_object('steps', v_steps));
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
    END;
    COMMIT;

    IF v_sqlstate IS NULL AND v_skip THEN
        v_steps := v_steps
            || pg_catalog.jsonb_build_object('step', 'pipeline_ranges', 'skipped', 'inputs unchanged')
            || pg_catalog.jsonb_build_object('step', 'populate', 'skipped', 'inputs unchanged')
            || pg_catalog.jsonb_build_object('step', 'refresh_money_chain', 'skipped', 'inputs unchanged');
    ELSIF v_sqlstate IS NULL THEN
        BEGIN
            v_step := 'pipeline_ranges';
            v_ranges := ARRAY(SELECT pg_catalog.daterange(r.date_from, r.date_to, '[]') FROM ops.pipeline_ranges() AS r);
            IF p_full THEN
                -- asked for a full run: populate re-reads its ranges even with no input changed. Under
                -- populate's lock, taken first as populate does (a backfill upserts the state at its end)
                PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.populate'));
                DELETE FROM observational.populate_state AS st WHERE true;
            END IF;
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
            v_steps := v_steps || ops.pipeline_step(v_step, v_step_started, v_result);
            PERFORM ops.log_run_progress(v_run_id, pg_catalog.jsonb_build_object('steps', v_steps));
            COMMIT;  -- each range is its own transaction: a later failure keeps what is done
        END LOOP;
        -- then the money chain, its own transaction
        IF v_sqlstate IS NULL THEN
            v_step := 'refresh_money_chain';
            v_step_started := pg_catalog.clock_timestamp();
            BEGIN
                v_result := ops.refresh_money_chain(p_full);  -- a forced run recomputes every person
            EXCEPTION WHEN OTHERS OR query_canceled THEN
                GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
            END;
        END IF;
        IF v_sqlstate IS NULL THEN
            v_steps := v_steps || ops.pipeline_step(v_step, v_step_started, v_result);
            PERFORM ops.log_run_progress(v_run_id, pg_catalog.jsonb_build_object('steps', v_steps));
            COMMIT;
        END IF;
    END IF;

    -- the health snapshot: a full run computes every check and caches the data checks under the
    -- fingerprint of its inputs with its own writes counted in; a skip run reuses them (same key)
    IF v_sqlstate IS NULL THEN
        v_step := 'record_health';
        v_step_started := pg_catalog.clock_timestamp();
        BEGIN
            IF v_skip THEN
                v_result := ops.record_health(v_run_id, v_plan ->> 'cache_key', true);
            ELSE
                v_fingerprint := ops.pipeline_fingerprint(v_plan -> 'inputs', ops.pipeline_inputs() -> 'pending');
                v_result := ops.record_health(v_run_id, pg_catalog.md5(v_fingerprint::text), false);
            END IF;
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            GET STACKED DIAGNOSTICS v_sqlstate = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        END;
    END IF;
    IF v_sqlstate IS NULL THEN
        v_steps := v_steps || ops.pipeline_step(v_step, v_step_started, v_result);
    END IF;

    IF v_sqlstate IS NOT NULL THEN
        PERFORM ops.finish_run(v_run_id, 'failed', pg_catalog.jsonb_build_object('steps', v_steps, 'failed_step', v_step),
                               v_sqlstate, v_message);
        COMMIT;
        PERFORM pg_catalog.pg_advisory_unlock(c_lock);
        PERFORM pg_catalog.set_config('search_path', v_search_path, false);
        PERFORM pg_catalog.set_config('row_security', v_row_security, false);
        RAISE EXCEPTION 'run_pipeline failed in %: %', v_step, ops.mask_digits(v_message)
            USING ERRCODE = v_sqlstate,
                  DETAIL = pg_catalog.format('run_id %s; the steps before it were committed.', v_run_id),
                  HINT = 'See SELECT * FROM ops.run_log WHERE run_id = ' || v_run_id || '; then SELECT ops.diagnose();';
    END IF;
    IF NOT v_skip THEN  -- a succeeded full run is what the next runs compare with
        INSERT INTO ops.pipeline_state AS s (singleton, full_run_id, full_started_at, full_business_date, fingerprint, updated_at)
        VALUES (true, v_run_id, v_run_started, (v_plan ->> 'today')::date, v_fingerprint, pg_catalog.clock_timestamp())
        ON CONFLICT (singleton) DO UPDATE
            SET full_run_id = EXCLUDED.full_run_id, full_started_at = EXCLUDED.full_started_at,
                full_business_date = EXCLUDED.full_business_date, fingerprint = EXCLUDED.fingerprint,
                updated_at = EXCLUDED.updated_at;
    END IF;
    PERFORM ops.finish_run(v_run_id, 'succeeded', pg_catalog.jsonb_build_object('steps', v_steps));
    COMMIT;
    PERFORM pg_catalog.pg_advisory_unlock(c_lock);
    PERFORM pg_catalog.set_config('search_path', v_search_path, false);
    PERFORM pg_catalog.set_config('row_security', v_row_security, false);
END;
$$;
COMMENT ON PROCEDURE ops.run_pipeline(boolean) IS 'CALL ops.run_pipeline(p_full boolean): identity, events, ledger, money chain and health snapshot for everything new; skipped when no input changed since the last full run unless p_full (pg_cron job lead-attribution-pipeline)';

-- The pg_cron job's entry point, named in README.md (jobs): CALL ops.run_pipeline();
-- the fast path decides full or skip. Transaction control works through the nested CALL.
CREATE OR REPLACE PROCEDURE ops.run_pipeline()
LANGUAGE plpgsql
AS $$
BEGIN
    CALL ops.run_pipeline(false);
END;
$$;
COMMENT ON PROCEDURE ops.run_pipeline() IS 'CALL ops.run_pipeline(): what pg_cron runs every 10 minutes; same as CALL ops.run_pipeline(false)';
