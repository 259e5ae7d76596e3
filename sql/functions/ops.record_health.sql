-- Snapshot every health check into ops.health_history under p_run_id (ops.run_pipeline calls it after
-- each run), so the history shows when a check turned red; drops snapshots older than
-- run_history_days. Returns the counts by status: {"run_id", "OK", "WARN", "CRIT"}.
--
-- With p_cache_key (the pipeline's fingerprint of its inputs, ops.pipeline_plan), the reusable checks
-- of ops.health_check_list() - those that re-read raw tables, events, identity or money tables - are
-- kept in ops.health_check_cache under that key completed with what else they depend on: today's Lima
-- date and, for a check marked pipeline_age (events_behind's WARN), whether the last successful
-- pipeline run is older than health_pipeline_max_age_minutes. Rows computed while the pipeline is late
-- with no WARN among them would be the same were it not late (lateness only turns OK into WARN,
-- ops.health_check_list): they are cached for either case. Without that, the run after a full run that
-- found the pipeline late (the first run ever, the catch-up after an outage) recomputed events_behind
-- (17 s at scale 1000, measured). With p_reuse, a reusable check cached under the same completed key is not
-- run again: its cached rows are the snapshot's (a pipeline run that found its inputs unchanged; the
-- rows are what a computation would give, as long as the counters saw every change). Without p_reuse
-- every check is computed and the cache refreshed (a full pipeline run). A check that failed is never
-- cached. The other checks (clock, pg_cron, run log) are always computed. Adds "reused" and
-- "computed" (numbers of checks) to the result.
-- SECURITY DEFINER (owner lead_attribution_owner): the job and writer roles may not write or delete
-- ops.health_history (a deleted snapshot would hide when a check turned red); they snapshot only
-- through this function.
CREATE OR REPLACE FUNCTION ops.record_health(p_run_id bigint, p_cache_key text, p_reuse boolean)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_key text;
    v_late boolean;
    v_check_key text;
    v_check record;
    v_rows jsonb;
    v_failed boolean;
    v_reused integer := 0;
    v_computed integer := 0;
    v_ok bigint := 0;
    v_warn bigint := 0;
    v_crit bigint := 0;
    v_counts jsonb;
    v_scanned boolean := false;
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'record_health needs a run_id'
            USING ERRCODE = '22004',
                  DETAIL = 'Each snapshot in ops.health_history belongs to a run of ops.run_log.',
                  HINT = 'Pass the run_id of the run it follows, or 0 for a snapshot taken by hand: SELECT ops.record_health(0);';
    END IF;
    IF p_reuse IS NULL THEN
        RAISE EXCEPTION 'record_health needs p_reuse'
            USING ERRCODE = '22004',
                  DETAIL = 'p_reuse says whether cached data checks may be reused.',
                  HINT = 'Pass false to compute every check: SELECT ops.record_health(0);';
    END IF;
    IF p_reuse AND p_cache_key IS NULL THEN
        RAISE EXCEPTION 'record_health cannot reuse cached checks without a cache key'
            USING ERRCODE = '22023',
                  DETAIL = 'Cached rows are reused only under the key of the inputs they were computed from.',
                  HINT = 'Pass the cache_key of ops.pipeline_plan(), or p_reuse false.';
    END IF;
    DELETE FROM ops.health_history AS h
    WHERE h.checked_at < pg_catalog.now()
                         - pg_catalog.make_interval(days => ops.get_setting('run_history_days')::integer);

    IF p_cache_key IS NOT NULL THEN
        -- the time-dependent inputs of the reusable checks, as ops.health_check_list() declares them
        v_key := pg_catalog.format('%s;today=%s', p_cache_key, ops.today());
        SELECT COALESCE(pg_catalog.max(r.finished_at)
                        < pg_catalog.now() - pg_catalog.make_interval(
                              mins => ops.get_setting('health_pipeline_max_age_minutes')::integer), true)
        INTO v_late
        FROM ops.run_log AS r
        WHERE r.job = 'run_pipeline' AND r.status = 'succeeded';
    END IF;

    FOR v_check IN SELECT l.check_function, l.reusable, l.pipeline_age
                   FROM ops.health_check_list() AS l ORDER BY l.report_order LOOP
        v_rows := NULL;
        v_check_key := v_key || CASE WHEN v_check.pipeline_age THEN ';pipeline_late=' || v_late ELSE '' END;
        IF v_check.reusable AND p_reuse THEN
            SELECT c.check_rows INTO v_rows FROM ops.health_check_cache AS c
            WHERE c.check_function = v_check.check_function
              AND (c.cache_key = v_check_key
                   OR (v_check.pipeline_age AND c.cache_key = v_key || ';pipeline_late=any'));
        END IF;
        IF v_rows IS NOT NULL THEN
            v_reused := v_reused + 1;
        ELSE
            IF v_check.check_function IN ('events_behind', 'event_gaps', 'orphan_events', 'source_freshness')
               AND NOT v_scanned THEN
                -- one scan of the lead sources for the four checks that read them. Should it fail, the
                -- checks compute it themselves and report the error as their own CRIT row.
                BEGIN
                    PERFORM ops.health_lead_scan_prepare();
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'record_health: the shared lead-source scan failed (%), each check scans on its own', SQLSTATE;
                END;
                v_scanned := true;
            END IF;
            IF v_check.check_function = 'shared_phones' THEN
                -- fold what changed since identity last counted persons per phone (an operator's merge or
                -- split); should it fail, the check counts the pending phones live
                BEGIN
                    PERFORM canon.refresh_phone_groups();
                EXCEPTION WHEN OTHERS THEN
                    RAISE NOTICE 'record_health: the persons-per-phone refresh failed (%), the check counts live', SQLSTATE;
                END;
            END IF;
            SELECT r.check_rows, r.failed INTO v_rows, v_failed FROM ops.health_check_rows(v_check.check_function) AS r;
            v_computed := v_computed + 1;
            IF v_check.reusable AND v_check_key IS NOT NULL THEN
                IF v_check.pipeline_age AND v_late
                   AND NOT pg_catalog.jsonb_path_exists(v_rows, '$[*] ? (@.status == "WARN")') THEN
                    v_check_key := v_key || ';pipeline_late=any';
                END IF;
                IF v_failed THEN
                    DELETE FROM ops.health_check_cache AS c WHERE c.check_function = v_check.check_function;
                ELSE
                    INSERT INTO ops.health_check_cache AS c (check_function, cache_key, run_id, computed_at, check_rows)
                    VALUES (v_check.check_function, v_check_key, p_run_id, pg_catalog.clock_timestamp(), v_rows)
                    ON CONFLICT (check_function) DO UPDATE
                        SET cache_key = EXCLUDED.cache_key, run_id = EXCLUDED.run_id,
                            computed_at = EXCLUDED.computed_at, check_rows = EXCLUDED.check_rows;
                END IF;
            END IF;
        END IF;
        WITH snapshot AS (
            INSERT INTO ops.health_history (run_id, "check", subject, status, observed, threshold, detail, hint, amount_pen)
            SELECT p_run_id, x."check", x.subject, x.status, x.observed, x.threshold, x.detail, x.hint, x.amount_pen
            FROM pg_catalog.jsonb_to_recordset(v_rows)
                 AS x ("check" text, subject text, status text, observed text, threshold text, detail text,
                       hint text, amount_pen numeric)
            RETURNING ops.health_history.status
        )
        SELECT v_ok + pg_catalog.count(*) FILTER (WHERE s.status = 'OK'),
               v_warn + pg_catalog.count(*) FILTER (WHERE s.status = 'WARN'),
               v_crit + pg_catalog.count(*) FILTER (WHERE s.status = 'CRIT')
        INTO v_ok, v_warn, v_crit
        FROM snapshot AS s;
    END LOOP;

    PERFORM ops.health_lead_scan_release();
    v_counts := pg_catalog.jsonb_build_object('run_id', p_run_id, 'OK', v_ok, 'WARN', v_warn, 'CRIT', v_crit);
    IF p_cache_key IS NOT NULL THEN
        v_counts := v_counts || pg_catalog.jsonb_build_object('reused', v_reused, 'computed', v_computed);
    END IF;
    RETURN v_counts;
END;
$$;
COMMENT ON FUNCTION ops.record_health(bigint, text, boolean) IS 'ops.record_health(p_run_id bigint, p_cache_key text, p_reuse boolean) -> jsonb {run_id, OK, WARN, CRIT, reused, computed}: snapshot the health checks into ops.health_history, reusing data-only checks cached under the same inputs key when p_reuse';

-- A snapshot taken by hand: every check computed, no cache read or written.
CREATE OR REPLACE FUNCTION ops.record_health(p_run_id bigint)
RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ops.record_health(p_run_id, NULL, false);
$$;
COMMENT ON FUNCTION ops.record_health(bigint) IS 'ops.record_health(p_run_id bigint) -> jsonb {run_id, OK, WARN, CRIT}: snapshot ops.health() into ops.health_history';
