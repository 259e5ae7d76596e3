-- The decision stages of canon.run_identity on seeded work tables (docs/identity.md "Decisions"):
-- every candidate decided by probability (link, review, multiple candidates, vetoes, the target park
-- inside the margin), the closed rule list, confidence cut-offs, records without a candidate (new
-- person, name only and its founding, missing identifiers), and a group of new records with a veto inside.
BEGIN;
SET client_min_messages = warning;
SELECT plan(34);

SELECT has_function('canon', 'match_rule_of', ARRAY['text[]'], 'canon.match_rule_of(text[]) exists');
SELECT has_function('canon', 'confidence_of', ARRAY['numeric', 'numeric', 'numeric'], 'canon.confidence_of(numeric, numeric, numeric) exists');

-- the closed rule list: the strongest agreeing evidence
SELECT is(canon.match_rule_of('{SAME,SAME,SAME,SAME_TOKENS,WITHIN_3,SAME}'), 'DNI', 'a licence / DNI that agrees is the strongest evidence');
SELECT is(canon.match_rule_of('{SAME,MISSING,SAME,GIVEN_ONE_SURNAME,FURTHER,IGNORED}'), 'PHONE+NAME', 'phone and a name that agrees: PHONE+NAME before the plate');
SELECT is(canon.match_rule_of('{DIFFERENT,MISSING,SAME,SIMILAR,WITHIN_14,SAME}'), 'PLATE+NAME', 'plate and a similar name: PLATE+NAME');
SELECT is(canon.match_rule_of('{SAME,MISSING,MISSING,DIFFERENT,WITHIN_3,IGNORED}'), 'PHONE', 'a phone whose names do not agree: PHONE alone');
SELECT is(canon.match_rule_of('{MISSING,MISSING,MISSING,SAME_FULL_NAME,WITHIN_3,IGNORED}'), 'NAME+DATE', 'nothing but a name and a date: NAME+DATE');
SELECT is(canon.match_rule_of(NULL), NULL, 'no levels, no rule');
-- the helpers called once per compared pair or candidate are inlined into the calling statement (no call,
-- no search_path to set per row: docs/identity.md, "Speed")
CREATE TEMP TABLE t_plan (line text);
DO $$
DECLARE
    v_line text;
BEGIN
    FOR v_line IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) SELECT canon.pair_veto(x.l), canon.match_rule_of(x.l), '
                          'canon.mask_identifier(x.v) FROM (VALUES (''{SAME,DIFFERENT}''::text[], ''987654321'')) AS x (l, v)'
    LOOP
        INSERT INTO pg_temp.t_plan VALUES (v_line);
    END LOOP;
END;
$$;
SELECT is_empty($$SELECT p.line FROM pg_temp.t_plan AS p
                  WHERE p.line ~ '(pair_veto|match_rule_of|mask_identifier)'$$,
                'canon.pair_veto, canon.match_rule_of and canon.mask_identifier are inlined, not called');
SELECT results_eq($$VALUES (canon.confidence_of(0.99995, 0.99, 0.9999), canon.confidence_of(0.995, 0.99, 0.9999),
                            canon.confidence_of(0.6, 0.99, 0.9999))$$,
                  $$VALUES ('HIGH'::text, 'MEDIUM'::text, 'LOW'::text)$$,
                  'confidence: HIGH from high_confidence_threshold, MEDIUM from link_threshold, LOW below');

TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity, canon.identity_work_edge,
         canon.identity_work_node;
CREATE TEMP TABLE t_w AS SELECT canon.match_weight_map() AS w;

