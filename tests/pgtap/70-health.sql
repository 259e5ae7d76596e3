-- Health checks: shape of the API, a stale source seen with its exact fixing call, history and report,
-- a check that cannot run reported as CRIT without hiding the others, bad input.
BEGIN;
SELECT plan(17);

SELECT has_function('ops', 'health', '{}'::name[], 'ops.health() exists');
SELECT has_function('ops', 'diagnose', '{}'::name[], 'ops.diagnose() exists');
SELECT has_function('ops', 'record_health', ARRAY['bigint'], 'ops.record_health(bigint) exists');
SELECT has_table('ops', 'health_history', 'ops.health_history exists');
SELECT is(ARRAY(SELECT a.attname::text FROM pg_attribute AS a
                WHERE a.attrelid = 'ops.v_health'::regclass AND a.attnum > 0 ORDER BY a.attnum),
          ARRAY['check', 'subject', 'status', 'observed', 'threshold', 'detail', 'hint'],
          'ops.v_health has the contract columns of ops.health()');
SELECT is_definer('ops', 'health_checks', '{}'::name[], 'ops.health_checks() is SECURITY DEFINER (reads raw data for monitors)');
SELECT function_owner_is('ops', 'cron_job_status', '{}'::name[], 'lead_attribution_owner',
                         'ops.cron_job_status() is owned by the owner (the job role owns no monitoring code)');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc AS p
                  WHERE p.pronamespace = 'ops'::regnamespace
                    AND p.proname IN ('health', 'health_checks', 'diagnose', 'record_health', 'cron_job_status')
                    AND NOT COALESCE(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)$$,
                'every health function pins search_path = pg_catalog, pg_temp');

-- behaviour: a cabinet lead ten days old that no populate has seen
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
VALUES (970001, 'health-stale-1', (ops.today() - 10)::timestamp + interval '9 hours', 'SOLITARIO', '987000111');
SELECT is_empty($$SELECT * FROM ops.health() WHERE status NOT IN ('OK', 'WARN', 'CRIT')$$,
                'every row is OK, WARN or CRIT');
SELECT results_eq(
    $$SELECT status, hint FROM ops.health() WHERE "check" = 'events_behind_source' AND subject = 'module_ct_cabinet_leads'$$,
    format($$VALUES ('CRIT', %L)$$, format('SELECT observational.populate_lead_events(%L,%L);',
           (SELECT pg_catalog.min(l.lead_date) FROM observational.v_source_leads AS l
            WHERE l.source_table = 'module_ct_cabinet_leads' AND l.reject_reason IS NULL
              AND NOT EXISTS (SELECT FROM observational.lead_events AS e
                              WHERE e.source_table = l.source_table AND e.source_pk = l.source_pk)),
           (SELECT pg_catalog.max(l.lead_date) FROM observational.v_source_leads AS l
            WHERE l.source_table = 'module_ct_cabinet_leads' AND l.reject_reason IS NULL
              AND NOT EXISTS (SELECT FROM observational.lead_events AS e
                              WHERE e.source_table = l.source_table AND e.source_pk = l.source_pk)))),
    'a lead older than yesterday missing from lead_events is CRIT, and the hint is the exact populate call');
SELECT ok((SELECT status FROM ops.health() WHERE "check" = 'event_date_gaps' AND subject = 'module_ct_cabinet_leads') = 'CRIT',
          'the day with a source row and no event is a gap');
SELECT is((SELECT (r ->> 'OK')::int + (r ->> 'WARN')::int + (r ->> 'CRIT')::int FROM ops.record_health(0) AS r),
          (SELECT pg_catalog.count(*)::int FROM ops.health()),
          'record_health returns the counts by status of every check');
SELECT ok((SELECT pg_catalog.count(*) FROM ops.health_history WHERE run_id = 0 AND status = 'CRIT'
           AND "check" = 'events_behind_source' AND subject = 'module_ct_cabinet_leads') = 1,
          'the snapshot is in ops.health_history');
SELECT matches(ops.diagnose(), 'CRIT  events_behind_source / module_ct_cabinet_leads.*run:   SELECT observational\.populate_lead_events',
               'diagnose names the CRIT check and what to run');
SELECT is(ops.health_status(3, 1, 3), 'CRIT', 'a value at its CRIT threshold is CRIT');

-- a check that cannot run is a CRIT row, never an error hiding the others
ALTER TABLE canon.identity_unmatched RENAME TO identity_unmatched_away;
SELECT results_eq(
    $$SELECT status, observed, detail LIKE '%SQLSTATE 42P01%', (SELECT count(DISTINCT "check") > 10 FROM ops.health())
      FROM ops.health() WHERE "check" = 'unmatched_open'$$,
    $$VALUES ('CRIT', 'cannot run', true, true)$$,
    'a missing table makes its check one CRIT row with the SQLSTATE; the other checks still report');

SELECT throws_ok($$SELECT ops.record_health(NULL)$$, '22004', NULL, 'record_health(NULL) is refused');

SELECT * FROM finish();
ROLLBACK;
