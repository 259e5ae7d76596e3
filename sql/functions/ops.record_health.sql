-- Snapshot every health check into ops.health_history under p_run_id (ops.run_pipeline calls it after
-- each run), so the history shows when a check turned red; drops snapshots older than
-- run_history_days. Returns the counts by status: {"run_id", "OK", "WARN", "CRIT"}.
CREATE OR REPLACE FUNCTION ops.record_health(p_run_id bigint)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_counts jsonb;
BEGIN
    IF p_run_id IS NULL THEN
        RAISE EXCEPTION 'record_health needs a run_id'
            USING ERRCODE = '22004',
                  DETAIL = 'Each snapshot in ops.health_history belongs to a run of ops.run_log.',
                  HINT = 'Pass the run_id of the run it follows, or 0 for a snapshot taken by hand: SELECT ops.record_health(0);';
    END IF;
    DELETE FROM ops.health_history AS h
    WHERE h.checked_at < pg_catalog.now()
                         - pg_catalog.make_interval(days => ops.get_setting('run_history_days')::integer);
    WITH snapshot AS (
        INSERT INTO ops.health_history (run_id, "check", subject, status, observed, threshold, detail, hint, amount_pen)
        SELECT p_run_id, c."check", c.subject, c.status, c.observed, c.threshold, c.detail, c.hint, c.amount_pen
        FROM ops.health_checks() AS c
        RETURNING ops.health_history.status
    )
    SELECT pg_catalog.jsonb_build_object(
               'run_id', p_run_id,
               'OK', pg_catalog.count(*) FILTER (WHERE s.status = 'OK'),
               'WARN', pg_catalog.count(*) FILTER (WHERE s.status = 'WARN'),
               'CRIT', pg_catalog.count(*) FILTER (WHERE s.status = 'CRIT'))
    INTO v_counts
    FROM snapshot AS s;
    RETURN v_counts;
END;
$$;
COMMENT ON FUNCTION ops.record_health(bigint) IS 'ops.record_health(p_run_id bigint) -> jsonb {run_id, OK, WARN, CRIT}: snapshot ops.health() into ops.health_history';