-- drivers as candidate entities: t18-d9 and t18-d10 share a licence (one human, two parks)
INSERT INTO canon.drivers_index (driver_id, park_id, id_keys, row_hash) VALUES
    ('t18-d1', 'p', '{}', 'x'), ('t18-d2', 'p', '{}', 'x'), ('t18-d3', 'p', '{}', 'x'), ('t18-d4', 'p', '{}', 'x'),
    ('t18-d5', 'p', '{}', 'x'), ('t18-d6', 'p', '{}', 'x'), ('t18-d7', 'p', '{}', 'x'), ('t18-d8', 'p', '{}', 'x'),
    ('t18-d9', 'p', '{L:Q1}', 'x'), ('t18-d10', 'p', '{L:Q1}', 'x'), ('t18-d11', 'p', '{}', 'x'), ('t18-d12', 'p', '{}', 'x'),
    -- a chain: t18-d13 and t18-d14 share a licence, t18-d14 and t18-d15 a DNI
    ('t18-d13', 'p', '{L:Q2}', 'x'), ('t18-d14', 'p', '{L:Q2,N:45000015}', 'x'), ('t18-d15', 'p', '{N:45000015}', 'x');
-- a person with two records; its second record carries another DNI than subject 9
INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES ('00000000-0000-4000-8000-000000001801', 'HIGH'),
    ('00000000-0000-4000-8000-000000001802', 'HIGH'), ('00000000-0000-4000-8000-000000001803', 'HIGH');
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, id_keys, name_tokens, name_given, surnames, two_surnames, row_hash)
VALUES ('module_ct_cabinet_leads', 't18-p1', '2024-08-01', '{}', '{ANA,LUZ,TORRES}', 'ANA', '{LUZ,TORRES}', false, 'x'),
       ('module_ct_cabinet_leads', 't18-p2', '2024-08-02', '{N:41000002}', '{ANA,LUZ,TORRES}', 'ANA', '{LUZ,TORRES}', false, 'x'),
       ('module_ct_cabinet_leads', 't18-q1', '2024-08-01', '{N:44000014}', '{IRMA,SOLIS}', 'IRMA', '{SOLIS}', false, 'x'),
       ('module_ct_cabinet_leads', 't18-r1', '2024-07-20', '{}', '{IRMA,SOLIS}', 'IRMA', '{SOLIS}', false, 'x');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
VALUES ('00000000-0000-4000-8000-000000001801', 'module_ct_cabinet_leads', 't18-p1', 'NEW_PERSON', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000001801', 'module_ct_cabinet_leads', 't18-p2', 'DNI', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000001802', 'module_ct_cabinet_leads', 't18-q1', 'DNI', 100, 'HIGH'),
       ('00000000-0000-4000-8000-000000001803', 'module_ct_cabinet_leads', 't18-r1', 'NEW_PERSON', 100, 'HIGH');

INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone, phone_usable, id_keys, plate,
                                         name_tokens, name_given, surnames, two_surnames)
VALUES (1, 'module_ct_cabinet_leads', 't18-1', '2024-08-01', '987680001', true, '{}', NULL, '{JUAN,RIVAS,SOTO}', 'JUAN', '{RIVAS,SOTO}', true),
       (2, 'module_ct_cabinet_leads', 't18-2', '2024-08-01', NULL, false, '{N:41000001}', NULL, '{LUIS,PAZ}', 'LUIS', '{PAZ}', false),
       (3, 'module_ct_cabinet_leads', 't18-3', '2024-08-01', '987680003', true, '{}', NULL, '{EVA,RUIZ}', 'EVA', '{RUIZ}', false),
       (4, 'module_ct_cabinet_leads', 't18-4', '2024-08-01', '987680004', true, '{}', NULL, '{IVAN,LEON}', 'IVAN', '{LEON}', false),
       (5, 'module_ct_cabinet_leads', 't18-5', '2024-08-01', '987680005', true, '{N:41000005}', NULL, '{RAUL,VEGA}', 'RAUL', '{VEGA}', false),
       (6, 'module_ct_cabinet_leads', 't18-6', '2024-08-01', NULL, false, '{}', NULL, '{ROSA,MARIA,CHAVEZ}', 'ROSA', '{MARIA,CHAVEZ}', false),
       (7, 'module_ct_cabinet_leads', 't18-7', '2024-08-01', NULL, false, '{}', NULL, '{ROSA,CHAVEZ}', 'ROSA', '{CHAVEZ}', false),
       (8, 'module_ct_cabinet_leads', 't18-8', '2024-08-01', NULL, false, '{}', 'ABC123', '{OMAR,DIAZ}', 'OMAR', '{DIAZ}', false),
       (9, 'module_ct_cabinet_leads', 't18-9', '2024-08-03', '987680009', true, '{N:41000009}', NULL, '{ANA,LUZ,TORRES}', 'ANA', '{LUZ,TORRES}', false),
       (10, 'module_ct_cabinet_leads', 't18-10', '2024-08-01', '987680010', true, '{}', NULL, '{ALAN,ROJAS}', 'ALAN', '{ROJAS}', false),
       (11, 'module_ct_cabinet_leads', 't18-11', '2024-08-01', '987680011', true, '{N:43000011}', NULL, '{TITO,LARA}', 'TITO', '{LARA}', false),
       (12, 'module_ct_cabinet_leads', 't18-12', '2024-08-05', '987680011', true, '{N:43000012}', NULL, '{TITO,LARA}', 'TITO', '{LARA}', false),
       (13, 'module_ct_cabinet_leads', 't18-13', '2024-08-01', '987680013', true, '{}', NULL, '{NORA,QUIROZ}', 'NORA', '{QUIROZ}', false),
       (14, 'module_ct_cabinet_leads', 't18-14', '2024-08-02', '987680014', true, '{N:44000014}', NULL, '{IRMA,SOLIS}', 'IRMA', '{SOLIS}', false),
       (15, 'module_ct_cabinet_leads', 't18-15', '2024-08-01', '987680015', true, '{}', NULL, '{ELSA,MEZA}', 'ELSA', '{MEZA}', false);

