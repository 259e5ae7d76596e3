-- The backends of this database as the pipeline and health need them: process id, role, type, when the
-- backend and its open transaction started. Never the query text, state or client address of another
-- session. SECURITY DEFINER (owner lead_attribution_owner, a member of pg_read_all_stats): the job and
-- writer roles must tell a live run from an abandoned one by (pid, backend_start) and find the oldest
-- open transaction of any role (the money chain's watermark), yet hold no statistics privilege
-- themselves (pg_read_all_stats would show every session's query text in every database).
CREATE OR REPLACE FUNCTION ops.backend_activity()
RETURNS TABLE (datname text, pid integer, usename text, backend_type text, backend_start timestamptz,
               xact_start timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
    SELECT a.datname::text, a.pid, a.usename::text, a.backend_type, a.backend_start, a.xact_start
    FROM pg_catalog.pg_stat_activity AS a
    WHERE a.datname = pg_catalog.current_database();
$$;
COMMENT ON FUNCTION ops.backend_activity() IS 'ops.backend_activity() -> SETOF (datname, pid, usename, backend_type, backend_start, xact_start): backends of this database without query text (definer: no statistics privilege for people and jobs)';
