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

-- job and writer: run the pipeline, backfill, operate the queues. They read every package table and
-- write the derived ones; what decides money or records what happened is written only through
-- functions that check and log (definers with a pinned search_path, below): settings (ops.set_setting), payment rules
-- (ops.add_payment_rule, ops.close_payment_rule), the run log (ops.start_run, ops.finish_run,
-- ops.log_run_progress, ops.abandon_dead_runs, ops.purge_run_log) and health snapshots
-- (ops.record_health); their histories are read-only to everyone. The persons per phone and their
-- pending notes are written only by identity's triggers and canon.refresh_phone_groups (definers): a
-- note deleted by hand would leave its phone's count stale (docs/operations.md, shared_phones).
GRANT USAGE ON SCHEMA canon, observational, ops TO lead_attribution_job, lead_attribution_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA canon, observational, ops TO lead_attribution_job, lead_attribution_writer;
-- (grants only add what is missing and revokes only remove what is there: a second migrate leaves the
-- privileges exactly as they were, in the same order)
DO $writable$
DECLARE
    v_table record;
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass AS name,
               c.oid IN (SELECT pg_catalog.to_regclass(t) FROM pg_catalog.unnest(ARRAY[
                   'ops.settings', 'ops.settings_history', 'ops.payment_rules', 'ops.payment_rules_history',
                   'ops.run_log', 'ops.health_history', 'ops.health_check_cache',
                   'canon.phone_groups', 'canon.phone_groups_pending']) AS t) AS protected
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
          AND c.relkind IN ('r', 'p')
    LOOP
        IF v_table.protected THEN
            EXECUTE pg_catalog.format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM lead_attribution_job, lead_attribution_writer',
                                      v_table.name);
        ELSE
            EXECUTE pg_catalog.format('GRANT INSERT, UPDATE, DELETE ON %s TO lead_attribution_job, lead_attribution_writer',
                                      v_table.name);
        END IF;
    END LOOP;
END
$writable$;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA canon, observational, ops
    TO lead_attribution_job, lead_attribution_writer;
GRANT EXECUTE ON ALL ROUTINES IN SCHEMA canon, observational, ops
    TO lead_attribution_job, lead_attribution_writer;
-- operator functions are for people: the job runs the pipeline and changes no setting or rule
REVOKE EXECUTE ON FUNCTION ops.set_setting(text, text, text),
    ops.add_payment_rule(text, text, text, integer, integer, numeric, date, text, date, text),
    ops.close_payment_rule(bigint, date, text)
    FROM lead_attribution_job;
