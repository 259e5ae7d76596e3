-- Least privilege of the package roles (catalog checks for every role), the checked and logged ways
-- people change settings and payment rules, a raw table owner's row-security policy never run by a
-- definer, and numbers masked in any format.
BEGIN;
SELECT plan(47);

-- shape
SELECT has_function('ops', 'set_setting', ARRAY['text', 'text', 'text'], 'ops.set_setting(text, text, text) exists');
SELECT has_function('ops', 'add_payment_rule',
                    ARRAY['text', 'text', 'text', 'integer', 'integer', 'numeric', 'date', 'text', 'date', 'text'],
                    'ops.add_payment_rule(...) exists');
SELECT has_function('ops', 'close_payment_rule', ARRAY['bigint', 'date', 'text'], 'ops.close_payment_rule(bigint, date, text) exists');
SELECT has_function('ops', 'backend_activity', '{}'::name[], 'ops.backend_activity() exists');
SELECT has_table('ops', 'settings_history', 'ops.settings_history exists');
SELECT has_table('ops', 'payment_rules_history', 'ops.payment_rules_history exists');

-- catalog: roles
SELECT is_empty($$SELECT r FROM unnest(ARRAY['lead_attribution_job', 'lead_attribution_writer', 'lead_attribution_reader']) AS r
                  WHERE pg_has_role(r, 'pg_read_all_stats', 'USAGE') OR pg_has_role(r, 'pg_read_all_settings', 'USAGE')
                     OR pg_has_role(r, 'lead_attribution_owner', 'USAGE')$$,
                'job, writer and reader hold no statistics or settings role and are not the owner');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc AS p
                  WHERE p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
                    AND pg_get_userbyid(p.proowner) <> 'lead_attribution_owner'$$,
                'every package routine is owned by lead_attribution_owner (the job owns no monitoring function)');
SELECT is_empty($$SELECT r, t, priv FROM unnest(ARRAY['lead_attribution_job', 'lead_attribution_writer', 'lead_attribution_reader']) AS r,
                         unnest(ARRAY['ops.settings', 'ops.settings_history', 'ops.payment_rules', 'ops.payment_rules_history',
                                      'ops.run_log', 'ops.health_history', 'ops.health_check_cache',
                                      'canon.phone_groups', 'canon.phone_groups_pending']) AS t,
                         unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS priv
                  WHERE has_table_privilege(r, t, priv)$$,
                'no package role writes settings, payment rules, their histories, the run log, health history or the persons per phone and their pending notes');
SELECT is_empty($$SELECT r, c.oid::regclass, priv FROM unnest(ARRAY['lead_attribution_job', 'lead_attribution_writer', 'lead_attribution_reader']) AS r,
                         pg_class AS c, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS priv
                  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                    AND c.relname IN ('module_ct_cabinet_leads', 'module_ct_scouting_daily', 'module_ct_migrations', 'drivers',
                                      'summary_daily', 'module_ct_cabinet_payments', 'module_ct_scouts_list')
                    AND has_table_privilege(r, c.oid, priv)$$,
                'job, writer and reader cannot write raw tables');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc AS p
                  WHERE p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
                    AND has_function_privilege('lead_attribution_reader', p.oid, 'EXECUTE')
                    AND p.oid NOT IN ('ops.health()'::regprocedure, 'ops.health_checks()'::regprocedure,
                                      'ops.diagnose()'::regprocedure, 'canon.mask_identifier(text)'::regprocedure,
                                      'ops.version()'::regprocedure, 'ops.yango_claim_lines(text)'::regprocedure,
                                      'ops.iso_week_start(text)'::regprocedure, 'ops.mask_source_pk(text)'::regprocedure)$$,
                'the reader executes only health, the version, a week''s claim lines and the masking its views use');
SELECT is_empty($$SELECT f FROM unnest(ARRAY['canon.resolve_unmatched', 'canon.merge_persons', 'canon.ignore_unmatched',
                                            'observational.populate_lead_events', 'ops.set_setting', 'ops.add_payment_rule',
                                            'ops.close_payment_rule', 'ops.run_pipeline', 'ops.purge_history',
                                            'ops.refresh_money_chain', 'ops.start_run', 'ops.finish_run', 'ops.record_health']) AS f
                  JOIN pg_proc AS p ON p.oid::regproc::text = f OR p.pronamespace::regnamespace::text || '.' || p.proname = f
                  WHERE has_function_privilege('lead_attribution_reader', p.oid, 'EXECUTE')$$,
                'the reader cannot call operator, pipeline or run-log functions');
