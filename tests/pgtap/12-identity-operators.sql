-- Operator functions: resolve, ignore, merge; a RESOLVED or IGNORED queue row is never reopened.
BEGIN;
SET client_min_messages = warning;
SELECT plan(35);

SELECT has_function('canon', 'resolve_unmatched', ARRAY['text', 'text', 'uuid', 'text'], 'canon.resolve_unmatched exists');
SELECT has_function('canon', 'ignore_unmatched', ARRAY['text', 'text', 'text'], 'canon.ignore_unmatched exists');
SELECT has_function('canon', 'merge_persons', ARRAY['uuid', 'uuid', 'text'], 'canon.merge_persons exists');

-- two new persons (own phones) and two records with nothing usable, in April 2024
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone) VALUES
    (920001, 'op-1', '2024-04-02 10:00', 'Elena', 'Soto Vera', '987660001'),
    (920002, 'op-2', '2024-04-03 10:00', 'Elena', 'Soto', '987660002'),
    (920003, 'op-3', '2024-04-04 10:00', 'Sin', 'Datos', NULL),
    (920004, 'op-4', '2024-04-05 10:00', 'Otro', 'Datos', 'n/a'),
    (920005, 'op-5', '2024-04-06 10:00', 'Nadie', 'Nada', NULL);
SELECT lives_ok($$SELECT canon.run_identity('2024-04-01', '2024-04-30')$$, 'identity runs on the fixture');
CREATE TEMP VIEW t_key AS
    SELECT source_pk, person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads';

-- resolve
SELECT lives_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'op-3',
                    (SELECT person_key FROM t_key WHERE source_pk = 'op-1'), 'same person, checked by phone call')$$,
                'an OPEN record is resolved to a person');
SELECT results_eq($$SELECT l.match_rule, l.match_score, l.confidence_level, l.person_key FROM canon.identity_links l
                    WHERE l.source_table = 'module_ct_cabinet_leads' AND l.source_pk = 'op-3'$$,
                  $$SELECT 'MANUAL'::text, 100::numeric(5, 2), 'HIGH'::text, person_key FROM t_key WHERE source_pk = 'op-1'$$,
                  'the resolved record is linked as MANUAL, 100, HIGH');
SELECT results_eq($$SELECT status, note, resolved_at IS NOT NULL FROM canon.identity_unmatched
                    WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'op-3'$$,
                  $$VALUES ('RESOLVED'::text, 'same person, checked by phone call'::text, true)$$,
                  'the queue row is RESOLVED with its note and time');

-- ignore
SELECT lives_ok($$SELECT canon.ignore_unmatched('module_ct_cabinet_leads', 'op-4', 'test row')$$, 'an OPEN record is ignored');
SELECT is((SELECT status FROM canon.identity_unmatched WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'op-4'),
          'IGNORED', 'the queue row is IGNORED');

-- never reopened: a new driver makes identity re-read the queue; the closed rows stay closed
INSERT INTO public.drivers (driver_id, park_id, full_name, phone, hire_date)
VALUES ('op-d1', '08e20910d81d42658d4334d3f6d10ac0', 'OTRO SIN DATOS', '987660099', '2024-04-10');
UPDATE public.module_ct_cabinet_leads SET park_phone = '987660099' WHERE id = 920004;
SELECT lives_ok($$SELECT canon.run_identity('2024-04-01', '2024-04-30')$$, 'identity runs again after new data');
SELECT results_eq($$SELECT source_pk, status FROM canon.identity_unmatched
                    WHERE source_table = 'module_ct_cabinet_leads' AND source_pk IN ('op-3', 'op-4') ORDER BY 1$$,
                  $$VALUES ('op-3'::text, 'RESOLVED'::text), ('op-4', 'IGNORED')$$,
                  'RESOLVED and IGNORED rows are never reopened');
SELECT is_empty($$SELECT 1 FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'op-4'$$,
                'an IGNORED record is not linked by a later run');

-- merge
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key)
SELECT 'module_ct_cabinet_leads', 'op-2', '2024-04-03', person_key FROM t_key WHERE source_pk = 'op-2';
CREATE TEMP TABLE t_pair AS
    SELECT (SELECT person_key FROM t_key WHERE source_pk = 'op-1') AS keep,
           (SELECT person_key FROM t_key WHERE source_pk = 'op-2') AS drop;
SELECT lives_ok($$SELECT canon.merge_persons((SELECT keep FROM t_pair), (SELECT drop FROM t_pair), 'duplicate')$$,
                'two persons are merged');
SELECT is((SELECT person_key FROM t_key WHERE source_pk = 'op-2'), (SELECT keep FROM t_pair),
          'the dropped person''s links point to the kept person');
SELECT is((SELECT person_key FROM observational.lead_events WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'op-2'),
          (SELECT keep FROM t_pair), 'the dropped person''s events point to the kept person');
SELECT is((SELECT merged_into FROM canon.identity_registry WHERE person_key = (SELECT drop FROM t_pair)),
          (SELECT keep FROM t_pair), 'the dropped registry row records merged_into');
