-- canon.run_identity (docs/rules.md §3): one hand-built fixture per rule and outcome, in March 2024.
BEGIN;
SET client_min_messages = warning;
SELECT plan(32);

-- shape
SELECT has_function('canon', 'run_identity', ARRAY['date', 'date'], 'canon.run_identity(date, date) exists');
SELECT has_table('canon', 'drivers_index', 'canon.drivers_index exists');
SELECT has_table('canon', 'lead_keys', 'canon.lead_keys (normalized keys of lead records) exists');

-- fixtures: target park drivers (park from the setting) and other drivers
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number,
                            document_number, car_brand, car_model, car_number, hire_date) VALUES
    ('t-d1', '08e20910d81d42658d4334d3f6d10ac0', 'Juan Carlos', 'Perez Garcia', 'PEREZ GARCIA JUAN CARLOS', '+51987650001', 'Q40000001', '40000001', 'Toyota', 'Yaris', 'ABC-101', '2024-03-05'),
    ('t-d2', '08e20910d81d42658d4334d3f6d10ac0', 'Luis', 'Rojas Quispe', 'ROJAS QUISPE LUIS', NULL, 'Q40000002', '40000002', NULL, NULL, NULL, '2024-03-05'),
    ('t-d3', '08e20910d81d42658d4334d3f6d10ac0', 'Miguel', 'Torres Vega', 'TORRES VEGA MIGUEL', '987650003', NULL, NULL, 'Kia', 'Rio', 'ABC103', '2024-03-10'),
    ('t-d4', '08e20910d81d42658d4334d3f6d10ac0', 'Pedro', 'Salas Cruz', 'SALAS CRUZ PEDRO', '987650004', NULL, NULL, 'Hyundai', 'Accent', NULL, '2024-01-01'),
    ('t-d5', '08e20910d81d42658d4334d3f6d10ac0', 'Ana', 'Lopez Diaz', 'LOPEZ DIAZ ANA', NULL, NULL, NULL, 'Kia', 'Picanto', 'ABC105', '2023-01-01'),
    ('t-d6', '08e20910d81d42658d4334d3f6d10ac0', 'Rosa', 'Perez Garcia', 'PEREZ GARCIA ROSA', '987650006', NULL, NULL, NULL, NULL, NULL, '2024-02-01'),
    ('t-d7', '08e20910d81d42658d4334d3f6d10ac0', 'Carlos', 'Meza Soto', 'MEZA SOTO CARLOS', '987650007', NULL, NULL, NULL, NULL, NULL, '2024-02-01'),
    ('t-d8', '08e20910d81d42658d4334d3f6d10ac0', 'Carlos', 'Meza Soto', 'MEZA SOTO CARLOS', NULL, NULL, '40000008', NULL, NULL, NULL, '2024-02-01'),
    ('t-w1', '08e20910d81d42658d4334d3f6d10ac0', 'Hugo', 'Alva', 'ALVA HUGO', '987650009', NULL, NULL, NULL, NULL, NULL, '2024-02-01'),
    ('t-w2', '08e20910d81d42658d4334d3f6d10ac0', 'Ivan', 'Bravo', 'BRAVO IVAN', '987650009', NULL, NULL, NULL, NULL, NULL, '2024-02-01'),
    ('t-w3', 'otherpark', 'Oscar', 'Cano', 'CANO OSCAR', '987650009', NULL, NULL, 'Nissan', 'Sentra', NULL, '2024-02-01'),
    ('t-w4', 'otherpark', 'Raul', 'Diaz', 'DIAZ RAUL', '987650009', NULL, NULL, NULL, NULL, NULL, '2024-02-01');

INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, middle_name, last_name,
                                            park_phone, asset_plate_number, asset_model) VALUES
    (910001, 't-c1', '2024-03-02 10:00', 'Juan', NULL, 'Pérez García', '+51 987-650-001', NULL, NULL),
    (910002, 't-c2', '2024-03-08 10:00', 'Miguel', NULL, 'Torres Vega', NULL, 'abc-103', NULL),
    (910003, 't-c3', '2024-03-10 10:00', 'Ana', NULL, 'López Díaz', NULL, 'ABC 105', NULL),
    (910004, 't-c4', '2024-03-11 10:00', 'Pedro', NULL, 'Salas Cruz', NULL, NULL, 'Hyundai Accent'),
    (910005, 't-c5', '2024-03-12 10:00', 'Miguel Angel', NULL, 'Ramos Chavez Torres', NULL, 'ABC103', NULL),
    (910006, 't-c6', '2024-03-13 10:00', 'Raúl', NULL, 'Vargas Cruz', '987650100', NULL, NULL);

INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                                             driver_license, driver_document) VALUES
    (910001, '2024-03-03', 1, 'LUIS ROJAS QUISPE', NULL, 'q-4000 0002', NULL),
    (910002, '2024-03-04', 1, 'MARIA PEREZ GARCIA', '987650006', NULL, NULL),
    (910003, '2024-03-05', 1, 'JORGE PAREDES', '987650009', NULL, NULL),
    (910004, '2024-03-06', 1, 'CARLOS MEZA SOTO', '987650007', NULL, '40000008'),
    (910005, '2024-03-07', 1, 'X', 'abc', NULL, NULL),
    (910006, '2024-03-07', 1, repeat('ZAQUEO ', 45), '9876543', NULL, NULL),
    (910007, '2024-03-07', 1, '😀 😀', NULL, 'NO TIENE', '00000000'),
    (910008, '2024-03-07', 1, '     ', '   ', '  ', ' '),
    (910009, '2024-03-14', 1, 'RAUL VARGAS CRUZ', '51987650100', 'Q40000100', NULL);

INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, hire_date) VALUES
    (910001, 't-d3', 'TORRES VEGA MIGUEL', 1, '2024-03-10'),
    (910002, 'no-such-driver', 'NADIE', 1, '2024-03-10');

CREATE TEMP TABLE t_run AS SELECT canon.run_identity('2024-03-01', '2024-03-31') AS result;
CREATE TEMP VIEW t_link AS
    SELECT l.source_table, l.source_pk, l.person_key, l.match_rule, l.evidence FROM canon.identity_links l;
CREATE TEMP VIEW t_queue AS
    SELECT u.source_table, u.source_pk, u.reason_code, u.details, u.candidates, u.status FROM canon.identity_unmatched u;

-- behaviour: the rules
SELECT ok((SELECT result ?& ARRAY['run_id', 'date_from', 'date_to', 'sources', 'rules', 'unmatched_by_reason', 'drivers'] FROM t_run),
          'run_identity returns run_id, dates, per-source, per-rule, per-reason and driver counts');
SELECT results_eq($$SELECT match_rule, person_key FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c1'$$,
                  $$SELECT 'PHONE+NAME'::text, person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 't-d1'$$,
                  'PHONE+NAME: the cabinet lead links by phone and name to the same person as its driver');
SELECT results_eq($$SELECT match_rule, person_key FROM t_link WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '910001'$$,
                  $$SELECT 'DNI'::text, person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 't-d2'$$,
                  'DNI: a lower-case licence with dashes links to the driver with the same licence');
SELECT results_eq($$SELECT match_rule, person_key FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c2'$$,
                  $$SELECT 'PLATE+NAME'::text, person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 't-d3'$$,
                  'PLATE+NAME: same plate and name, driver hired within the window');
SELECT results_eq($$SELECT match_rule, confidence_level FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c3'$$,
                  $$VALUES ('PLATE+NAME'::text, 'MEDIUM'::text)$$,
                  'PLATE+NAME with a driver hired long before the lead: the dates weigh against it, confidence MEDIUM');
SELECT results_eq($$SELECT l.match_rule, l.confidence_level, l.person_key FROM canon.identity_links AS l
                    WHERE l.source_table = 'module_ct_cabinet_leads' AND l.source_pk = 't-c4'$$,
                  $$SELECT 'CAR+NAME'::text, 'MEDIUM'::text, person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 't-d4'$$,
                  'same car model and the same full name within 90 days, nothing against: CAR+NAME at link_threshold, MEDIUM');
SELECT results_eq($$SELECT match_rule, person_key FROM t_link WHERE source_table = 'module_ct_migrations' AND source_pk = '910001'$$,
                  $$SELECT 'DRIVER_DIRECT'::text, person_key FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c2'$$,
                  'DRIVER_DIRECT: the migration joins the person of the driver it names');
