-- populate_lead_events: shape, idempotence, boundaries, corrections, deletions, rejects, errors.
BEGIN;
SELECT plan(27);

SELECT has_function('observational', 'populate_lead_events', ARRAY['date', 'date'],
                    'populate_lead_events(date, date) exists');
SELECT function_returns('observational', 'populate_lead_events', ARRAY['date', 'date'], 'jsonb',
                        'populate_lead_events returns jsonb');

INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone) VALUES
    (930001, 'pt-ext-1', '2025-12-14 23:59:59', 'Rosa', 'Quispe Mamani', '+51 987 111 001'),
    (930002, 'pt-ext-2', '2025-12-15 00:00:00', 'Luis', 'Torres Flores', '987-111-002'),
    (930003, NULL, '2025-12-16 12:00', 'Ana', 'Rojas Vega', '987111003'),
    (930004, 'pt-ext-4', NULL, 'Sin', 'Fecha', NULL);
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone, acquisition_method) VALUES
    (930001, '2025-12-16', 7, 'PEDRO CASTILLO RAMOS', '987111004', 'CAMPO');
INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, scout_name, hire_date, created_at) VALUES
    (930001, 'pt-drv-1', 'MARIO SALAS', 9, 'SCOUT NUEVE', NULL, '2025-12-18 09:00');

