-- A backfill split into one canon.run_identity call per lead date decides like one call over the range
-- (docs/identity.md "Stability"): a name-only record queued before its human's identified record arrived
-- is looked back at by NAME+DATE when that record links (canon.identity_name_lookback), and its event
-- follows in the same populate call; a record matching
-- a person an earlier run founded and an unlinked driver links to the person, and the driver joins it; a
-- record sharing a plate with a person's record (names not similar) is compared with it as the clustering
-- of one call compares them.
BEGIN;
SET client_min_messages = warning;
SELECT plan(11);

-- shape
SELECT has_function('canon', 'identity_name_lookback', ARRAY['bigint', 'integer'],
                    'canon.identity_name_lookback(bigint, integer) exists');
SELECT ok(NOT has_function_privilege('lead_attribution_writer', 'canon.identity_name_lookback(bigint, integer)', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_job', 'canon.identity_name_lookback(bigint, integer)', 'EXECUTE'),
          'the stage is not granted to the job and writer roles');

-- A: a scouting registration carrying only a name on 06-10, the same human's cabinet lead with a phone on
-- 06-12. B: a cabinet lead with a phone and a plate on 06-11, the same human's scouting registration with
-- that phone and a licence on 06-16, and a driver of the park with the licence (another phone, no plate).
-- C: a cabinet lead with a plate on 06-12, the same human's cabinet lead with that plate and a phone,
-- written otherwise (a middle name, one surname), on 07-01.
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number,
                            document_number, car_brand, car_model, car_number, hire_date) VALUES
    ('ds-d1', '08e20910d81d42658d4334d3f6d10ac0', 'Luis', 'Jimenez Quispe', 'JIMENEZ QUISPE LUIS', '921809774',
     'Q23202308', '23202308', NULL, NULL, 'JLY-460', '2024-06-19');
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                                             driver_license, driver_document) VALUES
    (940001, '2024-06-10', 1, 'ROSA QUISPE MAMANI', NULL, NULL, NULL),
    (940002, '2024-06-16', 1, 'LUIS JIMENEZ QUISPE', '901809774', 'Q23202308', NULL);
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, middle_name, last_name,
                                            park_phone, asset_plate_number, asset_model) VALUES
    (940001, 'ds-c1', '2024-06-12 10:00', 'Rosa', NULL, 'Quispe Mamani', '987661001', NULL, NULL),
    (940002, 'ds-c2', '2024-06-11 10:00', 'Luis', NULL, 'Jimenez Quispe', '901809774', 'PUU-460', NULL),
    (940003, 'ds-c3', '2024-06-12 14:00', 'jesus', NULL, 'jimenez torres', NULL, 'F97115', 'TOYOTA YARIS'),
    (940004, 'ds-c4', '2024-07-01 10:00', 'JESÚS', 'RONALD', 'JIMÉNEZ', '902772929', 'F97-115', 'Toyota Yaris');

-- the partition of the five records (each record with the records sharing its person), and the rule
CREATE TEMP VIEW t_partition AS
    SELECT l.source_table || ':' || l.source_pk AS rec,
           (SELECT string_agg(o.source_table || ':' || o.source_pk, ' ' ORDER BY o.source_table, o.source_pk)
            FROM canon.identity_links AS o WHERE o.person_key = l.person_key) AS members
    FROM canon.identity_links AS l
    WHERE l.source_pk IN ('940001', '940002', 'ds-c1', 'ds-c2', 'ds-c3', 'ds-c4', 'ds-d1');

