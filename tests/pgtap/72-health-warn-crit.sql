-- Health checks reaching WARN and CRIT: each check moved from OK to WARN to CRIT by its data or by the
-- setting it reads (cron_stuck, run_failures, summary_daily_unparseable, summary_daily_duplicates,
-- shared_phones, payments_unmatched, claims_overdue), then ops.diagnose() lists them worst first in
-- report order. Everything is rolled back (pg_cron never sees the rows written to cron.*).
BEGIN;
SET client_min_messages = warning;
SELECT plan(28);

CREATE TEMP TABLE t_status AS SELECT NULL::text AS "check", NULL::text AS subject, NULL::text AS status LIMIT 0;
CREATE FUNCTION pg_temp.set(p_key text, p_value text) RETURNS void LANGUAGE sql
    AS $$ UPDATE ops.settings SET value = p_value WHERE key = p_key $$;
CREATE FUNCTION pg_temp.status(p_check text, p_subject text) RETURNS text LANGUAGE sql
    AS $$ SELECT status FROM ops.health() WHERE "check" = p_check AND subject = p_subject $$;

-- cron_stuck: a pipeline run pg_cron still shows running, 45 minutes after it started
UPDATE cron.job SET active = true WHERE jobname = 'lead-attribution-pipeline';
DELETE FROM cron.job_run_details
WHERE jobid = (SELECT jobid FROM cron.job WHERE jobname = 'lead-attribution-pipeline');
SELECT is(pg_temp.status('cron_stuck', 'lead-attribution-pipeline'), 'OK', 'cron_stuck: no run in progress is OK');
INSERT INTO cron.job_run_details (jobid, runid, database, username, command, status, start_time)
SELECT j.jobid, nextval('cron.runid_seq'), j.database, j.username, j.command, 'running', now() - interval '45 minutes'
FROM cron.job AS j WHERE j.jobname = 'lead-attribution-pipeline';
SELECT pg_temp.set('health_max_run_minutes', '60');
SELECT is(pg_temp.status('cron_stuck', 'lead-attribution-pipeline'), 'OK',
          'cron_stuck: a run of 45 minutes is OK under health_max_run_minutes 60');
SELECT pg_temp.set('health_max_run_minutes', '30');
SELECT results_eq($$SELECT status, observed LIKE 'running for 00:45:%' FROM ops.health()
                    WHERE "check" = 'cron_stuck' AND subject = 'lead-attribution-pipeline'$$,
                  $$VALUES ('CRIT'::text, true)$$, 'cron_stuck: the same run is CRIT over health_max_run_minutes 30');

-- run_failures: consecutive failed pipeline runs after its last success
INSERT INTO ops.run_log (job, status, finished_at, details) VALUES ('run_pipeline', 'succeeded', now(), '{}');
SELECT is(pg_temp.status('run_failures', 'run_pipeline'), 'OK', 'run_failures: none since the last success is OK');
INSERT INTO ops.run_log (job, status, finished_at, error_sqlstate, error_message)
VALUES ('run_pipeline', 'failed', now(), '22023', 'first failure');
SELECT is(pg_temp.status('run_failures', 'run_pipeline'), 'WARN', 'run_failures: one failure is WARN');
INSERT INTO ops.run_log (job, status, finished_at, error_sqlstate, error_message)
VALUES ('run_pipeline', 'failed', now(), '22023', 'second failure');
SELECT pg_temp.set('health_max_consecutive_failures', '3');
SELECT is(pg_temp.status('run_failures', 'run_pipeline'), 'WARN',
          'run_failures: two failures are WARN under health_max_consecutive_failures 3');
SELECT pg_temp.set('health_max_consecutive_failures', '2');
SELECT results_eq($$SELECT status, observed FROM ops.health() WHERE "check" = 'run_failures' AND subject = 'run_pipeline'$$,
                  $$VALUES ('CRIT'::text, '2 consecutive failed runs'::text)$$,
                  'run_failures: two failures are CRIT from health_max_consecutive_failures 2');

-- summary_daily: 10 rows delivered today, one with an unparseable date_file (10 %)
DELETE FROM public.summary_daily;
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT 'hd-' || g, to_char(ops.today() - 1, 'DD-MM-YYYY'), 5, 3600, now()::timestamp FROM generate_series(1, 9) AS g
UNION ALL SELECT 'hd-10', 'yesterday', 5, 3600, now()::timestamp;
-- the checks read what the pipeline's refresh counted (observational.summary_daily_deliveries)
SELECT is(pg_temp.status('summary_daily_unparseable', 'summary_daily') || ' ' ||
          (SELECT observed FROM ops.health() WHERE "check" = 'summary_daily_unparseable')
          || ' / ' || (observational.refresh_driver_daily_trips(true) ->> 'mode'),
          'OK 0 of 0 rows (0 %) / full',
          'summary_daily rows not yet refreshed are not counted; a full refresh counts them');
