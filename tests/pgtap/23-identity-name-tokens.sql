-- The NAME+DATE dictionaries (canon.identity_name_tokens): the first call holds every given name and
-- surname of the lead records with its one-letter deletions, and every (given name, surname) pair; a
-- later call adds only those of the records indexed since; a new canon.name_token_variants (another
-- digest) fills both anew; the subjects' typo keys are read from them, so a record one typo from a
-- subject is fetched by key (canon.identity_name_blocks).
BEGIN;
SET client_min_messages = warning;
SELECT plan(18);

SELECT has_function('canon', 'identity_name_tokens', ARRAY['bigint'], 'canon.identity_name_tokens exists');
SELECT ok(NOT has_function_privilege('lead_attribution_writer', 'canon.identity_name_tokens(bigint)', 'EXECUTE'),
          'the step is not granted to the writer role');
SELECT has_index('canon', 'lead_keys', 'lead_keys_name_first_idx', 'the records'' first NAME+DATE key is indexed');

TRUNCATE canon.name_token_variant, canon.name_key;
DELETE FROM canon.identity_source_state WHERE input = 'name_tokens';
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, name_tokens, name_given, surnames, two_surnames, row_hash, run_id)
VALUES ('module_ct_cabinet_leads', 'tk-1', '2031-05-01', '{MAMANI,PERCY,QUISPE}', 'PERCY', '{QUISPE,MAMANI}', true, 'x', 7001),
       ('module_ct_cabinet_leads', 'tk-2', '2031-05-02', '{ANA,LUZ}', 'ANA', '{LUZ}', false, 'x', 7001);

-- (the database may hold other records: only these records' names are counted)
SELECT ok(canon.identity_name_tokens(7001) > 0, 'the first call fills the dictionary');
SELECT is((SELECT pg_catalog.count(*) FROM canon.name_token_variant AS d
           WHERE (d.role, d.token) IN (('G', 'PERCY'), ('G', 'ANA'), ('S', 'QUISPE'), ('S', 'MAMANI'), ('S', 'LUZ'))),
          (SELECT pg_catalog.sum(pg_catalog.cardinality(canon.name_token_variants(t)))::bigint
           FROM pg_catalog.unnest(ARRAY['MAMANI', 'PERCY', 'QUISPE', 'ANA', 'LUZ']) AS t),
          'it holds every given name and surname of the records with each of its variants');
SELECT results_eq($$SELECT given || ' ' || surname FROM canon.name_key
                    WHERE (given, surname) IN (('PERCY', 'QUISPE'), ('PERCY', 'MAMANI'), ('ANA', 'LUZ')) ORDER BY 1$$,
                  ARRAY['ANA LUZ', 'PERCY MAMANI', 'PERCY QUISPE'],
                  'the key dictionary holds each record''s given name with each of its surnames');
SELECT ok(EXISTS (SELECT 1 FROM canon.name_token_variant WHERE role = 'G' AND variant = 'PERY' AND token = 'PERCY'),
          'a given name is found by its one-letter deletion');
SELECT is((SELECT run_id FROM canon.identity_source_state WHERE input = 'name_tokens'), 7001::bigint,
          'the state holds the run the dictionary is current for');
SELECT is(canon.identity_name_tokens(7002), 0::bigint, 'nothing new indexed: nothing added');

INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, name_tokens, name_given, surnames, two_surnames, row_hash, run_id)
VALUES ('module_ct_cabinet_leads', 'tk-3', '2031-05-03', '{LUZ,PERCY,QXROJAS}', 'PERCY', '{QXROJAS,LUZ}', true, 'x', 7003);
SELECT is(canon.identity_name_tokens(7003), pg_catalog.cardinality(canon.name_token_variants('QXROJAS'))::bigint,
          'a record indexed since adds only its names not yet held');
SELECT ok(EXISTS (SELECT 1 FROM canon.name_key WHERE given = 'PERCY' AND surname = 'QXROJAS'),
          'and its given name with its new surname to the key dictionary');

