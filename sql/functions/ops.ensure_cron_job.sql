-- Create or correct one named pg_cron job of the package in this database, run as lead_attribution_job.
-- A job that already has this schedule, command, database, user and is active is left untouched.
-- Dynamic SQL: the cron schema exists only where pg_cron is installed, and this file must load without it.
CREATE OR REPLACE FUNCTION ops.ensure_cron_job(p_name text, p_schedule text, p_command text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_same boolean;
BEGIN
    IF pg_catalog.to_regclass('cron.job') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = '55000',
                  HINT = 'CREATE EXTENSION pg_cron in the database named by cron.database_name, then run tools/migrate.';
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM cron.job WHERE jobname = $1 AND schedule = $2 AND command = $3
                            AND database = pg_catalog.current_database()
                            AND username = ''lead_attribution_job'' AND active)'
        INTO v_same USING p_name, p_schedule, p_command;
    IF v_same THEN
        RETURN 'unchanged';
    END IF;
    EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, pg_catalog.current_database(), ''lead_attribution_job'', true)'
        USING p_name, p_schedule, p_command;
    -- the health checks give a job until its first scheduled time after this before expecting a run
    INSERT INTO ops.cron_job_scheduled AS s (jobname, schedule, scheduled_at)
    VALUES (p_name, p_schedule, pg_catalog.now())
    ON CONFLICT (jobname) DO UPDATE SET schedule = EXCLUDED.schedule, scheduled_at = EXCLUDED.scheduled_at;
    RETURN 'scheduled';
END;
$$;
COMMENT ON FUNCTION ops.ensure_cron_job(text, text, text) IS 'ops.ensure_cron_job(p_name, p_schedule, p_command) -> unchanged|scheduled: idempotent pg_cron job of the package';
