-- canon.run_identity: the recall fixes (shared-phone guard and name variants, weak candidates with a
-- strong key, one human's driver rows in two parks) and the precision guards kept beside them, April 2024.
BEGIN;
SET client_min_messages = warning;
SELECT plan(26);

-- shape
SELECT has_function('canon', 'drop_secondary_indexes', ARRAY['regclass'], 'canon.drop_secondary_indexes(regclass) exists');
SELECT has_function('canon', 'create_indexes', ARRAY['text[]'], 'canon.create_indexes(text[]) exists');
SELECT ok(NOT has_function_privilege('lead_attribution_job', 'canon.drop_secondary_indexes(regclass)', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_writer', 'canon.create_indexes(text[])', 'EXECUTE'),
          'only the owner may drop and build identity indexes');
SELECT has_function('canon', 'lock_for_bulk_load', ARRAY['regclass[]'], 'canon.lock_for_bulk_load(regclass[]) exists');
SELECT has_function('canon', 'bulk_load_statement_ok', ARRAY['text'], 'canon.bulk_load_statement_ok(text) exists');
SELECT ok(NOT has_function_privilege('lead_attribution_job', 'canon.lock_for_bulk_load(regclass[])', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_writer', 'canon.lock_for_bulk_load(regclass[])', 'EXECUTE'),
          'only the owner may lock tables for a bulk load');

-- fixtures
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number,
                            document_number, car_brand, car_model, car_number, hire_date) VALUES
    ('r-w1', '08e20910d81d42658d4334d3f6d10ac0', 'Alberto', 'Quispe Mamani', 'QUISPE MAMANI ALBERTO', NULL, NULL, NULL, NULL, NULL, 'WKP101', '2024-01-10'),
    ('r-w2', '08e20910d81d42658d4334d3f6d10ac0', 'Roberto', 'Quispe Lopez', 'QUISPE LOPEZ ROBERTO', NULL, NULL, '40000401', NULL, NULL, NULL, '2024-04-02'),
    ('r-g1', '08e20910d81d42658d4334d3f6d10ac0', 'Pedro', 'Vilca Ramos', 'VILCA RAMOS PEDRO', '987665003', NULL, '40000503', NULL, NULL, NULL, '2024-04-01'),
    ('r-g2', 'otherpark', 'Pedro', 'Vilca Ramos', 'VILCA RAMOS PEDRO', '987665004', NULL, '40000503', NULL, NULL, NULL, '2022-05-01'),
    ('r-f1', '08e20910d81d42658d4334d3f6d10ac0', 'Juan', 'Perez Garcia', 'PEREZ GARCIA JUAN', '987662001', 'Q40000301', '40000301', NULL, NULL, NULL, '2024-03-01'),
    ('r-f2', 'otherpark', 'Juan', 'Perez Lopez', 'PEREZ LOPEZ JUAN', '987662001', 'Q40000302', '40000302', NULL, NULL, NULL, '2021-03-01');

INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, middle_name, last_name,
                                            park_phone, asset_plate_number, asset_model) VALUES
    (920001, 'r-c1', '2024-04-03 10:00', 'Roberto', NULL, 'Quispe López', '987664001', 'WKP-101', NULL),
    (920002, 'r-c2', '2024-04-04 10:00', 'Pedro', NULL, 'Vilca Ramos', '987665003', NULL, NULL),
    (920003, 'r-c3', '2024-04-05 10:00', 'Pedro', NULL, 'Vilca Ramos', '987665004', NULL, NULL),
    (920004, 'r-c4', '2024-04-06 10:00', 'Juan', NULL, 'Pérez', '987662001', NULL, NULL);

INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                                             driver_license, driver_document) VALUES
    (920001, '2024-04-02', 1, 'ANTONIO HENRY HUARCAYA TORRES', '987663001', NULL, NULL),
    (920002, '2024-04-03', 1, 'HENRY HUARCAYA TORRES', '987663001', NULL, NULL),
    (920003, '2024-04-04', 1, 'ANTONIO HUARCAYA TORRES', '987663001', NULL, NULL),
    (920004, '2024-04-05', 1, 'ANTONIO HENRY HUARCAYA', '987663001', NULL, NULL),
    (920005, '2024-04-03', 1, 'ROBERTO QUISPE LOPEZ', '987664001', NULL, '40000401'),
    (920006, '2024-04-06', 1, 'JUAN PEREZ LOPEZ', '987662001', NULL, '40000302');