-- one call over the range
SELECT lives_ok($$SELECT canon.run_identity('2024-06-01', '2024-07-31')$$, 'one call over the range runs');
CREATE TEMP TABLE t_one AS SELECT * FROM t_partition;
SELECT results_eq($$SELECT rec, members FROM t_one ORDER BY rec$$,
                  $$VALUES ('drivers:ds-d1'::text, 'drivers:ds-d1 module_ct_cabinet_leads:ds-c2 module_ct_scouting_daily:940002'::text),
                           ('module_ct_cabinet_leads:ds-c1', 'module_ct_cabinet_leads:ds-c1 module_ct_scouting_daily:940001'),
                           ('module_ct_cabinet_leads:ds-c2', 'drivers:ds-d1 module_ct_cabinet_leads:ds-c2 module_ct_scouting_daily:940002'),
                           ('module_ct_cabinet_leads:ds-c3', 'module_ct_cabinet_leads:ds-c3 module_ct_cabinet_leads:ds-c4'),
                           ('module_ct_cabinet_leads:ds-c4', 'module_ct_cabinet_leads:ds-c3 module_ct_cabinet_leads:ds-c4'),
                           ('module_ct_scouting_daily:940001', 'module_ct_cabinet_leads:ds-c1 module_ct_scouting_daily:940001'),
                           ('module_ct_scouting_daily:940002', 'drivers:ds-d1 module_ct_cabinet_leads:ds-c2 module_ct_scouting_daily:940002')$$,
                  'one call: the name-only record joins its human by NAME+DATE, B is one person, C is one person');

-- identity started over (tools/reset_identity.sql), then one call per lead date
TRUNCATE canon.identity_links, canon.identity_unmatched, canon.person_merges, canon.identity_link_history, canon.lead_keys,
         canon.phone_groups, canon.drivers_index, canon.identity_source_state, canon.lead_scan_days,
         observational.lead_events, observational.lead_ledger, observational.populate_state CASCADE;
TRUNCATE canon.identity_registry CASCADE;
SELECT lives_ok($$SELECT observational.populate_lead_events(d::date, d::date)
                  FROM (VALUES ('2024-06-10'), ('2024-06-11'), ('2024-06-12'), ('2024-06-16'), ('2024-07-01')) AS x (d)$$,
                'the same backfill as one populate call (identity inside) per lead date runs');
SELECT is((SELECT match_rule FROM canon.identity_links WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '940001'),
          'NAME+DATE', 'the name-only record queued on 06-10 links by NAME+DATE when its human''s record links on 06-12');
SELECT ok(NOT EXISTS (SELECT 1 FROM canon.identity_unmatched WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '940001'),
          'and leaves the queue');
SELECT is((SELECT e.person_key FROM observational.lead_events AS e
           WHERE e.source_table = 'module_ct_scouting_daily' AND e.source_pk = '940001'),
          (SELECT l.person_key FROM canon.identity_links AS l
           WHERE l.source_table = 'module_ct_scouting_daily' AND l.source_pk = '940001'),
          'its event, of a date outside the call that linked it, carries the person at once');
SELECT is((SELECT l.match_rule || ' ' || (l.person_key = c.person_key)::text
           FROM canon.identity_links AS l, canon.identity_links AS c
           WHERE l.source_table = 'drivers' AND l.source_pk = 'ds-d1'
             AND c.source_table = 'module_ct_cabinet_leads' AND c.source_pk = 'ds-c2'),
          'DNI true', 'the record matching the person founded on 06-11 and an unlinked driver links to the person; the driver joins it');
SELECT is((SELECT l.match_rule || ' ' || (l.person_key = c.person_key)::text
           FROM canon.identity_links AS l, canon.identity_links AS c
           WHERE l.source_table = 'module_ct_cabinet_leads' AND l.source_pk = 'ds-c4'
             AND c.source_table = 'module_ct_cabinet_leads' AND c.source_pk = 'ds-c3'),
          'PLATE+NAME true', 'the record sharing a plate with the person founded on 06-12 links to it on 07-01');
SELECT results_eq($$SELECT rec, members FROM t_partition ORDER BY rec$$, $$SELECT rec, members FROM t_one ORDER BY rec$$,
                  'the daily calls give the partition of the one call');

SELECT * FROM finish();
ROLLBACK;
