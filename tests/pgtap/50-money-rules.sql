-- The money chain's published shape and ops.payment_rules: seeded amounts, validation, reader grants.
BEGIN;
SELECT plan(26);

SELECT has_table('ops', 'payment_rules', 'ops.payment_rules exists');
SELECT has_view('observational', 'v_conversion_metrics', 'observational.v_conversion_metrics exists');
SELECT has_view('ops', 'v_payment_calculation', 'ops.v_payment_calculation exists');
SELECT has_view('ops', 'v_cabinet_financial_14d', 'ops.v_cabinet_financial_14d exists');
SELECT has_view('ops', 'v_scout_payouts', 'ops.v_scout_payouts exists');
SELECT has_view('ops', 'v_yango_statement', 'ops.v_yango_statement exists');
SELECT has_view('ops', 'v_scout_statement', 'ops.v_scout_statement exists');
SELECT function_returns('ops', 'record_scout_payout', ARRAY['integer', 'text', 'numeric', 'text'], 'bigint',
                        'ops.record_scout_payout(integer, text, numeric, text) returns bigint');
SELECT function_returns('ops', 'yango_claim_lines', ARRAY['text'], 'setof record',
                        'ops.yango_claim_lines(text) returns a set');
SELECT function_returns('ops', 'refresh_money_chain', ARRAY[]::text[], 'jsonb',
                        'ops.refresh_money_chain() returns jsonb');
SELECT is(
    ARRAY(SELECT column_name::text FROM information_schema.columns
          WHERE table_schema = 'ops' AND table_name = 'v_cabinet_financial_14d' ORDER BY ordinal_position),
    ARRAY['person_key', 'lead_source_pk', 'lead_date', 'iso_week', 'driver_id', 'driver_name',
          'trips_14d', 'reached_m1', 'reached_m5', 'reached_m25', 'expected_m1', 'expected_m5',
          'expected_m25', 'expected_total', 'paid_m1', 'paid_m5', 'paid_m25', 'paid_total',
          'amount_due', 'due_date', 'days_overdue', 'funnel_stage', 'amount_not_yet_due', 'amount_overpaid'],
    'v_cabinet_financial_14d has exactly the published columns (docs/money.md), in order');
SELECT results_eq(
    $$SELECT scope, origin, milestone_type, milestone_value, window_days, amount, currency, valid_from, valid_to
      FROM ops.payment_rules WHERE is_active ORDER BY scope, milestone_type DESC, milestone_value$$,
    $$VALUES ('partner', 'cabinet', 'trips', 1, 14, 25.00, 'PEN', '2025-11-01'::date, NULL::date),
             ('partner', 'cabinet', 'trips', 5, 14, 35.00, 'PEN', '2025-11-01', NULL),
             ('partner', 'cabinet', 'trips', 25, 14, 100.00, 'PEN', '2025-11-01', NULL),
             ('scout', 'scouting', 'trips', 1, 7, 20.00, 'PEN', '2025-11-03', NULL),
             ('scout', 'scouting', 'trips', 5, 7, 25.00, 'PEN', '2025-11-03', NULL),
             ('scout', 'scouting', 'trips', 25, 7, 55.00, 'PEN', '2025-11-03', NULL),
             ('scout', 'scouting', 'connection', 1, 7, 0.00, 'PEN', '2025-11-03', NULL)$$,
    'the seeded rules carry the docs/rules.md §7 amounts, windows and validity');
SELECT ok(pg_catalog.bool_and(pg_catalog.has_table_privilege('lead_attribution_reader', v, 'SELECT')),
          'the reader role may SELECT every published money object')
FROM unnest(ARRAY['observational.v_conversion_metrics', 'ops.v_payment_calculation',
                  'ops.v_cabinet_financial_14d', 'ops.v_scout_payouts', 'ops.payment_rules',
                  'ops.v_yango_statement', 'ops.v_scout_statement', 'ops.v_cabinet_claims']) AS v;