SELECT results_eq($$SELECT kept_person_key, dropped_person_key, links_moved, events_moved FROM canon.person_merges
                    WHERE dropped_person_key = (SELECT drop FROM t_pair)$$,
                  $$SELECT keep, drop, 1, 1 FROM t_pair$$, 'the merge history keeps both keys and the counts');

-- errors: each one matched by its own message, so another check raising the same SQLSTATE cannot pass
SELECT is((SELECT status FROM canon.identity_unmatched WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'op-5'),
          'OPEN', 'op-5 is still OPEN for the error cases below');
SELECT throws_ok($$SELECT canon.resolve_unmatched(NULL, 'op-3', gen_random_uuid(), NULL)$$, '22004',
                 'resolve_unmatched needs a source_table, a source_pk and a person_key',
                 'resolve: a NULL argument is refused');
SELECT throws_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'no-such-pk', (SELECT keep FROM t_pair), NULL)$$,
                 '22023', 'no unmatched record module_ct_cabinet_leads/no-such-pk', 'resolve: an unknown record is refused');
SELECT throws_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'op-3', (SELECT keep FROM t_pair), NULL)$$,
                 '22023', 'unmatched record module_ct_cabinet_leads/op-3 is already RESOLVED',
                 'resolve: a RESOLVED row cannot be resolved again');
SELECT throws_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'op-4', (SELECT keep FROM t_pair), NULL)$$,
                 '22023', 'unmatched record module_ct_cabinet_leads/op-4 is already IGNORED',
                 'resolve: an IGNORED row cannot be resolved');
SELECT throws_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'op-5', '00000000-0000-0000-0000-000000000001', NULL)$$,
                 '22023', 'unknown person 00000000-0000-0000-0000-000000000001',
                 'resolve: an unknown person is refused');
SELECT throws_ok($$SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'op-5', (SELECT drop FROM t_pair), NULL)$$,
                 '22023', (SELECT format('person %s was merged into %s', drop, keep) FROM t_pair),
                 'resolve: a merged person receives no link');
SELECT results_eq($$SELECT u.status, (SELECT count(*) FROM canon.identity_links AS l
                                      WHERE l.source_table = u.source_table AND l.source_pk = u.source_pk)
                    FROM canon.identity_unmatched AS u WHERE u.source_table = 'module_ct_cabinet_leads' AND u.source_pk = 'op-5'$$,
                  $$VALUES ('OPEN'::text, 0::bigint)$$, 'a refused resolve leaves the row OPEN and unlinked');
SELECT throws_ok($$SELECT canon.ignore_unmatched('module_ct_cabinet_leads', NULL, NULL)$$, '22004',
                 'ignore_unmatched needs a source_table and a source_pk', 'ignore: a NULL argument is refused');
SELECT throws_ok($$SELECT canon.ignore_unmatched('module_ct_cabinet_leads', 'no-such-pk', NULL)$$, '22023',
                 'no unmatched record module_ct_cabinet_leads/no-such-pk', 'ignore: an unknown record is refused');
SELECT throws_ok($$SELECT canon.ignore_unmatched('module_ct_cabinet_leads', 'op-3', NULL)$$, '22023',
                 'unmatched record module_ct_cabinet_leads/op-3 is already RESOLVED', 'ignore: a RESOLVED row cannot be ignored');
SELECT throws_ok($$SELECT canon.ignore_unmatched('module_ct_cabinet_leads', 'op-4', NULL)$$, '22023',
                 'unmatched record module_ct_cabinet_leads/op-4 is already IGNORED', 'ignore: an IGNORED row cannot be ignored again');
SELECT throws_ok($$SELECT canon.merge_persons((SELECT keep FROM t_pair), (SELECT keep FROM t_pair), NULL)$$, '22023',
                 (SELECT format('cannot merge person %s into itself', keep) FROM t_pair),
                 'merge: a person cannot be merged into itself');
SELECT throws_ok($$SELECT canon.merge_persons((SELECT keep FROM t_pair), (SELECT drop FROM t_pair), NULL)$$, '22023',
                 (SELECT format('person %s is already merged', drop) FROM t_pair),
                 'merge: an already merged person is refused (as p_drop)');
SELECT throws_ok($$SELECT canon.merge_persons((SELECT drop FROM t_pair), (SELECT keep FROM t_pair), NULL)$$, '22023',
                 (SELECT format('person %s is already merged', drop) FROM t_pair),
                 'merge: an already merged person is refused (as p_keep)');
SELECT throws_ok($$SELECT canon.merge_persons('00000000-0000-0000-0000-000000000001', (SELECT keep FROM t_pair), NULL)$$,
                 '22023', 'unknown person 00000000-0000-0000-0000-000000000001 (p_keep)', 'merge: an unknown p_keep is refused');
SELECT throws_ok($$SELECT canon.merge_persons((SELECT keep FROM t_pair), '00000000-0000-0000-0000-000000000001', NULL)$$,
                 '22023', 'unknown person 00000000-0000-0000-0000-000000000001 (p_drop)', 'merge: an unknown p_drop is refused');
SELECT throws_ok($$SELECT canon.merge_persons(NULL, (SELECT drop FROM t_pair), NULL)$$, '22004',
                 'merge_persons needs both person keys', 'merge: a NULL person is refused');

SELECT * FROM finish();
ROLLBACK;
