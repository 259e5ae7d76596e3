-- Ownership and privileges, re-applied on every migrate (DEVELOPERS: grants are code).
-- lead_attribution_owner owns every package object; PUBLIC gets nothing; the job and writer roles get
-- the table privileges (the owner also reads the raw tables, because views run with its rights)
-- and the pipeline and operator functions need (procedures that COMMIT cannot be
-- run with the owner's rights, so ops.run_pipeline runs with the caller's rights); the reader sees views only.
DO $grants$
DECLARE
    v_object record;
BEGIN
    FOR v_object IN
        SELECT format('ALTER %s %s OWNER TO lead_attribution_owner',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
                      c.oid::regclass) AS stmt
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
          AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_catalog.pg_get_userbyid(c.relowner) <> 'lead_attribution_owner'
        UNION ALL
        SELECT format('ALTER ROUTINE %s OWNER TO lead_attribution_owner', p.oid::regprocedure)
        FROM pg_catalog.pg_proc AS p
        WHERE p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
          AND pg_catalog.pg_get_userbyid(p.proowner) <> 'lead_attribution_owner'
          AND p.oid <> 'ops.cron_job_status()'::regprocedure  -- owned by the job role, below
        UNION ALL
        SELECT format('ALTER SCHEMA %I OWNER TO lead_attribution_owner', n.nspname)
        FROM pg_catalog.pg_namespace AS n
        WHERE n.nspname IN ('canon', 'observational', 'ops')
          AND pg_catalog.pg_get_userbyid(n.nspowner) <> 'lead_attribution_owner'
    LOOP
        EXECUTE v_object.stmt;
    END LOOP;
END
$grants$;

REVOKE ALL ON SCHEMA canon, observational, ops FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA canon, observational, ops FROM PUBLIC;
REVOKE ALL ON ALL ROUTINES IN SCHEMA canon, observational, ops FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE lead_attribution_owner REVOKE EXECUTE ON ROUTINES FROM PUBLIC;

-- job and writer: run the pipeline, backfill, operate the queues.
GRANT USAGE ON SCHEMA canon, observational, ops TO lead_attribution_job, lead_attribution_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA canon, observational, ops
    TO lead_attribution_job, lead_attribution_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA canon, observational, ops
    TO lead_attribution_job, lead_attribution_writer;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA canon, observational, ops
    TO lead_attribution_job, lead_attribution_writer;
-- bulk-load index helpers of canon.run_identity and observational.refresh_driver_daily_trips (both run
-- with the owner's rights): nobody else calls them
REVOKE EXECUTE ON FUNCTION canon.drop_secondary_indexes(regclass), canon.create_indexes(text[])
    FROM lead_attribution_job, lead_attribution_writer;
-- the stages of canon.run_identity run inside it, with the owner's rights: nobody calls them alone
REVOKE EXECUTE ON FUNCTION canon.identity_index_drivers(bigint, text), canon.identity_index_leads(bigint, date, date),
    canon.identity_pick_subjects(bigint, date, date, boolean, numeric, integer),
    canon.identity_block(bigint, text, numeric, jsonb, numeric), canon.identity_decide_rules(numeric, numeric),
    canon.identity_cluster(integer, numeric), canon.identity_decide_records(bigint),
    canon.identity_write(bigint, integer), canon.identity_link_drivers(bigint, bigint, numeric)
    FROM lead_attribution_job, lead_attribution_writer;
GRANT SELECT ON public.module_ct_cabinet_leads, public.module_ct_scouting_daily,
    public.module_ct_migrations, public.drivers, public.summary_daily,
    public.module_ct_cabinet_payments, public.module_ct_scouts_list
    TO lead_attribution_owner, lead_attribution_job, lead_attribution_writer;

-- Identity and the ledger refresh sort their working sets through temporary tables (owner: identity,
-- job and writer: the ledger refresh runs with the caller's rights). PUBLIC has TEMPORARY on a new
-- database, but a hardened one may not: granted here so the pipeline does not depend on it.
DO $temp$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO lead_attribution_owner, lead_attribution_job, lead_attribution_writer',
                   pg_catalog.current_database());
END
$temp$;

-- The job and writer roles must see other roles' backends in pg_stat_activity: run_pipeline tells a
-- live run from an abandoned one by (pid, backend_start), and the money chain's watermark looks at the
-- oldest open transaction. pg_read_all_stats reads statistics only, never table data.
GRANT pg_read_all_stats TO lead_attribution_job, lead_attribution_writer;

-- reader: published views only (grants for each published view are in that view's own file).
GRANT USAGE ON SCHEMA canon, observational, ops TO lead_attribution_reader;
GRANT SELECT ON observational.lead_ledger TO lead_attribution_reader;

-- health: monitoring without raw data. ops.cron_job_status() is owned by lead_attribution_job because
-- pg_cron's row security shows each role only its own jobs (the package jobs run as that role); it needs
-- USAGE on schema cron where pg_cron is installed. ops.health_checks() is a definer of the owner.
ALTER FUNCTION ops.cron_job_status() OWNER TO lead_attribution_job;
GRANT EXECUTE ON FUNCTION ops.cron_job_status() TO lead_attribution_owner;
DO $cron_usage$
BEGIN
    IF pg_catalog.to_regnamespace('cron') IS NOT NULL THEN
        GRANT USAGE ON SCHEMA cron TO lead_attribution_job;
    END IF;
END
$cron_usage$;
GRANT EXECUTE ON FUNCTION ops.health(), ops.health_checks(), ops.diagnose() TO lead_attribution_reader;
GRANT SELECT ON ops.health_history TO lead_attribution_reader;
