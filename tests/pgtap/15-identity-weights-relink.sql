-- Evidence-weighted identity: re-estimating the weights into a new version, and deciding again the links
-- one legacy rule made (canon.relink_by_rule), June 2024.
BEGIN;
SET client_min_messages = warning;
SELECT plan(19);

SELECT has_function('canon', 'estimate_match_weights', ARRAY['integer', 'integer'], 'canon.estimate_match_weights(integer, integer) exists');
SELECT has_function('canon', 'relink_by_rule', ARRAY['text', 'text'], 'canon.relink_by_rule(text, text) exists');

-- fixture: Ana (driver + lead on one phone), a second lead of Ana, and Beto, a stranger
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number, car_brand, car_model, hire_date) VALUES
    ('w-d1', '08e20910d81d42658d4334d3f6d10ac0', 'Ana', 'Quispe Rojas', 'QUISPE ROJAS ANA', '987680001', 'Q40000701', 'Kia', 'Rio', '2024-06-03');
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone, asset_model) VALUES
    (940001, 'w-c1', '2024-06-02 10:00', 'Ana', 'Quispe Rojas', '987680001', 'Rio'),
    (940002, 'w-c2', '2024-06-04 10:00', 'Ana', 'Quispe Rojas', '987680001', 'Rio'),
    (940003, 'w-c3', '2024-06-05 10:00', 'Beto', 'Salas Vera', '987680009', 'Rio');
-- and 60 scouting registrations (pairs share a DNI) whose names, phones and dates vary, so that which
-- pairs are drawn matters
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone, driver_document)
SELECT 940100 + g, '2024-06-01'::date + g % 20, 1,
       (ARRAY['LUIS', 'ROSA', 'JUAN', 'ELSA', 'HUGO'])[1 + g % 5] || ' ' || (ARRAY['VEGA', 'CRUZ', 'SOTO', 'PAZ'])[1 + g % 4]
           || ' ' || (ARRAY['LIMA', 'RAMOS', 'CHAVEZ'])[1 + g % 3],
       '98769' || lpad(g::text, 4, '0'), '4100' || lpad((g / 2)::text, 4, '0')
FROM generate_series(1, 60) AS g;
CREATE TEMP TABLE t_run AS SELECT canon.run_identity('2024-06-01', '2024-06-30') AS result;
CREATE TEMP TABLE t_person AS
    SELECT source_pk, person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads';

-- estimate: a new version; too few pairs here for any field, so every level keeps its value
CREATE TEMP TABLE t_seeded AS SELECT max(version) AS version FROM canon.match_weight_versions;
CREATE TEMP TABLE t_est AS SELECT canon.estimate_match_weights(100, 1000) AS result;
SELECT is((SELECT (result ->> 'version')::int FROM t_est), (SELECT max(version) FROM canon.match_weight_versions),
          'estimate_match_weights writes a new version, the one now in use');
SELECT is_empty($$SELECT field, level, weight_milli FROM canon.match_weights WHERE version = (SELECT max(version) FROM canon.match_weight_versions)
                  EXCEPT SELECT field, level, weight_milli FROM canon.match_weights WHERE version = (SELECT version FROM t_seeded)$$,
                'below the minimum count every level keeps the previous weight');
SELECT ok((SELECT bool_and(source = 'kept') FROM canon.match_weights
           WHERE version = (SELECT max(version) FROM canon.match_weight_versions) AND level NOT IN ('MISSING', 'IGNORED')),
          'and says so (source kept)');
SELECT is((SELECT canon.estimate_match_weights(100, 1) -> 'pairs'), (SELECT canon.estimate_match_weights(100, 1) -> 'pairs'),
          'the sample is drawn deterministically: two estimates read the same pairs');
SELECT is_empty($$SELECT field, level, m, u, weight_milli FROM canon.match_weights WHERE version = (SELECT max(version) FROM canon.match_weight_versions)
                  EXCEPT SELECT field, level, m, u, weight_milli FROM canon.match_weights WHERE version = (SELECT max(version) - 1 FROM canon.match_weight_versions)$$,
                'and give the same m, u and weights');

