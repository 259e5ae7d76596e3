-- The name side of identity on seeded work tables: the NAME+DATE stage (canon.identity_link_names)
-- blocks a record whose given name or surname carries one typo with the records of its human (the
-- typo-tolerant keys, canon.name_token_variants), keeps the block cap on them, and leaves a name more
-- than one typo away out; canon.estimate_match_weights counts the u of SAME_FULL_NAME over persons.
BEGIN;
SET client_min_messages = warning;
SELECT plan(11);

TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES
    ('00000000-0000-4000-8000-000000180001', 'HIGH'), ('00000000-0000-4000-8000-000000180002', 'HIGH'),
    ('00000000-0000-4000-8000-000000180003', 'HIGH'), ('00000000-0000-4000-8000-000000180004', 'HIGH');
-- Percy (two records sharing a DNI), Juan (one surname), and two persons holding the same full name
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, id_keys, name_tokens, name_given, surnames,
                             two_surnames, row_hash)
VALUES ('module_ct_cabinet_leads', 'nt-a1', '2031-03-10', '987661801', '{N:41800001}', '{MAMANI,PERCY,QUISPE}', 'PERCY', '{QUISPE,MAMANI}', true, 'x'),
       ('module_ct_cabinet_leads', 'nt-a2', '2030-11-02', '987661801', '{N:41800001}', '{MAMANI,PERCY,QUISPE}', 'PERCY', '{QUISPE,MAMANI}', true, 'x'),
       ('module_ct_cabinet_leads', 'nt-b1', '2031-03-10', '987661802', '{}', '{JUAN,QUISPE}', 'JUAN', '{QUISPE}', false, 'x'),
       ('module_ct_cabinet_leads', 'nt-c1', '2030-01-05', '987661803', '{}', '{CRUZ,RAMOS,ROSA}', 'ROSA', '{CRUZ,RAMOS}', true, 'x'),
       ('module_ct_cabinet_leads', 'nt-d1', '2030-02-05', '987661804', '{}', '{CRUZ,RAMOS,ROSA}', 'ROSA', '{CRUZ,RAMOS}', true, 'x');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000180001', 'module_ct_cabinet_leads', 'nt-a1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000180001', 'module_ct_cabinet_leads', 'nt-a2', 'R2_LICENSE_EXACT', 95, 'HIGH'),
       ('00000000-0000-4000-8000-000000180002', 'module_ct_cabinet_leads', 'nt-b1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000180003', 'module_ct_cabinet_leads', 'nt-c1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000180004', 'module_ct_cabinet_leads', 'nt-d1', 'NEW_PERSON', 100, 'HIGH');
-- name-only registrations: PERYC (the given name with two letters swapped), QUSIPE (the only surname
-- with two letters swapped), PEDRO (another given name, two letters from PERCY)
INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone_usable, name_tokens,
                                         given_name, name_given, surnames, two_surnames)
VALUES (1, 'module_ct_scouting_daily', 'nt-s1', '2031-03-12', false, '{MAMANI,PERYC,QUISPE}', 'PERYC', 'PERYC', '{QUISPE,MAMANI}', true),
       (2, 'module_ct_scouting_daily', 'nt-s2', '2031-03-11', false, '{JUAN,QUSIPE}', 'JUAN', 'JUAN', '{QUSIPE}', false),
       (3, 'module_ct_scouting_daily', 'nt-s3', '2031-03-11', false, '{MAMANI,PEDRO,QUISPE}', 'PEDRO', 'PEDRO', '{QUISPE,MAMANI}', true);
INSERT INTO canon.identity_unmatched (source_table, source_pk, reason_code)
SELECT source_table, source_pk, 'MISSING_IDENTIFIERS' FROM canon.identity_work_subject;

CREATE TEMP TABLE t_result AS
    SELECT canon.identity_link_names(0, canon.match_weight_map(), 0.66, 0.99, 0.5, 3, 50, 30) AS result;
SELECT is((SELECT (result ->> 'pairs')::int FROM t_result), 1,
          'the typo-tolerant keys pair PERYC with PERCY; JUAN QUSIPE meets JUAN QUISPE in a block but one surname cannot reach a strong name level, so the pair is not compared');
SELECT results_eq($$SELECT reason_code, candidates -> 0 ->> 'person_key', candidates -> 0 -> 'matched' ->> 'source_pk'
                    FROM canon.identity_unmatched WHERE source_pk = 'nt-s1'$$,
                  $$VALUES ('NEEDS_REVIEW'::text, '00000000-0000-4000-8000-000000180001'::text, 'nt-a1'::text)$$,
                  'PERYC QUISPE MAMANI two days after PERCY QUISPE MAMANI: Percy is its candidate (given name and both surnames, up to a typo)');
SELECT is((SELECT candidates FROM canon.identity_unmatched WHERE source_pk = 'nt-s2'), '[]'::jsonb,
          'JUAN QUSIPE meets JUAN QUISPE but one surname is no strong name level: no candidate');
SELECT results_eq($$SELECT reason_code, candidates FROM canon.identity_unmatched WHERE source_pk = 'nt-s3'$$,
                  $$VALUES ('MISSING_IDENTIFIERS'::text, '[]'::jsonb)$$,
                  'PEDRO is two letters from PERCY: not blocked with Percy');