-- bulk-load index helpers of canon.run_identity and observational.refresh_driver_daily_trips (both run
-- with the owner's rights): nobody else calls them
REVOKE EXECUTE ON FUNCTION canon.drop_secondary_indexes(regclass), canon.create_indexes(text[]),
    canon.lock_for_bulk_load(regclass[]), canon.bulk_load_statement_ok(text)
    FROM lead_attribution_job, lead_attribution_writer;
-- the stages of canon.run_identity run inside it, with the owner's rights: nobody calls them alone
REVOKE EXECUTE ON FUNCTION canon.identity_index_drivers(bigint, text), canon.identity_index_leads(bigint, date, date),
    canon.identity_scope_recheck(bigint, date, date, text), canon.identity_pick_subjects(bigint, date, date, boolean, numeric, integer),
    canon.identity_block(bigint, text, numeric, jsonb, numeric),
    canon.identity_car_name(text, numeric, jsonb, numeric, integer), canon.identity_decide_rules(numeric, jsonb, numeric, numeric, numeric, numeric),
    canon.identity_cluster(integer, numeric, jsonb, numeric), canon.identity_decide_records(bigint, numeric, numeric),
    canon.identity_write(bigint, integer), canon.identity_link_drivers(bigint, bigint, numeric, jsonb, numeric, numeric),
    canon.identity_name_lookback(bigint, integer), canon.identity_link_names(bigint, jsonb, numeric, numeric, numeric, numeric, integer, integer),
    canon.identity_name_tokens(bigint), canon.identity_name_blocks(integer, integer), canon.identity_name_pairs(jsonb, numeric, integer),
    canon.identity_name_write(bigint, numeric),
    canon.identity_found_named(bigint)
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

-- Nobody who logs in reads other sessions' statistics: pg_read_all_stats shows every session's query
-- text in every database. The owner (nobody logs in as it) holds it for ops.backend_activity, a
-- definer returning only pid, role, backend and transaction start of this database's backends: what
-- run_pipeline needs to tell a live run from an abandoned one and the money chain's watermark needs.
DO $stats$
DECLARE
    v_role text;
BEGIN
    FOR v_role IN
        SELECT r.rolname FROM pg_catalog.pg_auth_members AS m JOIN pg_catalog.pg_roles AS r ON r.oid = m.member
        WHERE m.roleid = 'pg_read_all_stats'::regrole
          AND r.rolname IN ('lead_attribution_job', 'lead_attribution_writer', 'lead_attribution_reader')
    LOOP
        EXECUTE pg_catalog.format('REVOKE pg_read_all_stats FROM %I', v_role);
    END LOOP;
    IF NOT pg_catalog.pg_has_role('lead_attribution_owner', 'pg_read_all_stats', 'MEMBER') THEN
        GRANT pg_read_all_stats TO lead_attribution_owner;
    END IF;
END
$stats$;

-- The job's sessions (pg_cron logs in as it) read raw tables with row security off: a policy a raw
-- table's owner adds makes the run fail loudly instead of running that owner's code with the job's
-- rights (every definer and ops.run_pipeline also turn it off themselves; SECURITY.md).
ALTER ROLE lead_attribution_job SET row_security = off;

-- reader: published views only (grants for each published view are in that view's own file).
GRANT USAGE ON SCHEMA canon, observational, ops TO lead_attribution_reader;
GRANT SELECT ON observational.lead_ledger TO lead_attribution_reader;

-- health: monitoring without raw data. ops.health_checks() and ops.cron_job_status() are definers of
-- the owner. pg_cron's row security shows each role only its own jobs (the package jobs run as
-- lead_attribution_job): a policy lets the owner read the package's jobs and their runs, nothing else,
-- so the job role owns no monitoring code. A restrictive policy keeps the job from deleting its own
-- run history (failures included) before run_history_days; ops.purge_history deletes only older rows.
DO $cron$
BEGIN
    IF pg_catalog.to_regclass('cron.job') IS NULL OR pg_catalog.to_regclass('cron.job_run_details') IS NULL THEN
        RETURN;  -- no pg_cron here: check pg_cron of ops.health() says so
    END IF;
    IF NOT pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class AS c WHERE c.oid = 'cron.job'::regclass), 'USAGE') THEN
        RAISE WARNING 'pg_cron policies for lead-attribution not (re)applied: % does not own cron.job', current_user
            USING HINT = 'Run tools/migrate as a superuser once: until then health cannot see the package jobs.';
    ELSE
        GRANT USAGE ON SCHEMA cron TO lead_attribution_job, lead_attribution_owner;
        IF EXISTS (SELECT FROM pg_catalog.pg_policy AS p WHERE p.polrelid = 'cron.job'::regclass AND p.polname = 'lead_attribution_monitor') THEN
            DROP POLICY lead_attribution_monitor ON cron.job;
        END IF;
        CREATE POLICY lead_attribution_monitor ON cron.job FOR SELECT TO lead_attribution_owner
            USING (jobname LIKE 'lead-attribution-%' AND username = 'lead_attribution_job');
        IF EXISTS (SELECT FROM pg_catalog.pg_policy AS p WHERE p.polrelid = 'cron.job_run_details'::regclass AND p.polname = 'lead_attribution_monitor') THEN
            DROP POLICY lead_attribution_monitor ON cron.job_run_details;
        END IF;
        CREATE POLICY lead_attribution_monitor ON cron.job_run_details FOR SELECT TO lead_attribution_owner
            USING (username = 'lead_attribution_job'
                   AND jobid IN (SELECT j.jobid FROM cron.job AS j WHERE j.jobname LIKE 'lead-attribution-%'));
        IF EXISTS (SELECT FROM pg_catalog.pg_policy AS p WHERE p.polrelid = 'cron.job_run_details'::regclass AND p.polname = 'lead_attribution_keep_history') THEN
            DROP POLICY lead_attribution_keep_history ON cron.job_run_details;
        END IF;
        CREATE POLICY lead_attribution_keep_history ON cron.job_run_details AS RESTRICTIVE FOR DELETE
            TO lead_attribution_job
            USING (status NOT IN ('starting', 'running')
                   AND start_time < pg_catalog.now()
                                    - pg_catalog.make_interval(days => ops.get_setting('run_history_days')::integer));
    END IF;
END
$cron$;
GRANT EXECUTE ON FUNCTION ops.health(), ops.health_checks(), ops.diagnose() TO lead_attribution_reader;
GRANT EXECUTE ON FUNCTION ops.version() TO lead_attribution_reader;
-- the masking the reader views apply to source keys (a view's function runs with the reader's rights)
GRANT EXECUTE ON FUNCTION ops.mask_source_pk(text) TO lead_attribution_reader;
GRANT SELECT ON ops.health_history TO lead_attribution_reader;

-- money: the scout payouts ledger is append-only - entries are made by ops.record_scout_payout (a
-- definer that checks each one), never updated, deleted or truncated (its trigger refuses them too).
-- The reader reads the statements (grants in the views' files) and lists a week's claim lines.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ops.scout_payouts
    FROM lead_attribution_job, lead_attribution_writer, lead_attribution_reader;
GRANT EXECUTE ON FUNCTION ops.yango_claim_lines(text), ops.iso_week_start(text) TO lead_attribution_reader;
-- what was sent to Yango is append-only too: ops.record_claims_sent (a definer) writes it, for people
-- only (the job sends nothing); nobody updates, deletes or truncates it (its triggers refuse them too)
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ops.claim_sendings, ops.sent_claim_lines
    FROM lead_attribution_job, lead_attribution_writer, lead_attribution_reader;
REVOKE EXECUTE ON FUNCTION ops.record_claims_sent(text, text) FROM lead_attribution_job;