CREATE TEMP TABLE r1 AS SELECT observational.populate_lead_events('2025-12-15', '2025-12-20') AS r;
SELECT is((SELECT r #>> '{sources,module_ct_cabinet_leads,inserted}' FROM r1), '2',
          'two cabinet leads of 15..20 December are inserted');
SELECT ok((SELECT bool_and((v ->> 'scanned')::int = (v ->> 'inserted')::int + (v ->> 'updated')::int
                           + (v ->> 'unchanged')::int + (v ->> 'rejected')::int)
           FROM r1, jsonb_each(r -> 'sources') AS s (k, v)),
          'for every source scanned = inserted + updated + unchanged + rejected');
SELECT is((SELECT r #>> '{sources,module_ct_cabinet_leads,rejected}' FROM r1), '1',
          'the cabinet lead without a date is rejected, whatever the range');
SELECT is((SELECT reason_code FROM observational.lead_event_rejects
           WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'pt-ext-4'),
          'MISSING_DATE', 'the reject carries reason MISSING_DATE');
SELECT ok(NOT EXISTS (SELECT FROM observational.lead_events WHERE source_pk = 'pt-ext-1'),
          '23:59:59 on 14 December belongs to the 14th, outside a range starting on the 15th');
SELECT is((SELECT event_date FROM observational.lead_events WHERE source_pk = 'pt-ext-2'), '2025-12-15'::date,
          '00:00:00 on 15 December is the 15th');
SELECT is((SELECT event_date FROM observational.lead_events
           WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = '930003'), '2025-12-16'::date,
          'a cabinet lead without external_id is keyed by its id');
SELECT results_eq(
    $$SELECT origin, scout_id, payload_json ->> 'origin' FROM observational.lead_events
      WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '930001'$$,
    $$VALUES ('scouting', 7, 'scouting')$$,
    'a scouting registration stays scouting and keeps its scout');
SELECT results_eq(
    $$SELECT event_date, scout_id, payload_json ->> 'origin' FROM observational.lead_events
      WHERE source_table = 'module_ct_migrations' AND source_pk = '930001'$$,
    $$VALUES ('2025-12-18'::date, 9, 'fleet_migration')$$,
    'a migration without hire_date is dated by created_at and tagged fleet_migration');

CREATE TEMP TABLE digest1 AS
    SELECT md5(string_agg(row(source_table, source_pk, event_date, person_key, scout_id, payload_json, updated_at)::text,
                          ',' ORDER BY source_table, source_pk)) AS d
    FROM observational.lead_events WHERE source_pk LIKE ANY (ARRAY['pt-%', '9300%']);
-- the second identical call re-scans (its state cleared, as CALL ops.run_pipeline(true) does): real counts
DELETE FROM observational.populate_state;
CREATE TEMP TABLE r2 AS SELECT observational.populate_lead_events('2025-12-15', '2025-12-20') AS r;
SELECT ok((SELECT NOT (r -> 'ledger' ? 'skipped') FROM r2), 'a call without populate state scans its sources');
SELECT is((SELECT jsonb_object_agg(k, jsonb_build_array(v -> 'inserted', v -> 'updated', v -> 'unchanged'))
           FROM r2, jsonb_each(r -> 'sources') s (k, v)),
          (SELECT jsonb_object_agg(k, jsonb_build_array(0, 0, (v ->> 'inserted')::int + (v ->> 'updated')::int
                                                              + (v ->> 'unchanged')::int))
           FROM r1, jsonb_each(r -> 'sources') s (k, v)),
          'a second identical scan inserts and updates nothing: every event of the first is unchanged');
SELECT is((SELECT md5(string_agg(row(source_table, source_pk, event_date, person_key, scout_id, payload_json, updated_at)::text,
                                 ',' ORDER BY source_table, source_pk))
           FROM observational.lead_events WHERE source_pk LIKE ANY (ARRAY['pt-%', '9300%'])),
          (SELECT d FROM digest1), 'a second identical call leaves the table digest unchanged');
CREATE TEMP TABLE r2s AS SELECT observational.populate_lead_events('2025-12-15', '2025-12-20') AS r;
SELECT ok((SELECT r -> 'ledger' ? 'skipped' FROM r2s),
          'a third identical call reads no source row: no input changed since a call that covered its dates');
SELECT is((SELECT jsonb_object_agg(k, v - 'rejects_new_or_changed' - 'rejects_healed') FROM r2s, jsonb_each(r -> 'sources') AS s (k, v)),
          (SELECT jsonb_object_agg(k, v - 'rejects_new_or_changed' - 'rejects_healed') FROM r2, jsonb_each(r -> 'sources') AS s (k, v)),
          'and reports the counts of the full scan it skipped');
DELETE FROM observational.lead_ledger;
CREATE TEMP TABLE r3 AS SELECT observational.populate_lead_events('2025-12-15', '2025-12-20') AS r;
SELECT ok((SELECT NOT (r -> 'ledger' ? 'skipped') FROM r3) AND EXISTS (SELECT FROM observational.lead_ledger),
          'a ledger emptied by hand is an input change: the next call scans and refills it');
CREATE FUNCTION ops.t_code_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE TEMP TABLE r4 AS SELECT observational.populate_lead_events('2025-12-15', '2025-12-20') AS r;
SELECT ok((SELECT NOT (r -> 'ledger' ? 'skipped') FROM r4),
          'a change of the package code (as a migrate makes) is an input change: the next call scans');

SELECT is((SELECT r #>> '{sources,module_ct_cabinet_leads,inserted}'
           FROM observational.populate_lead_events('2025-12-14', '2025-12-16') AS r), '1',
          'an overlapping range inserts only the lead it adds (14 December)');

UPDATE public.module_ct_scouting_daily SET registration_date = '2025-12-17' WHERE id = 930001;
SELECT is((SELECT r #>> '{sources,module_ct_scouting_daily,updated}'
           FROM observational.populate_lead_events('2025-12-15', '2025-12-20') AS r), '1',
          'a corrected source row is counted as updated');
SELECT is((SELECT event_date FROM observational.lead_events
           WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '930001'), '2025-12-17'::date,
          'the corrected source row updates its event');

DELETE FROM public.module_ct_cabinet_leads WHERE id = 930002;
SELECT lives_ok($$SELECT observational.populate_lead_events('2025-12-15', '2025-12-20')$$,
                'populate runs after a source row is deleted upstream');
SELECT ok(EXISTS (SELECT FROM observational.lead_events WHERE source_pk = 'pt-ext-2'),
          'a source row deleted upstream keeps its event');

SELECT is((SELECT (r ->> 'date_to')::date FROM observational.populate_lead_events(ops.today() - 1, ops.today() + 30) AS r),
          ops.today(), 'a date_to in the future is clamped to today in Lima');

SELECT throws_ok($$SELECT observational.populate_lead_events(NULL, '2026-01-07')$$, '22004', NULL,
                 'a NULL date is refused with 22004');
SELECT throws_ok($$SELECT observational.populate_lead_events('2026-01-07', '2025-12-15')$$, '22023',
                 'date_from 2026-01-07 is after date_to 2025-12-15', 'an inverted range is refused with 22023 naming both dates');
SELECT throws_ok($$SELECT observational.populate_lead_events('2024-01-01', '2025-12-31')$$, '22023', NULL,
                 'a range longer than max_range_days is refused with 22023');

SELECT * FROM finish();
ROLLBACK;