-- candidate pairs as canon.identity_block leaves them: levels, weight, veto
INSERT INTO canon.identity_work_pair (node_id, match_rule, entity, person_key, driver_id, tier, key_kind, key_value, levels, weight_milli, veto)
SELECT v.node_id, v.kind, v.entity, v.person_key::uuid, v.driver_id, v.tier, v.key_kind, v.key_value, v.levels,
       canon.levels_weight(v.levels, (SELECT w FROM t_w)), canon.pair_veto(v.levels)
FROM (VALUES
    (1, 'R1_PHONE_EXACT', 'D:t18-d1', NULL, 't18-d1', 1, 'phone', '987680001', '{SAME,MISSING,MISSING,SAME_FULL_NAME,WITHIN_3,IGNORED}'::text[]),
    (2, 'R2_LICENSE_EXACT', 'D:t18-d2', NULL, 't18-d2', 1, 'document', '41000001', '{MISSING,SAME,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    -- two persons as strong as each other: ambiguous
    (3, 'R1_PHONE_EXACT', 'D:t18-d3', NULL, 't18-d3', 1, 'phone', '987680003', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    (3, 'R1_PHONE_EXACT', 'D:t18-d4', NULL, 't18-d4', 1, 'phone', '987680003', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    -- a phone and a given name with one surname, nothing else: between the thresholds
    (4, 'R1_PHONE_EXACT', 'D:t18-d5', NULL, 't18-d5', 1, 'phone', '987680004', '{SAME,MISSING,MISSING,GIVEN_ONE_SURNAME,MISSING,IGNORED}'),
    -- strong, but two different DNIs: vetoed
    (5, 'R1_PHONE_EXACT', 'D:t18-d6', NULL, 't18-d6', 1, 'phone', '987680005', '{SAME,DIFFERENT,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    (8, 'R3_PLATE_NAME', 'D:t18-d7', NULL, 't18-d7', 1, 'plate', 'ABC123', '{MISSING,MISSING,SAME,GIVEN_BOTH_SURNAMES,WITHIN_3,SAME}'),
    -- the pair with the person's first record is clean; its second record carries another DNI
    (9, 'R1_PHONE_EXACT', '00000000-0000-4000-8000-000000001801', '00000000-0000-4000-8000-000000001801', NULL, 1, 'phone', '987680009', '{SAME,MISSING,MISSING,SAME_FULL_NAME,WITHIN_3,IGNORED}'),
    -- one human's two driver rows (shared licence), both of the target park, within the margin
    (10, 'R1_PHONE_EXACT', 'D:t18-d9', NULL, 't18-d9', 1, 'phone', '987680010', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    (10, 'R1_PHONE_EXACT', 'D:t18-d10', NULL, 't18-d10', 1, 'phone', '987680010', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    -- two records of the run linking to one driver, with two different DNIs between them
    (11, 'R1_PHONE_EXACT', 'D:t18-d8', NULL, 't18-d8', 1, 'phone', '987680011', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    (12, 'R1_PHONE_EXACT', 'D:t18-d8', NULL, 't18-d8', 1, 'phone', '987680011', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    -- two drivers of no shared key inside the margin: the other park's a little stronger
    (13, 'R1_PHONE_EXACT', 'D:t18-d11', NULL, 't18-d11', 1, 'phone', '987680013', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    (13, 'R1_PHONE_EXACT', 'D:t18-d12', NULL, 't18-d12', 2, 'phone', '987680013', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    -- two persons, one by DNI, one by phone, both far above link_threshold: a bridge
    (14, 'R2_LICENSE_EXACT', '00000000-0000-4000-8000-000000001802', '00000000-0000-4000-8000-000000001802', NULL, 1, 'document', '44000014', '{MISSING,SAME,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    (14, 'R1_PHONE_EXACT', '00000000-0000-4000-8000-000000001803', '00000000-0000-4000-8000-000000001803', NULL, 1, 'phone', '987680014', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    -- the chain's three rows: t18-d15 is inside the margin of t18-d13 and shares no key with it
    (15, 'R1_PHONE_EXACT', 'D:t18-d13', NULL, 't18-d13', 1, 'phone', '987680015', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_3,IGNORED}'),
    (15, 'R1_PHONE_EXACT', 'D:t18-d14', NULL, 't18-d14', 1, 'phone', '987680015', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}'),
    (15, 'R1_PHONE_EXACT', 'D:t18-d15', NULL, 't18-d15', 1, 'phone', '987680015', '{SAME,MISSING,MISSING,SAME_TOKENS,WITHIN_14,IGNORED}')
) AS v (node_id, kind, entity, person_key, driver_id, tier, key_kind, key_value, levels);

SELECT lives_ok($$SELECT canon.identity_decide_rules(0.66, (SELECT w FROM t_w), 0.99, 0.5, 3, 0.9999)$$,
                'identity_decide_rules decides the seeded candidates');
SELECT results_eq($$SELECT outcome, entity, match_rule, confidence_level FROM canon.identity_work_subject WHERE node_id IN (1, 2, 8) ORDER BY node_id$$,
                  $$VALUES ('LINK'::text, 'D:t18-d1'::text, 'PHONE+NAME'::text, 'HIGH'::text),
                           ('LINK', 'D:t18-d2', 'DNI', 'HIGH'), ('LINK', 'D:t18-d7', 'PLATE+NAME', 'HIGH')$$,
                  'phone + full name, DNI, plate + name: each links to its candidate, named by its strongest evidence');
SELECT ok((SELECT probability = canon.match_probability(weight_milli, ((SELECT w FROM t_w) ->> 'prior')::bigint)
                  AND probability >= 0.9999 AND match_score = round(probability * 100, 2)
           FROM canon.identity_work_subject WHERE node_id = 1),
          'a link keeps the probability of its total weight and the prior');
SELECT results_eq($$SELECT outcome, entity, runner_up FROM canon.identity_work_subject WHERE node_id = 3$$,
                  $$VALUES ('MULTIPLE_CANDIDATES'::text, NULL::text, 'D:t18-d4'::text)$$,
                  'two candidates within ambiguity_margin: MULTIPLE_CANDIDATES, no entity, the runner-up kept');
SELECT results_eq($$SELECT outcome, entity, confidence_level FROM canon.identity_work_subject WHERE node_id = 4$$,
                  $$VALUES ('NEEDS_REVIEW'::text, NULL::text, 'LOW'::text)$$,
                  'a best candidate between review_threshold and link_threshold is queued NEEDS_REVIEW');
SELECT results_eq($$SELECT node_id, outcome, entity FROM canon.identity_work_subject WHERE node_id IN (5, 9) ORDER BY node_id$$,
                  $$VALUES (5, 'NONE'::text, NULL::text), (9, 'NONE', NULL)$$,
                  'a vetoed pair, and a veto against another record of the person, leave the record to a new person');
SELECT results_eq($$SELECT node_id, outcome FROM canon.identity_work_subject WHERE node_id IN (6, 7) ORDER BY node_id$$,
                  $$VALUES (6, 'NAME_ONLY'::text), (7, 'MISSING_IDENTIFIERS'::text)$$,
                  'no candidate nor identifier: three name tokens wait for NAME+DATE then found a person, two are MISSING_IDENTIFIERS');
SELECT results_eq($$SELECT outcome, entity FROM canon.identity_work_subject WHERE node_id = 10$$,
                  $$VALUES ('LINK'::text, 'D:t18-d10'::text)$$,
                  'two driver rows sharing a licence are one candidate, not MULTIPLE_CANDIDATES: the stronger row stands for both');
SELECT results_eq($$SELECT node_id, outcome, entity FROM canon.identity_work_subject WHERE node_id IN (11, 12) ORDER BY node_id$$,
                  $$VALUES (11, 'LINK'::text, 'D:t18-d8'::text), (12, 'NEEDS_REVIEW', NULL)$$,
                  'two records linking to one driver with a veto between them: the stronger links, the other is queued');
SELECT results_eq($$SELECT outcome, entity FROM canon.identity_work_subject WHERE node_id = 13$$,
                  $$VALUES ('LINK'::text, 'D:t18-d11'::text)$$,
                  'inside the margin the target park''s driver wins over another park''s');
SELECT results_eq($$SELECT outcome, entity, runner_up FROM canon.identity_work_subject WHERE node_id = 14$$,
                  $$VALUES ('MULTIPLE_CANDIDATES'::text, NULL::text, '00000000-0000-4000-8000-000000001803'::text)$$,
                  'a record reaching link_threshold with two persons bridges them: queued, whatever the margin');
SELECT results_eq($$SELECT outcome, entity FROM canon.identity_work_subject WHERE node_id = 15$$,
                  $$VALUES ('LINK'::text, 'D:t18-d13'::text)$$,
                  'driver rows chained by shared keys: each stands down for a stronger row it shares a key with, even one that stands down itself');

-- the clusters and the records' decisions
SELECT ok(canon.identity_cluster(15, 0.66, (SELECT w FROM t_w), 0.99) >= 1, 'identity_cluster runs on the decided records');
SELECT lives_ok($$SELECT canon.identity_decide_records(((SELECT w FROM t_w) ->> 'prior')::bigint, 0.99, 0.9999)$$,
                'identity_decide_records builds every decision');
SELECT results_eq($$SELECT source_pk, outcome, match_rule, new_person, person_key IS NOT NULL FROM pg_temp.identity_decision
                    WHERE source_pk IN ('t18-5', 't18-9') ORDER BY source_pk$$,
                  $$VALUES ('t18-5'::text, 'NONE'::text, 'NEW_PERSON'::text, true, true), ('t18-9', 'NONE', 'NEW_PERSON', true, true)$$,
                  'a record whose only candidate is vetoed founds a person of its own');
SELECT ok((SELECT candidates @> '[{"driver_id": "t18-d3"}, {"driver_id": "t18-d4"}]'
                  AND candidates::text !~ '98768' AND (candidates -> 0 ->> 'probability')::numeric > 0.99
           FROM pg_temp.identity_decision WHERE source_pk = 't18-3'),
          'the ambiguous record lists its ranked candidates with probabilities and masked keys only');
DROP TABLE pg_temp.identity_decision;

-- a name-only record that NAME+DATE left in the queue founds a person (setting name_only_persons)
INSERT INTO canon.identity_unmatched (source_table, source_pk, reason_code, run_id)
VALUES ('module_ct_cabinet_leads', 't18-6', 'MISSING_IDENTIFIERS', -18), ('module_ct_cabinet_leads', 't18-7', 'MISSING_IDENTIFIERS', -18);
SELECT is(canon.identity_found_named(-18), 1::bigint, 'identity_found_named founds one person: the name of three tokens');
SELECT results_eq($$SELECT l.source_pk, l.match_rule, l.confidence_level, u.source_pk IS NULL
                    FROM canon.identity_links AS l
                    LEFT JOIN canon.identity_unmatched AS u ON u.source_table = l.source_table AND u.source_pk = l.source_pk
                    WHERE l.source_pk IN ('t18-6', 't18-7')$$,
                  $$VALUES ('t18-6'::text, 'NEW_PERSON'::text, 'LOW'::text, true)$$,
                  'it links NEW_PERSON with confidence LOW and leaves the queue; the two-token name stays queued');

-- a group of new records with a veto inside: A and B share a phone and a name, B and C a plate and a
-- name, A and C carry different DNIs. No edge is vetoed, the group is: all three are queued
TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity, canon.identity_work_edge,
         canon.identity_work_node;
INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone, phone_usable, id_keys, plate,
                                         name_tokens, name_given, surnames, two_surnames)
VALUES (1, 'module_ct_cabinet_leads', 't18-a', '2024-09-01', '987680021', true, '{N:42000001}', NULL, '{JOSE,PAREDES,LUNA}', 'JOSE', '{PAREDES,LUNA}', true),
       (2, 'module_ct_cabinet_leads', 't18-b', '2024-09-01', '987680021', true, '{}', 'XYZ789', '{JOSE,PAREDES,LUNA}', 'JOSE', '{PAREDES,LUNA}', true),
       (3, 'module_ct_cabinet_leads', 't18-c', '2024-09-02', NULL, false, '{N:42000003}', 'XYZ789', '{JOSE,PAREDES,LUNA}', 'JOSE', '{PAREDES,LUNA}', true),
       (4, 'module_ct_cabinet_leads', 't18-e', '2024-09-01', '987680024', true, '{}', NULL, '{LIA,MORA,CANO}', 'LIA', '{MORA,CANO}', true),
       (5, 'module_ct_cabinet_leads', 't18-f', '2024-09-02', '987680024', true, '{}', NULL, '{LIA,MORA,CANO}', 'LIA', '{MORA,CANO}', true);
SELECT lives_ok($$SELECT canon.identity_decide_rules(0.66, (SELECT w FROM t_w), 0.99, 0.5, 3, 0.9999)$$,
                'records without candidates are decided');
SELECT ok(canon.identity_cluster(5, 0.66, (SELECT w FROM t_w), 0.99) >= 1, 'and clustered');
SELECT results_eq($$SELECT node_id, outcome, cluster_veto FROM canon.identity_work_subject ORDER BY node_id$$,
                  $$VALUES (1, 'NEEDS_REVIEW'::text, 'DOCUMENT_DIFFERENT'::text), (2, 'NEEDS_REVIEW', 'DOCUMENT_DIFFERENT'),
                           (3, 'NEEDS_REVIEW', 'DOCUMENT_DIFFERENT'), (4, 'NONE', NULL), (5, 'NONE', NULL)$$,
                  'a veto between two members that share no edge queues the whole group; a clean group stays');
SELECT is((SELECT cluster_members FROM canon.identity_work_subject WHERE node_id = 2),
          '[{"source_pk": "t18-a", "source_table": "module_ct_cabinet_leads"},
            {"source_pk": "t18-c", "source_table": "module_ct_cabinet_leads"}]'::jsonb,
          'each queued member lists the group''s other records, sorted, without itself');
SELECT lives_ok($$SELECT canon.identity_decide_records(((SELECT w FROM t_w) ->> 'prior')::bigint, 0.99, 0.9999)$$,
                'the group''s decisions are built');
SELECT results_eq($$SELECT source_pk, outcome, person_key IS NULL, jsonb_array_length(candidates) FROM pg_temp.identity_decision
                    WHERE source_pk IN ('t18-a', 't18-b', 't18-c') ORDER BY source_pk$$,
                  $$VALUES ('t18-a'::text, 'NEEDS_REVIEW'::text, true, 2), ('t18-b', 'NEEDS_REVIEW', true, 2),
                           ('t18-c', 'NEEDS_REVIEW', true, 2)$$,
                  'the group''s records get no person and list the group''s other records as candidates');

SELECT * FROM finish();
ROLLBACK;
