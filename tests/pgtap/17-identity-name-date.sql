-- The NAME+DATE stage (canon.identity_link_names) on seeded work tables: a record carrying only a name
-- links to the person whose record has the same full name a few days apart; further apart than
-- name_block_days it does not; a person holding a household member's record (surnames contradict) is
-- no candidate; two persons alike are queued MULTIPLE_CANDIDATES, a weaker match NEEDS_REVIEW.
BEGIN;
SET client_min_messages = warning;
SELECT plan(18);

SELECT has_function('canon', 'identity_link_names',
                    ARRAY['bigint', 'jsonb', 'numeric', 'numeric', 'numeric', 'numeric', 'integer', 'integer'],
                    'canon.identity_link_names exists');
SELECT has_function('canon', 'identity_name_blocks', ARRAY['integer', 'integer'], 'its blocks step exists');
SELECT has_function('canon', 'identity_name_pairs', ARRAY['jsonb', 'numeric', 'integer'], 'its pairs step exists');
SELECT has_function('canon', 'identity_name_write', ARRAY['bigint', 'numeric'], 'its write step exists');
SELECT has_function('canon', 'name_token_codes', ARRAY['text[]'], 'the names test''s token codes exist');

-- the names test by codes (canon.name_token_codes against a surname's codes with the length stepped by
-- -1, 0 and 1, as pg_temp.identity_name_reach builds them) gives what its definition gives: a token of the
-- record's name equal to the surname, or at most one letter longer or shorter sharing its first or last
-- letter; every surname against every name of one to six tokens drawn from typo-like tokens
CREATE TEMP TABLE t_tokens (token text);
INSERT INTO t_tokens VALUES ('PEREZ'), ('PERES'), ('PERZ'), ('PEREZZ'), ('EREZ'), ('QUISPE'), ('QISPE'), ('QUISPEE'),
    ('ROJAS'), ('ROJA'), ('AROJAS'), ('SOJAS'), ('ROJAZ'), ('LI'), ('LIU'), ('AL'), ('ÑOL'), ('ÑO');
CREATE TEMP TABLE t_names AS
SELECT ARRAY(SELECT t.token FROM t_tokens AS t ORDER BY pg_catalog.md5(t.token || g.i::text) LIMIT 1 + g.i % 6) AS tokens
FROM pg_catalog.generate_series(1, 60) AS g (i);
SELECT is_empty($$
    SELECT x.token, n.tokens
    FROM t_tokens AS x CROSS JOIN t_names AS n
    CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(c.code) AS codes
                        FROM (VALUES (-1), (0), (1)) AS d (step)
                        CROSS JOIN LATERAL (VALUES (pg_catalog.ascii(x.token)::bigint * 4194304 + 2 * (pg_catalog.length(x.token) + d.step)),
                                                   (pg_catalog.ascii(pg_catalog.right(x.token, 1))::bigint * 4194304
                                                    + 2 * (pg_catalog.length(x.token) + d.step) + 1)) AS c (code)) AS r
    WHERE (r.codes && canon.name_token_codes(n.tokens))
          IS DISTINCT FROM EXISTS (SELECT 1 FROM pg_catalog.unnest(n.tokens) AS y (token)
                                   WHERE y.token = x.token
                                      OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                          AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                               OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))$$,
    'token codes: a surname''s codes meet a name''s exactly when one of its tokens is the surname or one letter from it in length sharing its first or last letter');
SELECT ok(NOT has_function_privilege('lead_attribution_writer',
              'canon.identity_link_names(bigint, jsonb, numeric, numeric, numeric, numeric, integer, integer)', 'EXECUTE'),
          'the stage is not granted to the writer role');

TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
-- existing persons and their lead records (names as canon.parse_name leaves them)
INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES
    ('00000000-0000-4000-8000-00000000000a', 'HIGH'), ('00000000-0000-4000-8000-00000000000b', 'HIGH'),
    ('00000000-0000-4000-8000-00000000000c', 'HIGH'), ('00000000-0000-4000-8000-00000000000d', 'HIGH'),
    ('00000000-0000-4000-8000-00000000000e', 'HIGH'), ('00000000-0000-4000-8000-00000000000f', 'HIGH'),
    ('00000000-0000-4000-8000-000000000010', 'HIGH'), ('00000000-0000-4000-8000-000000000011', 'HIGH');
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, name_tokens, name_given, surnames, two_surnames, row_hash)
VALUES ('module_ct_cabinet_leads', 'nd-a1', '2030-06-10', '987650001', '{ANA,LIMA,SOTO}', 'ANA', '{SOTO,LIMA}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-b1', '2030-06-10', '987650002', '{LUIS,PAZ,VEGA}', 'LUIS', '{VEGA,PAZ}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-b2', '2030-06-10', '987650002', '{LUIS,RAMOS,VEGA}', 'LUIS', '{VEGA,RAMOS}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-c1', '2030-06-10', '987650003', '{CRUZ,RAMOS,ROSA}', 'ROSA', '{CRUZ,RAMOS}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-d1', '2030-06-10', '987650004', '{CRUZ,RAMOS,ROSA}', 'ROSA', '{CRUZ,RAMOS}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-e1', '2030-06-10', '987650005', '{CHAVEZ,HUGO,SOTO}', 'HUGO', '{SOTO,CHAVEZ}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-f1', '2030-06-10', '987650006', '{CRUZ,JUAN,PAZ}', 'JUAN', '{CRUZ,PAZ}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-f2', '2030-03-01', '987650006', '{CRUZ,ELSA,PAZ}', 'ELSA', '{CRUZ,PAZ}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-g1', '2030-06-10', '987650007', '{LUNA,MARIA,ROJAS}', 'MARIA', '{ROJAS,LUNA}', true, 'x'),
       ('module_ct_cabinet_leads', 'nd-h1', '2029-11-20', '987650008', '{LUNA,MARIA,ROJAS}', 'MARIA', '{ROJAS,LUNA}', true, 'x');
-- the name key as canon.identity_index_leads writes it (the full-name frequency finds the records by it)
UPDATE canon.lead_keys SET name_key = NULLIF(array_to_string(name_tokens, ' '), '') WHERE source_pk LIKE 'nd-%';
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-00000000000a', 'module_ct_cabinet_leads', 'nd-a1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000b', 'module_ct_cabinet_leads', 'nd-b1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000b', 'module_ct_cabinet_leads', 'nd-b2', 'R1_PHONE_EXACT', 95, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000c', 'module_ct_cabinet_leads', 'nd-c1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000d', 'module_ct_cabinet_leads', 'nd-d1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000e', 'module_ct_cabinet_leads', 'nd-e1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000f', 'module_ct_cabinet_leads', 'nd-f1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-00000000000f', 'module_ct_cabinet_leads', 'nd-f2', 'R1_PHONE_EXACT', 95, 'HIGH'),
       ('00000000-0000-4000-8000-000000000010', 'module_ct_cabinet_leads', 'nd-g1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000000011', 'module_ct_cabinet_leads', 'nd-h1', 'NEW_PERSON', 100, 'HIGH');
-- the records to decide: scouting registrations carrying only a name, queued MISSING_IDENTIFIERS
INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone_usable, name_tokens,
                                         given_name, name_given, surnames, two_surnames)
VALUES (1, 'module_ct_scouting_daily', 'nd-s1', '2030-06-12', false, '{ANA,LIMA,SOTO}', 'ANA', 'ANA', '{SOTO,LIMA}', true),
       (2, 'module_ct_scouting_daily', 'nd-s2', '2030-07-15', false, '{ANA,LIMA,SOTO}', 'ANA', 'ANA', '{SOTO,LIMA}', true),
       (3, 'module_ct_scouting_daily', 'nd-s3', '2030-06-11', false, '{LUIS,PAZ,VEGA}', 'LUIS', 'LUIS', '{VEGA,PAZ}', true),
       (4, 'module_ct_scouting_daily', 'nd-s4', '2030-06-11', false, '{CRUZ,RAMOS,ROSA}', 'ROSA', 'ROSA', '{CRUZ,RAMOS}', true),
       (5, 'module_ct_scouting_daily', 'nd-s5', '2030-06-20', false, '{CHAVEZ,HUGO,SOTO}', 'HUGO', 'HUGO', '{SOTO,CHAVEZ}', true),
       (6, 'module_ct_scouting_daily', 'nd-s6', '2030-06-11', false, '{CRUZ,JUAN,PAZ}', 'JUAN', 'JUAN', '{CRUZ,PAZ}', true),
       (7, 'module_ct_scouting_daily', 'nd-s7', '2030-06-12', false, '{LUNA,MARIA,ROJAS}', 'MARIA', 'MARIA', '{ROJAS,LUNA}', true);
