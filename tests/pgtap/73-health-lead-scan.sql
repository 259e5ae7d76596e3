-- ops.health_lead_scan: counts and hash sums per source and date first, the key-by-key join only where
-- they differ. Every kind of difference (missing valid row, row without its reject, orphaned event,
-- row corrected upstream, lead date moved upstream) must give the counts of the full join.
BEGIN;
SELECT plan(9);

SELECT has_function('ops', 'health_lead_scan_rows', ARRAY['text[]', 'date[]', 'text[]'],
                    'ops.health_lead_scan_rows(text[], date[], text[]) exists');

INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone) VALUES
    (973001, 'hs-1', (ops.today() - 20)::timestamp + interval '9 hours', 'Rosa', 'Quispe Mamani', '987173001'),
    (973002, 'hs-2', (ops.today() - 20)::timestamp + interval '10 hours', 'Luis', 'Torres Flores', '987173002'),
    (973003, 'hs-3', (ops.today() - 19)::timestamp + interval '9 hours', 'Ana', 'Rojas Vega', '987173003'),
    (973004, 'hs-4', (ops.today() - 18)::timestamp + interval '9 hours', 'Eva', 'Salas Rios', '987173004'),
    (973005, 'hs-5', NULL, 'Sin', 'Fecha', NULL);
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone, acquisition_method) VALUES
    (973001, ops.today() - 19, 7, 'PEDRO CASTILLO RAMOS', '987173005', 'CAMPO'),
    (973002, ops.today() - 17, 7, 'JUANA PAZ LIMA', '987173006', 'CAMPO');
SELECT lives_ok($$SELECT observational.populate_lead_events(ops.today() - 30, ops.today())$$,
                'populate reads the fixture');

-- the comparison the two steps must reproduce: the full join, zero rows left out as the scan does
CREATE TEMP VIEW full_join AS
SELECT source_table, side, day, sum(valid_rows) AS valid_rows, sum(missing_valid) AS missing_valid,
       sum(missing_invalid) AS missing_invalid, sum(events) AS events, sum(orphans) AS orphans,
       sum(changed) AS changed
FROM ops.health_lead_scan_rows(NULL, NULL, NULL)
GROUP BY 1, 2, 3
HAVING sum(valid_rows) + sum(missing_valid) + sum(missing_invalid) + sum(events) + sum(orphans) + sum(changed) > 0;
CREATE TEMP VIEW two_steps AS
SELECT source_table, side, day, valid_rows, missing_valid, missing_invalid, events, orphans, changed
FROM ops.health_lead_scan()
WHERE valid_rows + missing_valid + missing_invalid + events + orphans + changed > 0;

SELECT is_empty($$SELECT * FROM ops.health_lead_scan()
                  WHERE missing_valid + missing_invalid + orphans + changed > 0$$,
                'right after populate nothing is missing, orphaned or changed');
SELECT set_eq('SELECT * FROM two_steps', 'SELECT * FROM full_join',
              'with nothing to find, the two steps give the counts of the full join');

-- every kind of difference at once
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone)
VALUES (973006, 'hs-6', (ops.today() - 19)::timestamp + interval '11 hours', 'Noe', 'Vera Cano', '987173007');  -- missing
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone, acquisition_method)
VALUES (973003, NULL, 7, 'SIN FECHA', '987173008', 'CAMPO');                                             -- no reject
DELETE FROM public.module_ct_cabinet_leads WHERE id = 973003;                                             -- orphan
UPDATE public.module_ct_cabinet_leads SET park_phone = '987173099' WHERE id = 973001;                     -- changed
UPDATE public.module_ct_scouting_daily SET registration_date = ops.today() - 16 WHERE id = 973002;        -- moved

SELECT set_eq('SELECT * FROM two_steps', 'SELECT * FROM full_join',
              'with a missing row, a row without reject, an orphan, a correction and a moved date: the counts of the full join');
SELECT results_eq(
    $$SELECT source_table, sum(missing_valid)::int, sum(missing_invalid)::int, sum(orphans)::int, sum(changed)::int
      FROM ops.health_lead_scan() GROUP BY 1 ORDER BY 1$$,
    $$VALUES ('module_ct_cabinet_leads', 1, 0, 1, 1), ('module_ct_scouting_daily', 0, 1, 0, 1)$$,
    'each difference is counted once, under its source');
SELECT results_eq(
    $$SELECT day - ops.today(), side, valid_rows::int, events::int, changed::int FROM ops.health_lead_scan()
      WHERE source_table = 'module_ct_scouting_daily' AND day >= ops.today() - 17 ORDER BY 1, 2$$,
    $$VALUES (-17, 'event', 0, 1, 0), (-16, 'source', 1, 0, 1)$$,
    'a lead date moved upstream: the event stays on its old day, the row counts as changed on its new one');

SELECT lives_ok($$SELECT observational.populate_lead_events(ops.today() - 30, ops.today())$$,
                'populate catches up');
SELECT results_eq($$SELECT source_table, day - ops.today(), orphans::int FROM ops.health_lead_scan()
                    WHERE missing_valid + missing_invalid + orphans + changed > 0$$,
                  $$VALUES ('module_ct_cabinet_leads', -19, 1)$$,
                  'after populate only the orphan is left (a deleted source row leaves its event, docs/rules.md)');

SELECT * FROM finish();
ROLLBACK;
