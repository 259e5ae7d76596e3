-- The fast path's decision for run p_run_id of ops.run_pipeline(), taken from catalog and statistics
-- counters only (ops.pipeline_inputs()), never from a row of a raw table, so its cost does not grow
-- with the data. Called before the run's work, so whatever the counters already show is committed
-- and visible to the work.
--   mode 'skip'  nothing the pipeline reads changed since the last full run (ops.pipeline_state): same
--                table shapes and change counters, same code, same server and statistics epoch
--   mode 'full'  otherwise, and also - the safety net for a change the counters do not show yet
--                (statistics are flushed by each backend when it goes idle) - when p_full is true,
--                when there is no full run on record, when the previous run failed or was abandoned,
--                when the Lima date changed, when the last full run is pipeline_full_check_minutes
--                old (0: every run is full), when track_counts is off or an input is a view or
--                foreign table (it has no counters)
-- Returns {"mode", "reason", "changed": [relations whose counters or shape moved], "full_run_id", "today",
-- "inputs": ops.pipeline_inputs(), "cache_key": md5 of the inputs' fingerprint, the key under which
-- the health data checks of a skip run are reused (equal to the last full run's when nothing changed)}.
CREATE OR REPLACE FUNCTION ops.pipeline_plan(p_full boolean, p_run_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_inputs jsonb := ops.pipeline_inputs();
    v_fingerprint jsonb := ops.pipeline_fingerprint(v_inputs, v_inputs -> 'pending');
    v_state ops.pipeline_state%ROWTYPE;
    v_today date := ops.today();
    v_check_minutes integer := ops.get_setting('pipeline_full_check_minutes')::integer;
    v_previous ops.run_log%ROWTYPE;
    v_changed text[];
    v_unsupported text;
    v_reason text;
BEGIN
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full is NULL'
            USING ERRCODE = '22004',
                  DETAIL = 'run_pipeline needs to know whether to force a full run.',
                  HINT = 'CALL ops.run_pipeline(); decides by itself; CALL ops.run_pipeline(true); forces a full run.';
    END IF;
    IF v_check_minutes IS NULL OR v_check_minutes < 0 THEN
        RAISE EXCEPTION 'setting pipeline_full_check_minutes is %, not a number of minutes',
                        COALESCE(v_check_minutes::text, 'NULL')
            USING ERRCODE = '22023',
                  DETAIL = 'A pipeline run re-reads everything when its last full run is that many minutes old.',
                  HINT = 'SELECT ops.set_setting(''pipeline_full_check_minutes'', ''60'', ''restore the default'');  -- 0 = every run is full';
    END IF;

    SELECT s.* INTO v_state FROM ops.pipeline_state AS s WHERE s.singleton;
    SELECT r.* INTO v_previous FROM ops.run_log AS r
    WHERE r.job = 'run_pipeline' AND r.run_id < p_run_id AND r.status IN ('succeeded', 'failed', 'abandoned')
    ORDER BY r.run_id DESC LIMIT 1;

    IF v_state.singleton IS NOT NULL THEN
        v_changed := ARRAY(
            SELECT t.key FROM pg_catalog.jsonb_each(v_fingerprint -> 'tables') AS t
            WHERE t.value IS DISTINCT FROM v_state.fingerprint -> 'tables' -> t.key
            UNION
            SELECT f.key FROM pg_catalog.jsonb_each(v_state.fingerprint -> 'tables') AS f
            WHERE NOT v_fingerprint -> 'tables' ? f.key
            ORDER BY 1);
    END IF;
    SELECT pg_catalog.string_agg(pg_catalog.format('%s (%s)', t.key, t.value ->> 'shape'), ', ' ORDER BY t.key)
    INTO v_unsupported
    FROM pg_catalog.jsonb_each(v_inputs -> 'tables') AS t
    WHERE t.value ->> 'shape' LIKE 'unsupported:%';

    v_reason := CASE
        WHEN p_full THEN 'requested'
        WHEN v_check_minutes = 0 THEN 'fast path off (pipeline_full_check_minutes = 0)'
        WHEN v_state.singleton IS NULL THEN 'no full run on record'
        WHEN v_previous.status IN ('failed', 'abandoned')
        THEN pg_catalog.format('previous run %s %s', v_previous.run_id, v_previous.status)
        WHEN v_state.full_business_date <> v_today
        THEN pg_catalog.format('Lima date changed from %s to %s', v_state.full_business_date, v_today)
        WHEN v_state.full_started_at <= pg_catalog.now() - pg_catalog.make_interval(mins => v_check_minutes)
        THEN pg_catalog.format('last full run %s started %s minutes ago (pipeline_full_check_minutes %s)',
                               v_state.full_run_id,
                               pg_catalog.floor(EXTRACT(EPOCH FROM pg_catalog.now() - v_state.full_started_at) / 60),
                               v_check_minutes)
        WHEN v_inputs ->> 'track_counts' <> 'on' THEN 'track_counts is off: changes cannot be seen'
        WHEN v_unsupported IS NOT NULL THEN 'no change counters for ' || v_unsupported
        WHEN v_fingerprint -> 'server' IS DISTINCT FROM v_state.fingerprint -> 'server'
        THEN 'server restarted or statistics reset'
        WHEN v_fingerprint -> 'code' IS DISTINCT FROM v_state.fingerprint -> 'code' THEN 'package code changed'
        WHEN pg_catalog.cardinality(v_changed) > 0
        THEN 'inputs changed: ' || pg_catalog.array_to_string(v_changed, ', ')
    END;

    RETURN pg_catalog.jsonb_build_object(
        'mode', CASE WHEN v_reason IS NULL THEN 'skip' ELSE 'full' END,
        'reason', COALESCE(v_reason, pg_catalog.format('inputs unchanged since full run %s', v_state.full_run_id)),
        'changed', pg_catalog.to_jsonb(COALESCE(v_changed, '{}'::text[])),
        'full_run_id', v_state.full_run_id,
        'today', v_today,
        'inputs', v_inputs,
        'cache_key', pg_catalog.md5(v_fingerprint::text));
END;
$$;
COMMENT ON FUNCTION ops.pipeline_plan(boolean, bigint) IS 'ops.pipeline_plan(p_full boolean, p_run_id bigint) -> jsonb {mode full|skip, reason, changed, full_run_id, inputs, cache_key}: whether a pipeline run can skip its work, from statistics counters only';