UPDATE canon.identity_source_state SET fingerprint = 'another version of canon.name_token_variants'
WHERE input = 'name_tokens';
INSERT INTO canon.name_token_variant (role, variant, token) VALUES ('S', 'GONE', 'GONE');
INSERT INTO canon.name_key (given, surname) VALUES ('GONE', 'GONE');
SELECT canon.identity_name_tokens(7004);
SELECT is((SELECT pg_catalog.count(*) FROM canon.name_token_variant WHERE token = 'GONE'), 0::bigint,
          'another digest of canon.name_token_variants fills the dictionary anew');
SELECT is((SELECT pg_catalog.count(*) FROM canon.name_key WHERE given = 'GONE'), 0::bigint,
          'and the key dictionary with it');
SELECT is((SELECT pg_catalog.count(DISTINCT token) FROM canon.name_token_variant
           WHERE token IN ('MAMANI', 'PERCY', 'QUISPE', 'ANA', 'LUZ', 'QXROJAS')), 6::bigint,
          'filled anew from every record, whatever its run');

-- a subject one typo from a candidate record's given name: the typo key is wanted and its record fetched
INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES ('00000000-0000-4000-8000-000000230001', 'HIGH');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000230001', 'module_ct_cabinet_leads', 'tk-1', 'NEW_PERSON', 100, 'HIGH');
-- records of the same key on the last day of the subject's next bucket (days since 2000-01-01 / 30) and a
-- year away: only the first can share a block with the subject
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, name_tokens, name_given, surnames, two_surnames, row_hash, run_id)
SELECT 'module_ct_cabinet_leads', x.pk, x.d, '{PERCY,QUISPE,ROJAS}', 'PERCY', '{QUISPE,ROJAS}', true, 'x', 7001
FROM (VALUES ('tk-4', DATE '2000-01-01' + ((DATE '2031-05-04' - DATE '2000-01-01') / 30 + 2) * 30 - 1),
             ('tk-5', DATE '2032-05-04')) AS x (pk, d);
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000230001', 'module_ct_cabinet_leads', 'tk-4', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000230001', 'module_ct_cabinet_leads', 'tk-5', 'NEW_PERSON', 100, 'HIGH');
CREATE TEMP TABLE identity_name_subject ON COMMIT DROP AS
SELECT 1 AS node_id, 'module_ct_scouting_daily'::text AS source_table, 'tk-s1'::text AS source_pk,
       DATE '2031-05-04' AS lead_date, NULL::text AS phone, '{}'::text[] AS id_keys, NULL::text AS plate,
       '{MAMANI,PERYC,QUISPE}'::text[] AS name_tokens, 'PERYC'::text AS name_given,
       '{QUISPE,MAMANI}'::text[] AS surnames, true AS two_surnames, NULL::text AS car_key
UNION ALL  -- another subject two years later, of another name
SELECT 2, 'module_ct_scouting_daily', 'tk-s2', DATE '2033-05-04', NULL, '{}', NULL, '{ANA,LUZ}', 'ANA', '{LUZ}', false, NULL;
SELECT canon.identity_name_blocks(30, 50);
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.identity_name_cand WHERE source_pk = 'tk-1' AND key = 'PERCY QUISPE'),
          'the record of PERCY QUISPE is fetched for the subject PERYC QUISPE');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.identity_name_key WHERE node_id = 1 AND key = 'PERCY QUISPE'),
          'and the subject holds its typo key');
SELECT ok(EXISTS (SELECT 1 FROM pg_temp.identity_name_cand WHERE source_pk = 'tk-4' AND key = 'PERCY QUISPE'),
          'a record of the key in the bucket after the subject''s, on its last day, is a candidate (its block is whole)');
SELECT ok(NOT EXISTS (SELECT 1 FROM pg_temp.identity_name_cand WHERE source_pk = 'tk-5'),
          'a record of the key a year from its subject is not read, whatever the dates of other subjects');

SELECT * FROM finish();
ROLLBACK;
