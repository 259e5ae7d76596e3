-- pg_cron schedules of the package. Re-running this file changes nothing: cron.schedule upserts by
-- job name. Without pg_cron (not installed, not preloaded, or another cron.database_name) the
-- schedules are skipped with a NOTICE and the rest of the install still succeeds.
DO $cron$
DECLARE
    v_reason text;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_cron') THEN
        v_reason := 'the pg_cron extension is not installed on this server';
    ELSIF pg_catalog.current_setting('shared_preload_libraries') !~ '(^|[ ,])pg_cron($|[ ,])' THEN
        v_reason := 'pg_cron is not in shared_preload_libraries';
    ELSIF pg_catalog.current_setting('cron.database_name', true) IS DISTINCT FROM pg_catalog.current_database() THEN
        v_reason := format('pg_cron runs in database %s (cron.database_name), not this one',
                           COALESCE(pg_catalog.current_setting('cron.database_name', true), 'postgres'));
    END IF;
    IF v_reason IS NOT NULL THEN
        RAISE NOTICE 'lead-attribution: pg_cron schedules skipped: %', v_reason
            USING HINT = 'Install postgresql-15-cron, preload it and set cron.database_name, then run tools/migrate again.';
        RETURN;
    END IF;
    CREATE EXTENSION IF NOT EXISTS pg_cron;
    -- The jobs are listed once, in ops.health_expected_jobs() (health checks them against the same list):
    --   lead-attribution-pipeline  */10 * * * *  CALL ops.run_pipeline()    every 10 minutes
    --   lead-attribution-purge     17 8 * * *    CALL ops.purge_history()   08:17 UTC = 03:17 Lima, daily
    -- They run as lead_attribution_job over cron.host's local socket (SECURITY.md: pg_hba/pg_ident).
    -- Times are UTC (pg_cron 1.4 ignores cron.timezone); Lima is UTC-5 all year.
    PERFORM ops.ensure_cron_job(j.jobname, j.schedule, j.command) FROM ops.health_expected_jobs() AS j;
END
$cron$;