SELECT is((SELECT reason_code FROM t_queue WHERE source_table = 'module_ct_migrations' AND source_pk = '910002'),
          'DRIVER_NOT_FOUND', 'a migration naming an unknown driver is queued as DRIVER_NOT_FOUND');

-- households, shared phones, ambiguity
SELECT ok((SELECT match_rule = 'NEW_PERSON' AND evidence::text LIKE '%HOUSEHOLD%' FROM t_link
           WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '910002'),
          'household: a relative on the same phone is not the driver (HOUSEHOLD veto) and becomes a new person');
SELECT isnt((SELECT person_key FROM t_link WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '910002'),
            (SELECT person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 't-d6'),
            'household: the relative does not get the driver''s person_key');
SELECT results_eq($$SELECT reason_code, (details ->> 'shared_phone')::boolean FROM t_queue
                    WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '910003'$$,
                  $$VALUES ('MISSING_IDENTIFIERS'::text, true)$$,
                  'a phone shared by more than max_phone_group_size persons is not an identifier');
SELECT ok((SELECT count(*) = 3 AND count(DISTINCT person_key) = 1 AND min(match_rule) FILTER (WHERE source_table <> 'drivers') = 'DNI'
           FROM t_link WHERE (source_table, source_pk) IN (('module_ct_scouting_daily', '910004'), ('drivers', 't-d7'), ('drivers', 't-d8'))),
          'phone on one driver row, document (many bits stronger) on another of the same name: linked DNI, both rows join');