SELECT ok(pg_catalog.has_function_privilege('lead_attribution_reader', 'ops.yango_claim_lines(text)', 'EXECUTE')
          AND NOT pg_catalog.has_function_privilege('lead_attribution_reader', 'ops.record_scout_payout(integer, text, numeric, text)', 'EXECUTE')
          AND pg_catalog.has_function_privilege('lead_attribution_writer', 'ops.record_scout_payout(integer, text, numeric, text)', 'EXECUTE'),
          'the reader lists claim lines, only the writer records scout payouts');
SELECT ok(NOT pg_catalog.has_table_privilege('lead_attribution_reader', 'ops.yango_payment_snapshots', 'SELECT'),
          'the reader role cannot read the raw payment snapshots (they carry names as Yango wrote them)');

-- validation
SELECT throws_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
      VALUES ('partner', 'cabinet', 'trips', 5, 14, 40, '2026-01-01')$$,
    '23P01', NULL, 'a rule overlapping the validity of an active rule for the same milestone is refused');
SELECT throws_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
      VALUES ('scout', 'fleet_migration', 'trips', 1, 7, -1, '2026-01-01')$$,
    '23514', NULL, 'a negative amount is refused');
SELECT throws_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
      VALUES ('scout', 'fleet_migration', 'trips', 1, 0, 10, '2026-01-01')$$,
    '23514', NULL, 'a window of 0 days is refused');
SELECT throws_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
      VALUES ('scout', 'fleet_migration', 'trips', 10, 7, 10, '2026-01-01')$$,
    '23514', NULL, 'a trips milestone other than 1, 5 or 25 is refused');
SELECT throws_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from, valid_to)
      VALUES ('scout', 'fleet_migration', 'trips', 1, 7, 10, '2026-01-01', '2025-12-31')$$,
    '23514', NULL, 'valid_to before valid_from is refused');
SELECT lives_ok(
    $$UPDATE ops.payment_rules SET valid_to = '2025-12-31'
      WHERE scope = 'partner' AND milestone_value = 5 AND is_active AND valid_to IS NULL;
      INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
      VALUES ('partner', 'cabinet', 'trips', 5, 14, 40, '2026-01-01')$$,
    'closing a rule and opening the next one the following day is accepted');
SELECT lives_ok(
    $$INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from, is_active)
      VALUES ('partner', 'cabinet', 'trips', 5, 14, 99, '2026-01-01', false)$$,
    'an inactive draft rule may overlap an active one');
SELECT throws_ok($$SELECT observational.refresh_driver_daily_trips(NULL)$$, '22004', NULL,
                 'refresh_driver_daily_trips(NULL) is refused');

-- a first fill (empty table) drops the secondary indexes, inserts, and builds them again
DELETE FROM observational.driver_daily_trips;
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
VALUES ('tst-fill-1', '03-12-2025', 4, 3600, '2025-12-04 08:00'), ('tst-fill-1', '2025-12-03', 6, 4000, '2025-12-05 08:00'),
       ('tst-fill-1', '31-02-2025', 9, 10, '2025-12-05 08:00');
SELECT is((observational.refresh_driver_daily_trips(false)) ->> 'mode', 'full', 'a refresh into an empty table is a full one');
SELECT is(ARRAY(SELECT indexrelid::regclass::text FROM pg_index
                WHERE indrelid = 'observational.driver_daily_trips'::regclass ORDER BY 1),
          ARRAY['observational.driver_daily_trips_pkey', 'observational.driver_daily_trips_refreshed_idx',
                'observational.driver_daily_trips_source_created_idx'],
          'after a first fill driver_daily_trips has its primary key and both secondary indexes again');
SELECT results_eq(
    $$SELECT trip_date, trips FROM observational.driver_daily_trips WHERE driver_id = 'tst-fill-1'$$,
    $$VALUES ('2025-12-03'::date, 6)$$,
    'both spellings of a day are one day, the latest delivery wins, 31-02-2025 is no day');

SELECT * FROM finish();
ROLLBACK;