SELECT is_empty($$SELECT f FROM unnest(ARRAY['ops.set_setting(text,text,text)',
                                            'ops.add_payment_rule(text,text,text,integer,integer,numeric,date,text,date,text)',
                                            'ops.close_payment_rule(bigint,date,text)']) AS f
                  WHERE has_function_privilege('lead_attribution_job', f, 'EXECUTE')
                     OR NOT has_function_privilege('lead_attribution_writer', f, 'EXECUTE')$$,
                'the writer changes settings and payment rules through functions; the job cannot');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc AS p
                  WHERE p.prosecdef
                    AND p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
                    AND NOT COALESCE(p.proconfig @> ARRAY[CASE WHEN p.oid = 'ops.cron_job_status()'::regprocedure
                                                               THEN 'row_security=on' ELSE 'row_security=off' END], false)$$,
                'every definer runs with row_security off (cron_job_status: on, for pg_cron''s own policies)');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc AS p
                  WHERE p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
                    AND p.prokind = 'f' AND p.prosrc ~ 'public\.(module_ct_|drivers|summary_daily)'
                    AND NOT COALESCE(p.proconfig @> ARRAY['row_security=off'], false)$$,
                'every function reading a raw table runs with row_security off');
SELECT ok((SELECT s.setconfig @> ARRAY['row_security=off'] FROM pg_db_role_setting AS s
           WHERE s.setrole = 'lead_attribution_job'::regrole AND s.setdatabase = 0),
          'the job role''s sessions run with row_security off');
SELECT is(ARRAY(SELECT p.polname::text || ':' || p.polcmd::text || ':' || p.polpermissive::text FROM pg_policy AS p
                WHERE p.polrelid IN ('cron.job'::regclass, 'cron.job_run_details'::regclass)
                  AND p.polname LIKE 'lead_attribution%' ORDER BY 1),
          ARRAY['lead_attribution_keep_history:d:false', 'lead_attribution_monitor:r:true', 'lead_attribution_monitor:r:true'],
          'pg_cron: the owner reads the package jobs, the job deletes no recent history');

-- behaviour: settings, as a person holding the writer role
SET LOCAL ROLE lead_attribution_writer;
SELECT throws_ok($$UPDATE ops.settings SET value = '5' WHERE key = 'lookback_days'$$, '42501', NULL,
                 'the writer cannot UPDATE ops.settings');
SELECT throws_ok($$INSERT INTO ops.run_log (job) VALUES ('run_pipeline')$$, '42501', NULL, 'the writer cannot forge a run log row');
SELECT throws_ok($$DELETE FROM ops.health_history$$, '42501', NULL, 'the writer cannot delete health history');
SELECT throws_ok($$UPDATE ops.payment_rules SET amount = 0$$, '42501', NULL, 'the writer cannot UPDATE ops.payment_rules');
SELECT is(ops.set_setting('lookback_days', '5', 'late deliveries'), '3', 'set_setting returns the previous value');
SELECT is(ops.set_setting('lookback_days', '5', 'again'), '5', 'setting the same value again is allowed');
SELECT results_eq($$SELECT key, old_value, new_value, changed_by = session_user, note FROM ops.settings_history WHERE key = 'lookback_days'$$,
                  $$VALUES ('lookback_days', '3', '5', true, 'late deliveries')$$,
                  'one history row: who, old, new, why; an unchanged value adds none');
SELECT is(ops.get_setting('lookback_days'), '5', 'the value is changed');
SELECT lives_ok($$SELECT ops.set_setting('business_timezone', 'America/Bogota', 'test'), ops.set_setting('name_similarity_threshold', '0.7', 'test'),
                         ops.set_setting('min_lead_date', '2021-02-28', 'test')$$,
                'a valid time zone, threshold and date are accepted');
SELECT throws_ok($$SELECT ops.set_setting('no_such_key', '1', 'test')$$, '22023', 'unknown setting no_such_key',
                 'an unknown key is refused');
SELECT throws_ok($$SELECT ops.set_setting('lookback_days', '-1', 'test')$$, '22023', NULL, 'a negative integer is refused');
SELECT throws_ok($$SELECT ops.set_setting('max_range_days', '0', 'test')$$, '22023', NULL, 'an integer out of its range is refused');
SELECT throws_ok($$SELECT ops.set_setting('business_timezone', 'America/Atlantis', 'test')$$, '22023', NULL,
                 'a time zone missing from pg_timezone_names is refused');
SELECT throws_ok($$SELECT ops.set_setting('name_similarity_threshold', '1.5', 'test')$$, '22023', NULL, 'a threshold above 1 is refused');
SELECT throws_ok($$SELECT ops.set_setting('target_park_id', '', 'test')$$, '22023', NULL, 'an empty park id is refused');
SELECT throws_ok($$SELECT ops.set_setting('min_lead_date', '2021-02-30', 'test')$$, '22023', NULL, 'an impossible date is refused');
SELECT throws_ok($$SELECT ops.set_setting('lookback_days', '4', ' ')$$, '22023', NULL, 'a change without a reason is refused');
SELECT throws_ok($$SELECT ops.set_setting('lookback_days', NULL, 'test')$$, '22004', NULL, 'a NULL value is refused');

