-- canon.run_identity on an incremental run: only the OPEN records sharing a blocking key with what
-- changed are decided again (canon.identity_scope_recheck, the run's "rechecked" count), closed over the
-- keys of the records decided again; a record sharing nothing keeps its queue row untouched.
BEGIN;
SET client_min_messages = warning;
SELECT plan(12);

-- shape
SELECT has_function('canon', 'identity_scope_recheck', ARRAY['bigint', 'date', 'date', 'text'],
                    'canon.identity_scope_recheck(bigint, date, date, text) exists');
SELECT ok(NOT has_function_privilege('lead_attribution_writer', 'canon.identity_scope_recheck(bigint, date, date, text)', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_job', 'canon.identity_scope_recheck(bigint, date, date, text)', 'EXECUTE'),
          'the stage is not granted to the job and writer roles');
SELECT is(canon.identity_record_keys('987000111', ARRAY['L:Q1', 'N:1'], 'ABC123', ARRAY['ROSA', 'MAMANI', 'CCAHUANA'],
                                     'ROSA', ARRAY['MAMANI', 'CCAHUANA'], 'TOYOTA YARIS', ARRAY['B1'], 'd-1',
                                     '2000-03-05', 30),
          ARRAY['L:Q1', 'N:1', 'P:987000111', 'T:ABC123', 'D:d-1', 'F:ROSA MAMANI CCAHUANA', 'G:ROSA MAMANI@1',
                'G:ROSA MAMANI@2', 'G:ROSA MAMANI@3', 'G:ROSA CCAHUANA@1', 'G:ROSA CCAHUANA@2', 'G:ROSA CCAHUANA@3',
                'C:TOYOTA YARIS B1'],
          'a record''s blocking keys, each with its kind; name keys in the date bucket and both neighbours');

-- three migrations naming drivers that do not exist yet: OPEN as DRIVER_NOT_FOUND. A and C carry the
-- same name, B another one
INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, hire_date) VALUES
    (930001, 'rs-d1', 'ROSA MAMANI CCAHUANA', 1, '2024-05-10'),
    (930002, 'rs-d9', 'EDGAR FLORES QUISPE', 1, '2024-05-11'),
    (930003, 'rs-d3', 'ROSA MAMANI CCAHUANA', 1, '2024-05-12');
CREATE TEMP TABLE t_run1 AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
SELECT is((SELECT count(*) FROM canon.identity_unmatched
           WHERE source_table = 'module_ct_migrations' AND source_pk IN ('930001', '930002', '930003')
             AND reason_code = 'DRIVER_NOT_FOUND' AND status = 'OPEN'), 3::bigint,
          'the three migrations are queued DRIVER_NOT_FOUND');
SELECT is((SELECT result -> 'rechecked' FROM t_run1), '0'::jsonb, 'a first run has no OPEN record to decide again');

CREATE TEMP TABLE t_run2 AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
SELECT is((SELECT jsonb_typeof(result -> 'rechecked') FROM t_run2), 'null',
          'nothing changed: no OPEN record is examined');

-- A's driver arrives, under another name: A shares only its driver id with it; C shares only its name with A
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number,
                            document_number, car_brand, car_model, car_number, hire_date) VALUES
    ('rs-d1', '08e20910d81d42658d4334d3f6d10ac0', 'Luis', 'Torres Vega', 'TORRES VEGA LUIS', NULL, NULL, NULL,
     NULL, NULL, NULL, '2024-05-09');
CREATE TEMP TABLE t_run3 AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
SELECT is((SELECT (result -> 'rechecked')::text || ' ' || (result -> 'sources' -> 'module_ct_migrations' ->> 'processed') FROM t_run3), '2 2',
          'the new driver: A (its driver id) and C (A''s name, the closure over A''s keys) are decided again, B is not');
SELECT is((SELECT match_rule FROM canon.identity_links WHERE source_table = 'module_ct_migrations' AND source_pk = '930001'),
          'DRIVER_DIRECT', 'A is decided again and links to its driver');
SELECT ok(NOT EXISTS (SELECT 1 FROM canon.identity_unmatched WHERE source_table = 'module_ct_migrations' AND source_pk = '930001'),
          'and leaves the queue');
SELECT is((SELECT reason_code || ' run ' || (run_id = (SELECT (result ->> 'run_id')::bigint FROM t_run1))::text
           FROM canon.identity_unmatched WHERE source_table = 'module_ct_migrations' AND source_pk = '930002'),
          'DRIVER_NOT_FOUND run true', 'B (sharing nothing) keeps the queue row its first run wrote');

-- the link of A is a change C shares a name with, but C was decided in that run after it (its NAME+DATE
-- candidates are read after the run's links): the next run with a change decides neither again
INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, hire_date) VALUES
    (930004, 'rs-d7', 'WALTER HUAMAN RIOS', 1, '2024-05-13');
CREATE TEMP TABLE t_run4 AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
SELECT is((SELECT (result -> 'rechecked')::text || ' ' || (result -> 'sources' -> 'module_ct_migrations' ->> 'processed') FROM t_run4), '0 1',
          'a new record sharing nothing: only it is decided, no OPEN record again');

-- another setting: the stored decisions were taken with other inputs, every OPEN record is decided again
SELECT ops.set_setting('review_threshold', '0.6', 'test: decisions depend on it');
INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, hire_date) VALUES
    (930005, 'rs-d5', 'JORGE PAZ ROJAS', 1, '2024-05-14');
CREATE TEMP TABLE t_run5 AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
SELECT is((SELECT result -> 'rechecked' FROM t_run5), '3'::jsonb,
          'after a settings change every OPEN record (B, C, the record of the last run) is decided again');

SELECT * FROM finish();
ROLLBACK;