-- the identifiers' SAME level is counted over pairs of records of two persons, not sampled: two unlinked
-- records on Beto's phone add three such pairs; linked to his person, none
CREATE TEMP TABLE t_ids0 AS
    SELECT canon.estimate_match_weights(100, 1) -> 'identifier_pairs' AS p,
           (SELECT count(*) FROM canon.v_identity_records WHERE phone IS NOT NULL) AS phones;
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, id_keys, name_tokens, name_given, surnames, two_surnames, row_hash)
VALUES ('module_ct_scouting_daily', 'w-x1', '2024-06-07', '987680009', '{}', '{BETO,SALAS}', 'BETO', '{SALAS}', false, 'x'),
       ('module_ct_scouting_daily', 'w-x2', '2024-06-08', '987680009', '{}', '{BETO,VERA}', 'BETO', '{VERA}', false, 'x');
CREATE TEMP TABLE t_ids1 AS SELECT canon.estimate_match_weights(100, 1) AS result;
SELECT is((SELECT ((t1.result #>> '{identifier_pairs,phone,same}')::numeric - (t0.p #>> '{phone,same}')::numeric)::text || '/'
                  || ((t1.result #>> '{identifier_pairs,phone,pairs}')::numeric - (t0.p #>> '{phone,pairs}')::numeric)::text
           FROM t_ids1 AS t1, t_ids0 AS t0),
          (SELECT '3/' || (2 * t0.phones + 1)::text FROM t_ids0 AS t0),
          'two unlinked records on a third person''s phone: 3 more pairs of two persons sharing a phone, of 2n + 1 more carrying one');
SELECT is((SELECT u FROM canon.match_weights
           WHERE version = (SELECT (result ->> 'version')::int FROM t_ids1) AND field = 'phone' AND level = 'SAME'),
          (SELECT round(((result #>> '{identifier_pairs,phone,same}')::numeric + 1)
                        / ((result #>> '{identifier_pairs,phone,pairs}')::numeric + 2), 9) FROM t_ids1),
          'the u of phone SAME is (pairs sharing + 1) / (pairs carrying + levels): counted, not sampled');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT t.person_key, 'module_ct_scouting_daily', x.pk, 'MANUAL', 100, 'HIGH'
FROM t_person AS t, (VALUES ('w-x1'), ('w-x2')) AS x (pk) WHERE t.source_pk = 'w-c3';
SELECT is((SELECT ((canon.estimate_match_weights(100, 1) #>> '{identifier_pairs,phone,same}')::numeric
                   - (t0.p #>> '{phone,same}')::numeric)::int FROM t_ids0 AS t0),
          0, 'linked to Beto''s person, the three records on his phone are one person: no pair of two persons shares it');
-- a record carrying a licence and the DNI inside it shares two keys with the driver it copies: one pair
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, id_keys, name_tokens, name_given, surnames, two_surnames, row_hash)
SELECT 'module_ct_scouting_daily', 'w-x3', '2024-06-09', NULL, d.id_keys, '{ANA,PAZ}', 'ANA', '{PAZ}', false, 'x'
FROM canon.drivers_index AS d WHERE d.driver_id = 'w-d1';
SELECT is((SELECT ((canon.estimate_match_weights(100, 1) #>> '{identifier_pairs,document,same}')::numeric
                   - (t0.p #>> '{document,same}')::numeric)::text FROM t_ids0 AS t0)
          || ' of ' || (SELECT cardinality(id_keys) FROM canon.lead_keys WHERE source_pk = 'w-x3')::text,
          '1 of 2', 'a record sharing a licence and its DNI with another person''s driver is one pair sharing a licence / DNI');
-- three keys (a licence, its DNI and another document) sharing two with each of them: two more pairs,
-- each once; every record carrying a key counts in the pairs carrying one
CREATE TEMP TABLE t_docs AS SELECT count(*) AS n FROM canon.v_identity_records WHERE cardinality(id_keys) > 0;
CREATE TEMP TABLE t_ids2 AS SELECT canon.estimate_match_weights(100, 1) -> 'identifier_pairs' AS p;
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, id_keys, name_tokens, name_given, surnames, two_surnames, row_hash)
SELECT 'module_ct_scouting_daily', 'w-x4', '2024-06-10', NULL,
       ARRAY(SELECT k FROM unnest(d.id_keys || 'N:41999999'::text) AS k ORDER BY k), '{ANA,PAZ}', 'ANA', '{PAZ}', false, 'x'
FROM canon.drivers_index AS d WHERE d.driver_id = 'w-d1';
SELECT is((SELECT ((canon.estimate_match_weights(100, 1) #>> '{identifier_pairs,document,same}')::numeric
                   - (t2.p #>> '{document,same}')::numeric)::text || '/'
                  || ((canon.estimate_match_weights(100, 1) #>> '{identifier_pairs,document,pairs}')::numeric
                      - (t2.p #>> '{document,pairs}')::numeric)::text
           FROM t_ids2 AS t2),
          (SELECT '2/' || n::text FROM t_docs),
          'a three-key record sharing two keys with each of two persons'' records: 2 more pairs sharing, n more carrying');
DELETE FROM canon.identity_links WHERE source_pk IN ('w-x1', 'w-x2');
DELETE FROM canon.lead_keys WHERE source_pk IN ('w-x1', 'w-x2', 'w-x3', 'w-x4');

-- back to the seeded weights (estimates from this tiny fixture are not meant to decide anything)
DELETE FROM canon.match_weights WHERE version > (SELECT version FROM t_seeded);
DELETE FROM canon.match_weight_versions WHERE version > (SELECT version FROM t_seeded);

-- relink: a legacy car + name link of the stranger into Ana's person is undone; Ana's own stays
UPDATE canon.identity_links SET person_key = (SELECT person_key FROM t_person WHERE source_pk = 'w-c1'), match_rule = 'R4_CAR_NAME'
WHERE source_table = 'module_ct_cabinet_leads' AND source_pk IN ('w-c2', 'w-c3');
CREATE TEMP TABLE t_relink AS SELECT canon.relink_by_rule('R4_CAR_NAME', 'first design''s car + name links') AS result;
SELECT is((SELECT result FROM t_relink), '{"rule": "R4_CAR_NAME", "links": 2, "kept": 1, "unlinked": 1, "queued": 1}'::jsonb,
          'relink_by_rule decides both legacy links again: one kept, one undone and queued');
SELECT results_eq($$SELECT person_key, match_probability > 0.99 FROM canon.identity_links
                    WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'w-c2'$$,
                  $$SELECT person_key, true FROM t_person WHERE source_pk = 'w-c1'$$,
                  'the link that its comparison supports stays, with its probability');
SELECT is_empty($$SELECT 1 FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'w-c3'$$,
                'the stranger leaves Ana''s person');
SELECT results_eq($$SELECT u.reason_code, u.status, u.candidates -> 0 ->> 'person_key' FROM canon.identity_unmatched u
                    WHERE u.source_table = 'module_ct_cabinet_leads' AND u.source_pk = 'w-c3'$$,
                  $$SELECT 'NEEDS_REVIEW'::text, 'OPEN'::text, person_key::text FROM t_person WHERE source_pk = 'w-c1'$$,
                  'and is queued NEEDS_REVIEW with the old person as candidate');
SELECT results_eq($$SELECT action, old_match_rule, note FROM canon.identity_link_history
                    WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'w-c3'$$,
                  $$VALUES ('UNLINK'::text, 'R4_CAR_NAME'::text, 'first design''s car + name links'::text)$$,
                  'the history keeps the rule and the note');

-- errors
SELECT throws_ok($$SELECT canon.relink_by_rule('MANUAL', 'x')$$, '22023', NULL, 'MANUAL links are never decided again in bulk');
SELECT throws_ok($$SELECT canon.estimate_match_weights(10, 1)$$, '22023', NULL, 'a sample of fewer than 100 pairs is refused');

SELECT * FROM finish();
ROLLBACK;