SELECT is((SELECT (r ->> 'blocks_left_out') || '/' || (r ->> 'pairs_left_out') || '/' || (r ->> 'pairs')
           FROM canon.identity_link_names(0, canon.match_weight_map(), 0.66, 0.99, 0.5, 3, 0, 30) AS r), '3/3/0',
          'a typo-tolerant key is a block like any other: above max_block_size it is left out and counted');

-- a surname found only up to a typo, and among the other's tokens but not its surnames: TITO LOPEZ JAUN
-- (free text: surnames LOPEZ, JAUN) against TITO JUAN LOPEZ (given name TITO, surname field LOPEZ) is
-- GIVEN_BOTH_SURNAMES from its own side only; the pre-test of canon.identity_name_pairs must pass it on
INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES ('00000000-0000-4000-8000-000000180005', 'HIGH');
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, id_keys, name_tokens, name_given, surnames,
                             two_surnames, row_hash)
VALUES ('module_ct_cabinet_leads', 'nt-e1', '2031-03-10', '987661805', '{}', '{JUAN,LOPEZ,TITO}', 'TITO', '{LOPEZ}', false, 'x');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000180005', 'module_ct_cabinet_leads', 'nt-e1', 'NEW_PERSON', 100, 'HIGH');
TRUNCATE canon.identity_work_subject;
INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone_usable, name_tokens,
                                         given_name, name_given, surnames, two_surnames)
VALUES (4, 'module_ct_scouting_daily', 'nt-s4', '2031-03-11', false, '{JAUN,LOPEZ,TITO}', 'TITO', 'TITO', '{LOPEZ,JAUN}', false);
INSERT INTO canon.identity_unmatched (source_table, source_pk, reason_code)
VALUES ('module_ct_scouting_daily', 'nt-s4', 'MISSING_IDENTIFIERS');
CREATE TEMP TABLE t_typo AS
    SELECT canon.identity_link_names(0, canon.match_weight_map(), 0.66, 0.99, 0.5, 3, 50, 30) AS result;
SELECT results_eq($$SELECT (t.result ->> 'pairs')::int, u.reason_code, u.candidates -> 0 ->> 'person_key'
                    FROM t_typo AS t, canon.identity_unmatched AS u WHERE u.source_pk = 'nt-s4'$$,
                  $$VALUES (1, 'NEEDS_REVIEW'::text, '00000000-0000-4000-8000-000000180005'::text)$$,
                  'TITO LOPEZ JAUN a day after TITO JUAN LOPEZ: compared, Tito is its candidate (its surnames up to a typo among the other''s tokens)');
DELETE FROM canon.identity_unmatched WHERE source_pk = 'nt-s4';
DELETE FROM canon.identity_links WHERE source_pk = 'nt-e1';
DELETE FROM canon.lead_keys WHERE source_pk = 'nt-e1';
DELETE FROM canon.identity_registry WHERE person_key = '00000000-0000-4000-8000-000000180005';

-- u of SAME_FULL_NAME over persons: 4 named persons (6 pairs), one pair holding one full name
CREATE TEMP TABLE t_est AS SELECT canon.estimate_match_weights(100, 1) AS result;
SELECT is((SELECT (result ->> 'persons')::int || '/' || (result ->> 'same_full_name_pairs')::int FROM t_est), '4/1',
          'estimate_match_weights counts the named persons and the pairs of persons holding one full name');
SELECT is((SELECT u FROM canon.match_weights
           WHERE version = (SELECT (result ->> 'version')::int FROM t_est) AND field = 'name' AND level = 'SAME_FULL_NAME'),
          round((1 + 1)::numeric / (6 + (SELECT count(*) FROM canon.match_weights
                                         WHERE version = (SELECT (result ->> 'version')::int - 1 FROM t_est)
                                           AND field = 'name' AND level NOT IN ('MISSING', 'IGNORED'))), 9),
          'its u is (pairs sharing a full name + 1) / (pairs of persons + levels): counted, not sampled');
SELECT is((SELECT source FROM canon.match_weights
           WHERE version = (SELECT (result ->> 'version')::int FROM t_est) AND field = 'name' AND level = 'SAME_FULL_NAME'),
          'estimated', 'and the level is estimated, not kept');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000180003', 'module_ct_scouting_daily', 'nt-c2', 'MANUAL', 100, 'HIGH');
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, id_keys, name_tokens, name_given, surnames, two_surnames, row_hash)
VALUES ('module_ct_scouting_daily', 'nt-c2', '2030-01-06', '{}', '{CRUZ,RAMOS,ROSA}', 'ROSA', '{CRUZ,RAMOS}', true, 'x');
SELECT is((SELECT (canon.estimate_match_weights(100, 1) ->> 'same_full_name_pairs')::int), 1,
          'a person holding a full name twice is one name group: still one pair');
SELECT is((SELECT canon.estimate_match_weights(100, 1) -> 'same_full_name_pairs'),
          (SELECT canon.estimate_match_weights(100, 1) -> 'same_full_name_pairs'), 'the count is deterministic');

SELECT * FROM finish();
ROLLBACK;
