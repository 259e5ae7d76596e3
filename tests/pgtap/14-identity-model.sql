-- Evidence-weighted identity: the parsed name, comparison levels, vetoes, the weights as data, and the
-- operator functions explain_match and split_record, May 2024.
BEGIN;
SET client_min_messages = warning;
SELECT plan(34);

-- shape
SELECT has_function('canon', 'parse_name', ARRAY['text', 'text', 'text'], 'canon.parse_name(text, text, text) exists');
SELECT has_function('canon', 'explain_match', ARRAY['text', 'text'], 'canon.explain_match(text, text) exists');
SELECT has_function('canon', 'split_record', ARRAY['text', 'text', 'text'], 'canon.split_record(text, text, text) exists');
SELECT has_table('canon', 'match_weights', 'canon.match_weights (versioned weights) exists');
SELECT has_view('canon', 'v_match_weights', 'canon.v_match_weights (weights in use) exists');
SELECT ok(NOT has_function_privilege('lead_attribution_writer', 'canon.identity_block(bigint, text, numeric, jsonb, numeric)', 'EXECUTE'),
          'the stages of run_identity are not callable by the writer role');

-- name parsing
SELECT is(canon.parse_name('MIGUEL ROGER ROJAS CHAVEZ', NULL, NULL)::text, '(MIGUEL,"{ROJAS,CHAVEZ}",t)',
          'free text of four tokens: first token given, last two surnames');
SELECT is(canon.parse_name('Juan Carlos Pérez de la Cruz', 'Juan Carlos', 'Pérez de la Cruz')::text, '(JUAN,"{PEREZ,CRUZ}",t)',
          'structured: the surname field (stopwords dropped) holds the two surnames');
SELECT is(canon.parse_name('JUAN JOSE RIVAS', NULL, NULL)::text, '(JUAN,"{JOSE,RIVAS}",f)',
          'free text of three tokens: two surnames read, but not carried');
SELECT is(canon.parse_name('ANA PEREZ', NULL, NULL)::text, '(ANA,{PEREZ},f)',
          'two tokens: one surname, not "carries two surnames"');
SELECT is(canon.parse_name(NULL, NULL, NULL)::text, '(,{},f)', 'no name: nothing parsed');

-- comparison levels (phone, document, plate, name, date, car) and vetoes
CREATE TEMP TABLE t_cmp AS
SELECT c.label, canon.compare_levels(c.pa, c.ia, NULL, canon.name_tokens(c.na), (canon.parse_name(c.na, NULL, NULL)).given_name,
                                     (canon.parse_name(c.na, NULL, NULL)).surnames, (canon.parse_name(c.na, NULL, NULL)).two_surnames,
                                     '2024-05-01', NULL,
                                     c.pb, c.ib, NULL, canon.name_tokens(c.nb), (canon.parse_name(c.nb, NULL, NULL)).given_name,
                                     (canon.parse_name(c.nb, NULL, NULL)).surnames, (canon.parse_name(c.nb, NULL, NULL)).two_surnames,
                                     c.db, NULL, 0.66) AS levels
FROM (VALUES
    ('household', '987000001', '{}'::text[], 'MIGUEL ANGEL DIAZ ZAPATA', '987000001', '{}'::text[], 'MIGUEL ANGEL DIAZ PENA', '2024-05-02'::date),
    ('three', '987000004', '{}', 'JUAN JOSE RIVAS', '987000004', '{}', 'JUAN CARLOS RIVAS RUIZ', '2024-05-02'),
    ('two_licences', '987000002', '{L:Q1}', 'MIGUEL ROGER ROJAS CHAVEZ', '987000002', '{L:Q2}', 'MIGUEL ROJAS CORDOVA', '2024-05-02'),
    ('typo', NULL, '{}', 'PERYC PENA YUPANQUI', NULL, '{}', 'PERCY PENA YUPANQUI', '2024-05-20'),
    ('relative', '987000003', '{}', 'ROSA PEREZ GARCIA', '987000003', '{}', 'MARIA PEREZ GARCIA', '2024-09-01'),
    ('subset', NULL, '{N:40000001}', 'JUAN PEREZ', NULL, '{N:40000001}', 'JUAN CARLOS PEREZ', NULL),
    ('short_typo', '987000005', '{}', 'JON CASTILLO', '987000005', '{}', 'JHON CASTILLO VILCA', '2024-05-03')
) AS c (label, pa, ia, na, pb, ib, nb, db);
SELECT is((SELECT levels FROM t_cmp WHERE label = 'household'), '{SAME,MISSING,MISSING,SURNAMES_CONTRADICT,WITHIN_3,MISSING}'::text[],
          'one phone, same given names, second surnames differ: SURNAMES_CONTRADICT');
SELECT is((SELECT canon.pair_veto(levels) FROM t_cmp WHERE label = 'household'), 'SURNAMES_CONTRADICT',
          'a household sharing phone and first surname is vetoed');
SELECT is((SELECT canon.pair_veto(levels) FROM t_cmp WHERE label = 'three'), NULL,
          'three free-text tokens do not carry two surnames: no contradiction rests on that reading');
SELECT is((SELECT canon.pair_veto(levels) FROM t_cmp WHERE label = 'two_licences'), 'DOCUMENT_DIFFERENT',
          'two different licences veto the pair whatever the phone');
SELECT is((SELECT levels[4] FROM t_cmp WHERE label = 'typo'), 'GIVEN_BOTH_SURNAMES',
          'a swapped-letter given name with both surnames equal is GIVEN_BOTH_SURNAMES, not a contradiction');