INSERT INTO canon.identity_unmatched (source_table, source_pk, reason_code)
SELECT source_table, source_pk, 'MISSING_IDENTIFIERS' FROM canon.identity_work_subject;

CREATE TEMP TABLE t_result AS
    SELECT canon.identity_link_names(0, canon.match_weight_map(), 0.66, 0.99, 0.5, 3, 50, 30) AS result;
SELECT results_eq($$SELECT source_pk, person_key, match_rule FROM canon.identity_links WHERE source_pk LIKE 'nd-s%'$$,
                  $$VALUES ('nd-s1'::text, '00000000-0000-4000-8000-00000000000a'::uuid, 'NAME+DATE'::text)$$,
                  'a name-only record links to the person with the same full name two days earlier, and only it links');
SELECT ok((SELECT match_probability >= 0.99 FROM canon.identity_links WHERE source_pk = 'nd-s1'),
          'the link stores a probability at or above link_threshold');
SELECT is_empty($$SELECT 1 FROM canon.identity_unmatched WHERE source_pk = 'nd-s1'$$, 'the linked record leaves the queue');
SELECT is((SELECT reason_code FROM canon.identity_unmatched WHERE source_pk = 'nd-s2'), 'MISSING_IDENTIFIERS',
          'the same name 35 days apart (beyond name_block_days, in the neighbouring date bucket) is no candidate');
SELECT is((SELECT reason_code FROM canon.identity_unmatched WHERE source_pk = 'nd-s3'), 'MISSING_IDENTIFIERS',
          'a person holding a household member''s record (surnames contradict) is no candidate');
SELECT is((SELECT reason_code FROM canon.identity_unmatched WHERE source_pk = 'nd-s6'), 'MISSING_IDENTIFIERS',
          'a person whose other record (months earlier, another given name) carries a HOUSEHOLD veto is no candidate');
SELECT results_eq($$SELECT reason_code, jsonb_array_length(candidates), candidates::text ~ '98765'
                    FROM canon.identity_unmatched WHERE source_pk = 'nd-s4'$$,
                  $$VALUES ('MULTIPLE_CANDIDATES'::text, 2, false)$$,
                  'two persons with the same full name and date: MULTIPLE_CANDIDATES, both ranked, no identifier');
SELECT results_eq($$SELECT reason_code, candidates -> 0 ->> 'person_key' FROM canon.identity_unmatched WHERE source_pk = 'nd-s5'$$,
                  $$VALUES ('NEEDS_REVIEW'::text, '00000000-0000-4000-8000-00000000000e'::text)$$,
                  'ten days apart the probability is below link_threshold: NEEDS_REVIEW with the person as candidate');
SELECT is((SELECT reason_code FROM canon.identity_unmatched WHERE source_pk = 'nd-s7'), 'NEEDS_REVIEW',
          'a full name two persons hold weighs a bit less (term frequency): two days apart it is only queued');
SELECT is((SELECT result - 'pairs' - 'subjects' FROM t_result),
          '{"linked": 1, "looked_back": 0, "needs_review": 2, "multiple_candidates": 1, "pairs_left_out": 0, "blocks_left_out": 0}'::jsonb,
          'the stage counts links, queue rows, pairs left out, and no record queued by an earlier run looked back at');
SELECT is((SELECT (r ->> 'blocks_left_out') || '/' || (r ->> 'pairs_left_out') || '/' || (r ->> 'pairs')
           FROM canon.identity_link_names(0, canon.match_weight_map(), 0.66, 0.99, 0.5, 3, 0, 30) AS r), '10/11/0',
          'blocks above max_block_size distinct names are left out, counted, and none of their pairs compared');

SELECT * FROM finish();
ROLLBACK;