CREATE TEMP TABLE t_run AS SELECT canon.run_identity('2024-04-01', '2024-04-30') AS result;
CREATE TEMP VIEW t_link AS SELECT l.source_table, l.source_pk, l.person_key, l.match_rule FROM canon.identity_links AS l;
CREATE TEMP VIEW t_queue AS SELECT u.source_table, u.source_pk, u.reason_code FROM canon.identity_unmatched AS u;

-- shared-phone guard: four spellings of one human are one holder, not four; HENRY HUARCAYA TORRES and
-- ANTONIO HUARCAYA TORRES are a household veto inside the group, so the group is queued, not merged
SELECT is((SELECT count(*)::int FROM t_queue
           WHERE source_table = 'module_ct_scouting_daily' AND source_pk IN ('920001', '920002', '920003', '920004')
             AND reason_code = 'NEEDS_REVIEW'), 4,
          'name variants behind one phone with a veto between two of them: the group is queued NEEDS_REVIEW');
SELECT is_empty($$SELECT 1 FROM canon.identity_unmatched WHERE source_table = 'module_ct_scouting_daily'
                  AND source_pk IN ('920001', '920002', '920003', '920004')
                  AND (details ->> 'shared_phone' IS NOT NULL OR details ->> 'cluster_veto' IS DISTINCT FROM 'HOUSEHOLD')$$,
                'none of the variants is queued as a shared phone: the phone stays usable, the veto is named');

-- weak candidate + strong key: the phone reaches a record linked by document
SELECT results_eq($$SELECT match_rule, person_key FROM t_link WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'r-c1'$$,
                  $$SELECT 'PHONE+NAME'::text, person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 'r-w2'$$,
                  'a record whose only candidate is weak joins, by its phone, the person of a record linked in the same run');
SELECT is_empty($$SELECT 1 FROM t_queue WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'r-c1'$$,
                'and it is not left in the queue as WEAK_MATCH_ONLY');

-- driver grouping: one document in two parks is one human; two documents on one phone are two
SELECT ok((SELECT count(*) = 4 AND count(DISTINCT person_key) = 1 FROM t_link
           WHERE (source_table, source_pk) IN (('drivers', 'r-g1'), ('drivers', 'r-g2'),
                 ('module_ct_cabinet_leads', 'r-c2'), ('module_ct_cabinet_leads', 'r-c3'))),
          'a human''s target-park and other-park driver rows (same document) and their leads are one new person');
SELECT isnt((SELECT person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 'r-f1'),
            (SELECT person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 'r-f2'),
            'father and son (same given name, one phone, two documents) stay two persons');
SELECT results_eq($$SELECT person_key FROM t_link WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '920006'$$,
                  $$SELECT person_key FROM t_link WHERE source_table = 'drivers' AND source_pk = 'r-f2'$$,
                  'the registration carrying the son''s document is the son''s person');