SELECT pg_temp.set('health_summary_unparseable_pct', '20');
SELECT is(pg_temp.status('summary_daily_unparseable', 'summary_daily'), 'OK',
          'summary_daily_unparseable: 10 % is OK under 20 %');
SELECT pg_temp.set('health_summary_unparseable_pct', '5');
SELECT is(pg_temp.status('summary_daily_unparseable', 'summary_daily'), 'WARN',
          'summary_daily_unparseable: 10 % is WARN over 5 % (CRIT from 50 %)');
SELECT pg_temp.set('health_summary_unparseable_pct', '0.5');
SELECT results_eq($$SELECT status, observed FROM ops.health() WHERE "check" = 'summary_daily_unparseable'$$,
                  $$VALUES ('CRIT'::text, '1 of 10 rows (10.00 %)'::text)$$,
                  'summary_daily_unparseable: 10 % is CRIT over 10 x 0.5 %');

-- the unparseable row becomes a second delivery of (hd-9, yesterday): 1 duplicate in 10 rows (10 %)
UPDATE public.summary_daily SET driver_id = 'hd-9', date_file = to_char(ops.today() - 1, 'YYYY-MM-DD')
WHERE driver_id = 'hd-10';
SELECT is(observational.refresh_driver_daily_trips() ->> 'delivery_days_changed', '1',
          'an incremental refresh recounts the day the corrected row was delivered');
SELECT pg_temp.set('health_summary_duplicate_pct', '20');
SELECT is(pg_temp.status('summary_daily_duplicates', 'summary_daily'), 'OK',
          'summary_daily_duplicates: 10 % is OK under 20 %');
SELECT pg_temp.set('health_summary_duplicate_pct', '8');
SELECT is(pg_temp.status('summary_daily_duplicates', 'summary_daily'), 'WARN',
          'summary_daily_duplicates: 10 % is WARN over 8 % (CRIT from 16 %)');
SELECT pg_temp.set('health_summary_duplicate_pct', '4');
SELECT results_eq($$SELECT status, observed FROM ops.health() WHERE "check" = 'summary_daily_duplicates'$$,
                  $$VALUES ('CRIT'::text, '1 of 10 rows (10.00 %)'::text)$$,
                  'summary_daily_duplicates: 10 % is CRIT over 2 x 4 %');

-- shared_phones: 10 lead records, 4 of them carry one phone linked to 4 persons (40 %)
DELETE FROM canon.drivers_index;
DELETE FROM canon.lead_keys;
INSERT INTO canon.identity_registry (person_key, confidence_level)
SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'HIGH' FROM generate_series(1, 4) AS g;
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, row_hash)
SELECT 'module_ct_cabinet_leads', 'hp-' || g, ops.today() - 1,
       CASE WHEN g <= 4 THEN '900000001' ELSE (900000100 + g)::text END, 'x'
FROM generate_series(1, 10) AS g;
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'module_ct_cabinet_leads', 'hp-' || g,
       'MANUAL', 100, 'HIGH'
FROM generate_series(1, 4) AS g;
SELECT pg_temp.set('max_phone_group_size', '3');
SELECT pg_temp.set('health_shared_phone_pct', '50');
SELECT is(pg_temp.status('shared_phones', 'phone'), 'OK', 'shared_phones: 40 % of leads is OK under 50 %');
SELECT pg_temp.set('health_shared_phone_pct', '30');
SELECT is(pg_temp.status('shared_phones', 'phone'), 'WARN', 'shared_phones: 40 % is WARN over 30 % (CRIT from 60 %)');
SELECT pg_temp.set('health_shared_phone_pct', '10');
SELECT results_eq($$SELECT status, observed, detail LIKE '%******001 (4 persons)%' FROM ops.health() WHERE "check" = 'shared_phones'$$,
                  $$VALUES ('CRIT'::text, '1 phones shared by more than 3 persons, on 4 lead records (40.0 %)'::text, true)$$,
                  'shared_phones: 40 % is CRIT over 2 x 10 %, the phone shown masked');

-- payments_unmatched: 10 current payments, 2 match no driver and 1 several (30 %, S/ 75 at the M1
-- rule amount); the 7 others reconcile with a claim of their person (paid, due in 11 days)
DELETE FROM ops.yango_payments_ledger;
DELETE FROM ops.yango_payment_snapshots;
DELETE FROM ops.cabinet_claims;
INSERT INTO ops.yango_payment_snapshots (payment_id, source_deleted, pay_date, match_status, candidate_count,
                                         person_key)
SELECT g, false, ops.today() - 3, CASE g WHEN 1 THEN 'unmatched' WHEN 2 THEN 'unmatched' WHEN 3 THEN 'ambiguous'
                                       ELSE 'matched' END, 1,
       CASE WHEN g > 3 THEN md5('hc-pay-' || g)::uuid END
FROM generate_series(1, 10) AS g;
INSERT INTO ops.yango_payments_ledger (snapshot_id, payment_id, milestone_value, pay_date, match_status, person_key)
SELECT s.snapshot_id, s.payment_id, 1, s.pay_date, s.match_status, s.person_key FROM ops.yango_payment_snapshots AS s;
INSERT INTO ops.cabinet_claims (person_key, milestone_value, lead_source_pk, lead_date, expected_amount, paid_amount,
                                due_date, status)
