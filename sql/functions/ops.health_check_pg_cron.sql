-- Check pg_cron: the scheduler is installed in this database (without it nothing runs the pipeline).
-- cron.database_name is read from pg_settings, never with current_setting(): the setting is readable
-- by superusers and pg_read_all_settings only, and current_setting() raises 42501 for anyone else (the
-- owner running ops.health() for a monitoring role), where pg_settings just shows no row.
CREATE OR REPLACE FUNCTION ops.health_check_pg_cron()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'pg_cron', 'extension',
           CASE WHEN x.version IS NULL THEN 'CRIT' ELSE 'OK' END,
           COALESCE('pg_cron ' || x.version, 'not installed'),
           'installed in this database',
           CASE WHEN x.version IS NOT NULL THEN 'the scheduler of the package jobs is installed'
                WHEN x.cron_database IS DISTINCT FROM pg_catalog.current_database()
                THEN format('pg_cron is not installed here (cron.database_name is %s): nothing runs the pipeline',
                            COALESCE(x.cron_database, 'unset or not readable by this role'))
                ELSE 'pg_cron is not installed in this database: nothing runs the pipeline' END,
           CASE WHEN x.version IS NULL
                THEN 'Preload pg_cron (shared_preload_libraries), set cron.database_name to this database, restart, then run tools/migrate' END,
           NULL::numeric
    FROM (SELECT (SELECT e.extversion FROM pg_catalog.pg_extension AS e WHERE e.extname = 'pg_cron') AS version,
                 (SELECT g.setting FROM pg_catalog.pg_settings AS g WHERE g.name = 'cron.database_name') AS cron_database) AS x;
$$;
COMMENT ON FUNCTION ops.health_check_pg_cron() IS 'ops.health_check_pg_cron() -> health row: pg_cron installed in this database (check pg_cron)';