SELECT is((SELECT levels[5] FROM t_cmp WHERE label = 'typo'), 'WITHIN_90', 'lead dates 19 days apart: WITHIN_90');
SELECT results_eq($$SELECT levels[4], canon.pair_veto(levels) FROM t_cmp WHERE label = 'relative'$$,
                  $$VALUES ('GIVEN_DIFFER'::text, 'HOUSEHOLD'::text)$$,
                  'given names differ beyond a typo and only the phone agrees: HOUSEHOLD veto');
SELECT is((SELECT canon.pair_veto(levels) FROM t_cmp WHERE label = 'short_typo'), NULL,
          'a letter dropped from a short given name (JON / JHON) is a typo, not a household');
SELECT results_eq($$SELECT levels[2], levels[4], levels[5], canon.pair_veto(levels) FROM t_cmp WHERE label = 'subset'$$,
                  $$VALUES ('SAME'::text, 'SUBSET'::text, 'MISSING'::text, NULL::text)$$,
                  'same DNI, one name inside the other, no date: SUBSET, no veto');

-- weights are data: a seeded version, every level weighted, an override wins
SELECT is((SELECT count(*)::int FROM canon.v_match_weights WHERE weight_milli IS NULL), 0, 'every level of the version in use has a weight');
SELECT ok((SELECT bool_and(weight_milli > 0) FILTER (WHERE level = 'SAME') AND bool_and(weight_milli < 0) FILTER (WHERE level = 'DIFFERENT')
           FROM canon.v_match_weights WHERE field IN ('phone', 'document', 'plate')),
          'agreement on an identifier adds evidence, disagreement subtracts it');
INSERT INTO canon.match_weight_overrides (field, level, weight_milli, note) VALUES ('car', 'SAME', 0, 'car models are too common here');
SELECT results_eq($$SELECT weight_milli, overridden FROM canon.v_match_weights WHERE field = 'car' AND level = 'SAME'$$,
                  $$VALUES (0, true)$$, 'an operator override replaces the weight of a level');

-- explain_match and split_record on a fixture: a driver and a lead of one human, a relative on the phone
INSERT INTO public.drivers (driver_id, park_id, first_name, last_name, full_name, phone, license_number, hire_date) VALUES
    ('x-d1', '08e20910d81d42658d4334d3f6d10ac0', 'Percy', 'Peña Yupanqui', 'PEÑA YUPANQUI PERCY', '987670001', 'Q40000601', '2024-05-03');
INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone) VALUES
    (930001, 'x-c1', '2024-05-02 10:00', 'Percy', 'Peña Yupanqui', '987670001'),
    (930002, 'x-c2', '2024-05-04 10:00', 'Rosa', 'Peña Yupanqui', '987670001');
CREATE TEMP TABLE t_run AS SELECT canon.run_identity('2024-05-01', '2024-05-31') AS result;
CREATE TEMP TABLE t_explain AS SELECT * FROM canon.explain_match('module_ct_cabinet_leads', 'x-c1');
SELECT is((SELECT array_agg(item ORDER BY item) FROM (SELECT DISTINCT item FROM t_explain) AS x),
          '{comparison,link,prior,probability,runner_up,total,veto}'::text[],
          'explain_match returns comparisons, prior, total, probability, veto, runner-up and the link');
SELECT results_eq($$SELECT field, level FROM t_explain WHERE item = 'comparison' AND field IN ('phone', 'name')$$,
                  $$VALUES ('phone'::text, 'SAME'::text), ('name', 'SAME_FULL_NAME')$$,
                  'the lead compared with its driver: same phone, same name');
SELECT ok((SELECT weight_bits > 0.99 FROM t_explain WHERE item = 'probability'), 'and the pair''s probability is high');
SELECT ok((SELECT level = 'PHONE+NAME' AND weight_bits > 0.99 AND detail LIKE '%linked at probability%' FROM t_explain WHERE item = 'link'),
          'a link decided by probability shows its rule and the probability it was linked with');
SELECT is_empty($$SELECT 1 FROM t_explain WHERE detail ~ '98767' OR level ~ '98767'$$, 'no raw phone in the explanation');

CREATE TEMP TABLE t_split AS
    SELECT canon.split_record('module_ct_cabinet_leads', 'x-c1', 'checked: another person') AS new_key,
           (SELECT person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'x-c1') AS old_key;
SELECT results_eq($$SELECT l.person_key, l.match_rule FROM canon.identity_links l
                    WHERE l.source_table = 'module_ct_cabinet_leads' AND l.source_pk = 'x-c1'$$,
                  $$SELECT new_key, 'MANUAL'::text FROM t_split$$, 'split_record moves the record to a new person, as MANUAL');
SELECT results_eq($$SELECT h.action, h.old_person_key, h.new_person_key, h.note FROM canon.identity_link_history h
                    WHERE h.source_table = 'module_ct_cabinet_leads' AND h.source_pk = 'x-c1'$$,
                  $$SELECT 'SPLIT'::text, old_key, new_key, 'checked: another person'::text FROM t_split$$,
                  'and keeps the old person, the new one and the note in the history');
SELECT isnt((SELECT old_key FROM t_split), (SELECT new_key FROM t_split), 'the new person is another person_key');

-- errors
SELECT throws_ok($$SELECT * FROM canon.explain_match('nowhere', '1')$$, '22023', NULL, 'explain_match refuses an unknown source');
SELECT throws_ok($$SELECT canon.split_record('module_ct_cabinet_leads', 'no-such-record', 'x')$$, '22023', NULL,
                 'split_record refuses a record that is not linked');
SELECT throws_ok($$SELECT canon.split_record(NULL, 'x', 'x')$$, '22004', NULL, 'split_record refuses a NULL record');

SELECT * FROM finish();
ROLLBACK;
