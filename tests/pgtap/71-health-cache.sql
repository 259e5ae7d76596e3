-- The pipeline's fast path, what can be tested in one transaction: the health cache of
-- ops.record_health (reused only under the same key, never for a failed check, never by ops.health()),
-- the fingerprint arithmetic, the plan's shape and bad input. Runs and COMMITs: tests/test_pipeline_fastpath.py.
BEGIN;
SET client_min_messages = warning;
SELECT plan(22);

SELECT has_function('ops', 'record_health', ARRAY['bigint', 'text', 'boolean'], 'ops.record_health(bigint, text, boolean) exists');
SELECT has_function('ops', 'pipeline_plan', ARRAY['boolean', 'bigint'], 'ops.pipeline_plan(boolean, bigint) exists');
SELECT has_table('ops', 'pipeline_state', 'ops.pipeline_state exists');
SELECT is_definer('ops', 'health_check_rows', ARRAY['text'], 'ops.health_check_rows(text) is SECURITY DEFINER (reads raw data for monitors)');

-- a computed snapshot fills the cache with the 9 reusable checks under the key
SELECT is((SELECT r ->> 'computed' || '/' || (r ->> 'reused') FROM ops.record_health(-1, 'k1', false) AS r), '12/0',
          'without reuse every check is computed');
SELECT is((SELECT pg_catalog.count(*)::int FROM ops.health_check_cache WHERE cache_key LIKE 'k1;today=%'), 9,
          'the reusable checks are cached under the key, completed with today');
SELECT is((SELECT r ->> 'computed' || '/' || (r ->> 'reused') FROM ops.record_health(-2, 'k1', true) AS r), '3/9',
          'the same key reuses the 9 data checks and computes the clock, pg_cron and run-log ones');
SELECT set_eq($$SELECT "check", subject, status, observed, threshold, detail, hint, amount_pen FROM ops.health_history WHERE run_id = -2$$,
              $$SELECT "check", subject, status, observed, threshold, detail, hint, amount_pen FROM ops.health_history WHERE run_id = -1$$,
              'a snapshot with reused checks has the rows of the computed one');
SELECT is((SELECT r ->> 'computed' || '/' || (r ->> 'reused') FROM ops.record_health(-3, 'k2', true) AS r), '12/0',
          'another key (inputs changed) reuses nothing');

-- lateness (no pipeline success on record here) only turns a row that would be OK into WARN: late rows
-- without a WARN serve the on-time case too; a WARN row is cached for the late case only
SELECT is((SELECT cache_key ~ ';pipeline_late=any$' FROM ops.health_check_cache WHERE check_function = 'events_behind'),
          true, 'events_behind computed while the pipeline is late, with no WARN row, is cached for either case');
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
VALUES (971001, 'hc-today', ops.today() + time '08:00', 'HOY', '987710001');
SELECT lives_ok($$SELECT ops.record_health(-6, 'k4', false)$$, 'a snapshot with a lead of today not yet populated');
SELECT is((SELECT status FROM ops.health_history
           WHERE run_id = -6 AND "check" = 'events_behind_source' AND subject = 'module_ct_cabinet_leads'),
          'WARN', 'the lead awaiting a late pipeline is a WARN row');
SELECT is((SELECT cache_key ~ ';pipeline_late=true$' FROM ops.health_check_cache WHERE check_function = 'events_behind'),
          true, 'and that snapshot is cached for the late case only');

-- a check that cannot run is never cached
ALTER TABLE canon.identity_unmatched RENAME TO identity_unmatched_away;
SELECT lives_ok($$SELECT ops.record_health(-4, 'k3', false)$$, 'a snapshot with a failing check');
SELECT is((SELECT pg_catalog.count(*)::int FROM ops.health_check_cache WHERE check_function = 'unmatched'), 0,
          'the failing check left no cache row');
SELECT is((SELECT r ->> 'computed' || '/' || (r ->> 'reused') FROM ops.record_health(-5, 'k3', true) AS r), '4/8',
          'so the next snapshot computes it again');
ALTER TABLE canon.identity_unmatched_away RENAME TO identity_unmatched;

-- ops.health() by hand never reads the cache
UPDATE ops.health_check_cache
SET check_rows = '[{"check": "events_behind_source", "subject": "cached", "status": "CRIT", "observed": "stale"}]';
SELECT is_empty($$SELECT * FROM ops.health() WHERE subject = 'cached'$$, 'ops.health() computes every check');

-- fingerprint: a run's own writes (pending counters) are counted in, nothing else changes
SELECT is(ops.pipeline_fingerprint(
              '{"server": "s", "code": "c", "tables": {"t": {"shape": "1.2", "changes": 5}}, "pending": {"t": 2}}',
              '{"t": 7}'),
          '{"server": "s", "code": "c", "tables": {"t": {"shape": "1.2", "changes": 10}}}'::jsonb,
          'the fingerprint adds what this backend wrote since the inputs were read');
SELECT ok((SELECT i -> 'tables' ? 'public.module_ct_cabinet_leads' AND i -> 'tables' ? 'ops.settings'
                  AND i -> 'tables' ? 'canon.identity_links' AND NOT i -> 'tables' ? 'ops.run_log'
                  AND NOT i -> 'tables' ? 'ops.pipeline_state'
           FROM ops.pipeline_inputs() AS i),
          'the inputs are the raw tables and the package tables, not the logs or the fast path''s state');
SELECT is((SELECT p ->> 'mode' || ': ' || (p ->> 'reason') FROM ops.pipeline_plan(true, 0) AS p), 'full: requested',
          'p_full forces a full run');

SELECT throws_ok($$SELECT ops.record_health(0, NULL, true)$$, '22023', NULL, 'reuse without a key is refused');
SELECT throws_ok($$SELECT ops.pipeline_plan(NULL, 0)$$, '22004', NULL, 'pipeline_plan(NULL, ...) is refused');

SELECT * FROM finish();
ROLLBACK;