-- label propagation (connected components of identity's work graph): a chain whose smallest label is
-- at one end needs one iteration per hop; after the first iteration only moved nodes' edges are read
TRUNCATE canon.identity_work_edge, canon.identity_work_node;
INSERT INTO canon.identity_work_node (node_id, label) SELECT g, g FROM generate_series(1, 9) AS g;
INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
SELECT d.a, d.b, e.r FROM (VALUES (1, 2, 'R1_PHONE_EXACT'), (2, 3, 'R1_PHONE_EXACT'), (3, 4, 'R2_LICENSE_EXACT'),
                            (4, 5, 'R1_PHONE_EXACT'), (5, 6, 'R1_PHONE_EXACT'), (7, 8, 'ENTITY'),
                            (8, 9, 'ENTITY'), (6, 9, 'ENTITY')) AS e (a, b, r)
CROSS JOIN LATERAL (VALUES (e.a, e.b), (e.b, e.a)) AS d (a, b);
SELECT is(canon.propagate_labels('ENTITY'), 4, 'ENTITY edges only: the path 6-9-8-7 settles in three moves and a quiet pass');
SELECT is(ARRAY(SELECT label FROM canon.identity_work_node ORDER BY node_id), ARRAY[1, 2, 3, 4, 5, 6, 6, 6, 6],
          'ENTITY propagation reaches 7, 8 and 9 from 6 and leaves the record edges alone');
UPDATE canon.identity_work_node SET label = node_id;
SELECT is(canon.propagate_labels(NULL), 9, 'all edges: one iteration per hop of the longest path from node 1 (8) and a quiet one');
SELECT is(ARRAY(SELECT DISTINCT label FROM canon.identity_work_node), ARRAY[1], 'all edges: one component, labelled 1');

-- foreign keys of a bulk load (canon.identity_write on a first load): dropped with the statements that
-- add them back, added back validated
CREATE TEMP TABLE t_keys AS SELECT canon.drop_secondary_indexes('canon.identity_links'::regclass) AS defs;
SELECT is((SELECT defs[cardinality(defs)] FROM t_keys),
          'ALTER TABLE canon.identity_links ADD CONSTRAINT identity_links_person_key_fkey FOREIGN KEY (person_key) REFERENCES canon.identity_registry(person_key)',
          'drop_secondary_indexes returns, after the indexes, the statement adding the links'' key to the persons back');
SELECT is_empty($$SELECT 1 FROM pg_constraint WHERE conrelid = 'canon.identity_links'::regclass AND contype = 'f'
                  UNION ALL SELECT 1 FROM pg_index WHERE indrelid = 'canon.identity_links'::regclass AND NOT indisunique$$,
                'and the key and the secondary indexes are dropped');
SELECT is(canon.create_indexes((SELECT defs FROM t_keys)), (SELECT cardinality(defs) FROM t_keys),
          'create_indexes builds the indexes and adds the key back');
SELECT ok((SELECT convalidated FROM pg_constraint WHERE conrelid = 'canon.identity_links'::regclass AND contype = 'f'
             AND pg_get_constraintdef(oid) = 'FOREIGN KEY (person_key) REFERENCES canon.identity_registry(person_key)'),
          'validated, with its definition');

-- errors
SELECT throws_ok($$SELECT canon.drop_secondary_indexes(NULL)$$, '22004', NULL, 'drop_secondary_indexes refuses a NULL table');
SELECT throws_ok($$SELECT canon.lock_for_bulk_load(ARRAY['canon.lead_keys'::regclass, NULL])$$, '22004', NULL,
                 'lock_for_bulk_load refuses a NULL table');
SELECT throws_ok($$SELECT canon.create_indexes(ARRAY['ALTER TABLE canon.identity_links DROP CONSTRAINT identity_links_pkey'])$$,
                 '22023', 'not an index or foreign key definition', 'create_indexes runs nothing but building an index or adding a foreign key');
SELECT throws_ok($$SELECT canon.create_indexes(ARRAY['ALTER TABLE canon.identity_links ADD CONSTRAINT k FOREIGN KEY (person_key) REFERENCES canon.identity_registry(person_key); DROP TABLE canon.lead_keys'])$$,
                 '22023', 'not an index or foreign key definition', 'create_indexes refuses a foreign key followed by another statement');
SELECT throws_ok($$SELECT canon.create_indexes(ARRAY['CREATE INDEX i ON canon.lead_keys USING btree (phone); DROP TABLE canon.lead_keys'])$$,
                 '22023', 'not an index or foreign key definition', 'create_indexes refuses an index followed by another statement');

SELECT * FROM finish();
ROLLBACK;