SELECT s.person_key, 1, 'hc-pay-' || s.payment_id, ops.today() - 3, 25, 25, ops.today() + 11, 'paid'
FROM ops.yango_payment_snapshots AS s WHERE s.person_key IS NOT NULL;
SELECT pg_temp.set('health_unmatched_payments_pct', '40');
SELECT is(pg_temp.status('payments_unmatched', 'module_ct_cabinet_payments'), 'OK',
          'payments_unmatched: 30 % is OK under 40 %');
SELECT pg_temp.set('health_unmatched_payments_pct', '20');
SELECT is(pg_temp.status('payments_unmatched', 'module_ct_cabinet_payments'), 'WARN',
          'payments_unmatched: 30 % is WARN over 20 % (CRIT from 40 %)');
SELECT pg_temp.set('health_unmatched_payments_pct', '10');
SELECT results_eq($$SELECT status, observed FROM ops.health() WHERE "check" = 'payments_unmatched'$$,
                  $$VALUES ('CRIT'::text, '3 of 10 payments (30.0 %), S/ 75.00'::text)$$,
                  'payments_unmatched: 30 % is CRIT over 2 x 10 %');

-- claims_overdue: two claims due 40 days ago, S/ 100 each, one paid: S/ 100 overdue of S/ 200 (50 %);
-- the payments' claims above are not due yet
INSERT INTO ops.cabinet_claims (person_key, milestone_value, lead_source_pk, lead_date, expected_amount, paid_amount,
                                due_date, status)
VALUES (gen_random_uuid(), 1, 'hc-1', ops.today() - 54, 100, 0, ops.today() - 40, 'expected'),
       (gen_random_uuid(), 1, 'hc-2', ops.today() - 54, 100, 100, ops.today() - 40, 'paid');
SELECT pg_temp.set('health_claim_overdue_days', '30');
SELECT pg_temp.set('health_claim_overdue_pct', '60');
SELECT is(pg_temp.status('claims_overdue', 'cabinet_claims'), 'OK', 'claims_overdue: 50 % is OK under 60 %');
SELECT pg_temp.set('health_claim_overdue_pct', '40');
SELECT is(pg_temp.status('claims_overdue', 'cabinet_claims'), 'WARN', 'claims_overdue: 50 % is WARN over 40 % (CRIT from 80 %)');
SELECT pg_temp.set('health_claim_overdue_pct', '20');
SELECT is(pg_temp.status('claims_overdue', 'cabinet_claims'), 'CRIT', 'claims_overdue: 50 % is CRIT over 2 x 20 %');
SELECT pg_temp.set('health_claim_overdue_days', '45');
SELECT is(pg_temp.status('claims_overdue', 'cabinet_claims'), 'OK',
          'claims_overdue: the same claims are not overdue when health_claim_overdue_days is 45');
SELECT pg_temp.set('health_claim_overdue_days', '30');
-- claims_overdue back to WARN, so the report below has a WARN row among the CRIT ones
SELECT pg_temp.set('health_claim_overdue_pct', '40');

-- ops.diagnose(): the summary counts, then every CRIT, then every WARN, each in ops.health() order
-- (ops.health_check_list), then the OK checks in one line
CREATE TEMP TABLE t_health AS SELECT h.*, n AS ord FROM ops.health() WITH ORDINALITY AS h (c, s, st, o, t, d, hi, n);
CREATE TEMP TABLE t_report AS
    SELECT m[1] AS status, m[2] AS "check", m[3] AS subject, n AS ord
    FROM regexp_matches(ops.diagnose(), '^(CRIT|WARN)  (\S+) / (.*)$', 'gn') WITH ORDINALITY AS r (m, n);
SELECT cmp_ok((SELECT count(DISTINCT st) FROM t_health WHERE st <> 'OK')::int, '=', 2,
              'the report below has CRIT and WARN rows to order');
SELECT is(ARRAY(SELECT row(status, "check", subject)::text FROM t_report ORDER BY ord),
          ARRAY(SELECT row(st, c, s)::text FROM t_health WHERE st <> 'OK'
                ORDER BY CASE st WHEN 'CRIT' THEN 0 ELSE 1 END, ord),
          'diagnose lists every CRIT, then every WARN, each in the order of ops.health()');
SELECT matches(ops.diagnose(),
               format('^lead-attribution health at [^\n]*: %s CRIT, %s WARN, %s OK',
                      (SELECT count(*) FROM t_health WHERE st = 'CRIT'), (SELECT count(*) FROM t_health WHERE st = 'WARN'),
                      (SELECT count(*) FROM t_health WHERE st = 'OK'))
               || '.*\n(CRIT|WARN)  .*\nOK: [^\n]*\nDetails: [^\n]*$',
               'diagnose starts with the counts by status and ends with the OK line and where to look');

SELECT * FROM finish();
ROLLBACK;