-- behaviour: payment rules
SELECT throws_ok($$SELECT ops.add_payment_rule('partner', 'cabinet', 'trips', 5, 14, 40, '2026-01-01', 'new price')$$,
                 '22023', NULL, 'a rule overlapping an active rule of the same milestone is refused');
SELECT lives_ok($$SELECT ops.close_payment_rule((SELECT id FROM ops.payment_rules WHERE scope = 'partner' AND origin = 'cabinet'
                                                AND milestone_type = 'trips' AND milestone_value = 5 AND valid_to IS NULL),
                                               '2025-12-31', 'replaced by the new price')$$, 'the old rule is closed');
SELECT ok(ops.add_payment_rule('partner', 'cabinet', 'trips', 5, 14, 40, '2026-01-01', 'new price') > 0,
          'the new rule is added after the old one closed');
SELECT results_eq($$SELECT action, new_rule ->> 'amount', changed_by = session_user, note FROM ops.payment_rules_history ORDER BY id$$,
                  $$VALUES ('close', '35.00', true, 'replaced by the new price'), ('add', '40.00', true, 'new price')$$,
                  'both changes are in the rules history');
SELECT throws_ok($$SELECT ops.add_payment_rule('partner', 'cabinet', 'trips', 1, 14, -1, '2030-01-01', 'x')$$, '22023', NULL,
                 'a negative amount is refused');
SELECT throws_ok($$SELECT ops.add_payment_rule('partner', 'cabinet', 'trips', 2, 14, 10, '2030-01-01', 'x')$$, '22023', NULL,
                 'a milestone other than trips 1/5/25 or connection 1 is refused');
SELECT throws_ok($$SELECT ops.close_payment_rule(-1, '2030-01-01', 'x')$$, '22023', NULL, 'closing an unknown rule is refused');
RESET ROLE;

-- behaviour: the job
SET LOCAL ROLE lead_attribution_job;
SELECT throws_ok($$SELECT ops.set_setting('lookback_days', '9', 'job')$$, '42501', NULL, 'the job cannot change a setting');
RESET ROLE;

-- a raw table's owner adds a row-security policy calling their own function, hoping a definer runs it
CREATE ROLE la_table_owner NOLOGIN;
CREATE SCHEMA la_trap AUTHORIZATION la_table_owner;
ALTER TABLE public.drivers OWNER TO la_table_owner;
SET LOCAL ROLE la_table_owner;
CREATE FUNCTION la_trap.grab() RETURNS boolean LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE 'GRANT SELECT ON canon.lead_keys TO la_table_owner';
    RETURN true;
END $f$;
GRANT USAGE ON SCHEMA la_trap TO PUBLIC;
ALTER TABLE public.drivers ENABLE ROW LEVEL SECURITY;
CREATE POLICY trap ON public.drivers USING (la_trap.grab());
RESET ROLE;
SET LOCAL ROLE lead_attribution_reader;
SELECT results_eq($$SELECT status, detail LIKE '%SQLSTATE 42501%row-level security%' FROM ops.health() WHERE "check" = 'source_freshness' AND subject <> 'summary_daily'$$,
                  $$VALUES ('CRIT', true)$$,
                  'health reports the check reading the trapped table as one CRIT row, without raising');
RESET ROLE;
SELECT ok(NOT has_table_privilege('la_table_owner', 'canon.lead_keys', 'SELECT'),
          'the policy''s function did not run with the owner''s rights (nothing was granted)');

-- masking of numbers in any format (run logs, cron history)
SELECT is_empty($$SELECT t FROM unnest(ARRAY['+51 987 654 321', 'tel 4567-8912.', '(01) 456-7890', '987.654.321',
                                            'DNI 45678912 / 987654321', '+51987654321']) AS t
                  WHERE ops.mask_digits(t) ~ '[0-9]{4}' OR ops.mask_digits(t) ~ '[0-9][ .()-]+[0-9]'$$,
                'formatted phones and documents keep no 4 visible digits, nor digit groups');
SELECT is(ARRAY[ops.mask_digits('+51 987 654 321'), ops.mask_digits('Key (id)=(555123456) exists'),
                ops.mask_digits('run 2026-09-28..2026-12-04 at 2026-09-28 10:15'), ops.mask_digits('row size 4040 exceeds 2704')],
          ARRAY['***321', 'Key (id)=(***456) exists', 'run 2026-09-28..2026-12-04 at 2026-09-28 10:15', 'row size 4040 exceeds 2704'],
          'numbers keep their last 3 digits; dates and short numbers stay readable');

SELECT * FROM finish();
ROLLBACK;
