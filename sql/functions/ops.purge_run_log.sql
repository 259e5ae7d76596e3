-- Delete the run logs older than run_history_days (never a 'running' row: health must still see it);
-- returns how many. SECURITY DEFINER: nobody deletes ops.run_log rows directly, so a failed run cannot
-- be made to vanish before its retention ends (the job only calls this, from ops.purge_history).
CREATE OR REPLACE FUNCTION ops.purge_run_log()
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    WITH purged AS (
        DELETE FROM ops.run_log AS r
        WHERE r.started_at < pg_catalog.now()
                             - pg_catalog.make_interval(days => ops.get_setting('run_history_days')::integer)
          AND r.status <> 'running'
        RETURNING r.run_id)
    SELECT pg_catalog.count(*) FROM purged;
$$;
COMMENT ON FUNCTION ops.purge_run_log() IS 'ops.purge_run_log() -> bigint: delete run logs older than run_history_days (definer: nobody deletes the run log directly)';