SELECT ok((SELECT evidence::text NOT LIKE '%HYUNDAI%' AND evidence::text LIKE '%***%'
                  AND (evidence ->> 'probability')::numeric BETWEEN 0.95 AND 0.99
                  AND evidence -> 'levels' ->> 5 = 'SAME'
           FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c4'),
          'the link''s evidence gives its probability and compared levels, keys masked');
SELECT is((SELECT match_rule FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 't-c5'),
          'NEW_PERSON', 'same plate but a name below the threshold: the plate is an identifier, the record founds a person');
SELECT is((SELECT count(*)::int FROM t_queue WHERE source_table = 'module_ct_scouting_daily'
           AND source_pk IN ('910005', '910006', '910007', '910008') AND reason_code = 'MISSING_IDENTIFIERS'),
          4, 'garbage identifiers (letters, 7 digits, 300 characters, emoji, spaces) are classified, never abort');

-- the same new human in two sources in one run
SELECT ok((SELECT count(DISTINCT person_key) = 1 AND count(*) = 2 FROM t_link
           WHERE (source_table, source_pk) IN (('module_ct_cabinet_leads', 't-c6'), ('module_ct_scouting_daily', '910009'))),
          'a cabinet lead and a scouting registration of one new human share one new person');
SELECT is((SELECT count(*)::int FROM t_link WHERE source_table IN ('module_ct_cabinet_leads', 'module_ct_scouting_daily')
           AND source_pk IN ('t-c6', '910009') AND match_rule = 'NEW_PERSON'), 2,
          'both records of the new human are NEW_PERSON links');
SELECT is_empty($$SELECT 1 FROM t_link WHERE evidence::text ~ '98765[0-9]{4}|4000000[0-9]'$$,
                'no raw phone or document in any link evidence');
SELECT is((SELECT status FROM ops.run_log WHERE run_id = (SELECT (result ->> 'run_id')::bigint FROM t_run)),
          'succeeded', 'the run is logged in ops.run_log as succeeded');
-- plans: the drivers that records linked to found new persons, and the planner is told so (docs/identity.md,
-- "Plans that stay linear": analyzed before they were set, every entity looked like one without)
SELECT ok((SELECT st.null_frac < 1 FROM pg_catalog.pg_stats AS st
           WHERE st.schemaname = 'canon' AND st.tablename = 'identity_work_entity' AND st.attname = 'new_person_key'),
          'the entities'' new persons are analyzed once set: their statistics are not all NULL');

-- stability: a second run decides nothing again, creates no link, changes no key
CREATE TEMP TABLE t_before AS SELECT source_table, source_pk, person_key FROM canon.identity_links;
CREATE TEMP TABLE t_run2 AS SELECT canon.run_identity('2024-03-01', '2024-03-31') AS result;
SELECT set_eq($$SELECT source_table, source_pk, person_key FROM canon.identity_links$$,
              $$SELECT source_table, source_pk, person_key FROM t_before$$,
              'a second run creates no link and changes no person_key');
SELECT is((SELECT sum((value ->> 'processed')::int)::int FROM t_run2, jsonb_each(result -> 'sources')), 0,
          'a second run with nothing new decides no record');

-- a new target park: the drivers it moves in or out are normalized again (R4 blocks target-park drivers only)
SELECT ok((SELECT cardinality(name_blocks) > 0 FROM canon.drivers_index WHERE driver_id = 't-d4'),
          'a target-park driver with a car carries the name blocks rule R4 reads');
SELECT is((SELECT name_blocks FROM canon.drivers_index WHERE driver_id = 't-w3'), '{}'::text[],
          'a driver of another park carries no name blocks (R4 reads the target park only)');
UPDATE ops.settings SET value = 'otherpark' WHERE key = 'target_park_id';
CREATE TEMP TABLE t_run3 AS SELECT canon.run_identity('2024-03-01', '2024-03-31') AS result;
SELECT is((SELECT name_blocks FROM canon.drivers_index WHERE driver_id = 't-d4'), '{}'::text[],
          'after target_park_id changes, a driver moved out of the target park is re-normalized without blocks');
SELECT ok((SELECT cardinality(name_blocks) > 0 FROM canon.drivers_index WHERE driver_id = 't-w3'),
          'and a driver with a car moved into the target park gets its name blocks');
UPDATE ops.settings SET value = '08e20910d81d42658d4334d3f6d10ac0' WHERE key = 'target_park_id';

-- term frequency: the same car and full name as Pedro's link above (70 days apart), but the full name
-- is held by four drivers: log2(4) = 2 bits less, under link_threshold, so queued with the driver first
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, car_brand, car_model, hire_date) VALUES
    ('t-n1', '08e20910d81d42658d4334d3f6d10ac0', 'Nora', 'Ibarra Luna', 'IBARRA LUNA NORA', 'Kia', 'Soluto', '2024-01-10'),
    ('t-n2', '08e20910d81d42658d4334d3f6d10ac0', 'Nora', 'Ibarra Luna', 'IBARRA LUNA NORA', NULL, NULL, '2022-05-01'),
    ('t-n3', 'otherpark', 'Nora', 'Ibarra Luna', 'IBARRA LUNA NORA', NULL, NULL, '2021-05-01'),
    ('t-n4', 'otherpark', 'Nora', 'Ibarra Luna', 'IBARRA LUNA NORA', NULL, NULL, '2020-05-01');
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, asset_model) VALUES
    (910011, 't-c11', '2024-03-20 10:00', 'Nora', 'Ibarra Luna', 'Kia Soluto');
CREATE TEMP TABLE t_run4 AS SELECT canon.run_identity('2024-03-01', '2024-03-31') AS result;
SELECT results_eq($$SELECT q.reason_code, q.candidates -> 0 ->> 'driver_id', (q.candidates -> 0 ->> 'probability')::numeric < 0.95,
                           EXISTS (SELECT 1 FROM canon.identity_links l WHERE l.source_pk = 't-c11')
                    FROM t_queue AS q WHERE q.source_table = 'module_ct_cabinet_leads' AND q.source_pk = 't-c11'$$,
                  $$VALUES ('NEEDS_REVIEW'::text, 't-n1'::text, true, false)$$,
                  'a car + full name held by four drivers weighs 2 bits less (term frequency): not linked, queued with the driver');

-- errors
SELECT throws_ok($$SELECT canon.run_identity(NULL, '2024-03-01')$$, '22004', NULL, 'a NULL date is refused');
SELECT throws_ok($$SELECT canon.run_identity('2024-03-31', '2024-03-01')$$, '22023',
                 'date_from 2024-03-31 is after date_to 2024-03-01', 'an inverted range is refused with both dates');

SELECT * FROM finish();
ROLLBACK;
