-- The installed skeleton: schemas, settings with their defaults, the raw contract, the lead view.
BEGIN;
SELECT plan(14);

SELECT has_schema('canon', 'schema canon exists');
SELECT has_schema('observational', 'schema observational exists');
SELECT has_schema('ops', 'schema ops exists');
SELECT has_table('observational', 'lead_events', 'observational.lead_events exists');
SELECT col_is_unique('observational', 'lead_events', ARRAY['source_table', 'source_pk'],
                     'lead_events is unique on (source_table, source_pk)');
SELECT col_not_null('observational', 'lead_events', 'event_date', 'event_date is NOT NULL');
SELECT results_eq(
    $$SELECT key, value FROM ops.settings WHERE key IN ('target_park_id', 'business_timezone',
        'lookback_days', 'max_range_days', 'name_similarity_threshold', 'max_phone_group_size',
        'run_history_days') ORDER BY key$$,
    $$VALUES ('business_timezone', 'America/Lima'), ('lookback_days', '3'), ('max_phone_group_size', '3'),
             ('max_range_days', '400'), ('name_similarity_threshold', '0.66'), ('run_history_days', '90'),
             ('target_park_id', '08e20910d81d42658d4334d3f6d10ac0')$$,
    'contract settings have their documented defaults');
SELECT is_empty('SELECT * FROM ops.check_source_contract()', 'a fresh install satisfies the raw contract');
SELECT is(ops.today(), (now() AT TIME ZONE 'America/Lima')::date, 'ops.today() is the date in Lima');

-- the one definition of a lead
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at) VALUES
    (900001, ' ext-1 ', '2025-12-14 23:59:59'), (900002, 'ext-1', '2025-12-15 00:00:00'),
    (900003, NULL, NULL);
SELECT results_eq(
    $$SELECT source_pk, lead_date, reject_reason FROM observational.v_source_leads
      WHERE source_table = 'module_ct_cabinet_leads' AND source_pk LIKE ANY (ARRAY['ext-1%', '900003']) ORDER BY 1$$,
    $$VALUES ('900003', NULL::date, 'MISSING_DATE'), ('ext-1', '2025-12-14'::date, NULL),
             ('ext-1#900002', '2025-12-15'::date, 'DUPLICATE_PK')$$,
    'cabinet pk is the trimmed external_id, 23:59:59 stays on its day, duplicates and missing dates are flagged');
INSERT INTO public.module_ct_migrations (id, driver_id, hire_date, created_at) VALUES
    (900001, 'd1', NULL, '2025-12-20 08:00'), (900002, 'd2', '9999-01-01', NULL);
SELECT results_eq(
    $$SELECT source_pk, lead_date, reject_reason FROM observational.v_source_leads
      WHERE source_table = 'module_ct_migrations' AND source_pk IN ('900001', '900002') ORDER BY 1$$,
    $$VALUES ('900001', '2025-12-20'::date, NULL::text), ('900002', '9999-01-01'::date, 'DATE_OUT_OF_RANGE')$$,
    'a migration without hire_date uses created_at; an impossible date is flagged');

SELECT throws_ok($$SELECT ops.get_setting(NULL)$$, '22004', NULL, 'NULL setting key is refused');
SELECT throws_ok($$SELECT ops.get_setting('no_such_key')$$, '22023', 'unknown setting no_such_key',
                 'unknown setting key is refused');
SELECT has_function('ops', 'check_source_contract', 'contract checker exists');

SELECT * FROM finish();
ROLLBACK;
