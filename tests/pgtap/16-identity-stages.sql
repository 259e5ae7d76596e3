-- The stages of canon.run_identity on their own, on seeded work tables: candidate pairs (canon.identity_block)
-- carry their comparison levels, weight and veto; a vetoed candidate is dropped.
BEGIN;
SET client_min_messages = warning;
SELECT plan(12);

TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
-- an unlinked driver, and two records to decide on its phone: the driver himself (a typo in his given
-- name) and his sister
INSERT INTO canon.drivers_index (driver_id, park_id, phone, name_tokens, name_key, given_name, name_given, surnames,
                                 two_surnames, hire_date, row_hash)
VALUES ('s-d1', '08e20910d81d42658d4334d3f6d10ac0', '987690001', '{PERCY,PENA,YUPANQUI}', 'PENA PERCY YUPANQUI',
        'PERCY', 'PERCY', '{PENA,YUPANQUI}', true, '2024-07-01', 'x');
INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, phone, phone_usable, name_tokens,
                                         given_name, name_given, surnames, two_surnames)
VALUES (1, 'module_ct_cabinet_leads', 's-c1', '2024-07-02', '987690001', true, '{PENA,PERYC,YUPANQUI}', 'PERYC', 'PERYC',
        '{PENA,YUPANQUI}', true),
       (2, 'module_ct_cabinet_leads', 's-c2', '2024-07-03', '987690001', true, '{PENA,ROSA,YUPANQUI}', 'ROSA', 'ROSA',
        '{PENA,YUPANQUI}', true);
SELECT ok((canon.identity_block(0, '08e20910d81d42658d4334d3f6d10ac0', 0.66, canon.match_weight_map(), 0.99) ->> 'pairs')::bigint = 2,
          'identity_block finds the two phone candidate pairs');
SELECT results_eq($$SELECT match_rule, entity, levels[1], levels[4], veto, dropped FROM canon.identity_work_pair WHERE node_id = 1$$,
                  $$VALUES ('R1_PHONE_EXACT'::text, 'D:s-d1'::text, 'SAME'::text, 'GIVEN_BOTH_SURNAMES'::text, NULL::text, NULL::text)$$,
                  'the driver''s own lead (a swapped letter in the given name): same phone, given name and both surnames, no veto');
SELECT ok((SELECT weight_milli = canon.levels_weight(levels, canon.match_weight_map()) AND weight_milli > 0
           FROM canon.identity_work_pair WHERE node_id = 1),
          'the pair carries its weight from the weights in use');
SELECT results_eq($$SELECT levels[4], veto, dropped FROM canon.identity_work_pair WHERE node_id = 2$$,
                  $$VALUES ('GIVEN_DIFFER'::text, 'HOUSEHOLD'::text, 'HOUSEHOLD'::text)$$,
                  'his sister on the same phone: given names differ, HOUSEHOLD veto, the candidate is dropped');

-- the decision stage reads the pairs: the driver's lead links, the sister does not
SELECT lives_ok($$SELECT canon.identity_decide_rules(0.66, canon.match_weight_map(), 0.99, 0.5, 3, 0.9999)$$,
                'identity_decide_rules runs on the seeded pairs');
SELECT results_eq($$SELECT node_id, outcome, entity FROM canon.identity_work_subject ORDER BY node_id$$,
                  $$VALUES (1, 'LINK'::text, 'D:s-d1'::text), (2, 'NONE'::text, NULL::text)$$,
                  'the lead links to the driver; the sister is left to found a person of her own');

-- car + name candidates (R4): target-park drivers and records of one car model, carrying only a name
CREATE FUNCTION pg_temp.car_driver(p_id text, p_tokens text[]) RETURNS void LANGUAGE sql AS $f$
    INSERT INTO canon.drivers_index (driver_id, park_id, name_tokens, name_key, given_name, name_given, surnames,
                                     two_surnames, hire_date, car_key, name_blocks, row_hash)
    VALUES (p_id, '08e20910d81d42658d4334d3f6d10ac0', p_tokens, pg_catalog.array_to_string(p_tokens, ' '), p_tokens[1],
            p_tokens[1], p_tokens[2:], false, '2024-07-01', 'TOYOTA YARIS', canon.name_block_keys(p_tokens), 'x')
$f$;
CREATE FUNCTION pg_temp.car_record(p_node integer, p_tokens text[]) RETURNS void LANGUAGE sql AS $f$
    INSERT INTO canon.identity_work_subject (node_id, source_table, source_pk, lead_date, name_tokens, given_name,
                                             name_given, surnames, two_surnames, car_key, name_blocks)
    VALUES (p_node, 'module_ct_cabinet_leads', 's-c' || p_node, '2024-07-02', p_tokens, p_tokens[1], p_tokens[1],
            p_tokens[2:], false, 'TOYOTA YARIS', canon.name_block_keys(p_tokens))
$f$;
-- a record and three drivers sharing a name block
TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
SELECT pg_temp.car_driver(d.id, d.tokens)
FROM (VALUES ('r-d1', '{JOSE,QUISPE}'::text[]), ('r-d2', '{CARLOS,JOSE,QUISPE}'), ('r-d3', '{JOSE,PEREZ}')) AS d (id, tokens);
SELECT pg_temp.car_record(3, '{JOSE,QUISPE}');
SELECT ok((canon.identity_block(0, '08e20910d81d42658d4334d3f6d10ac0', 0.66, canon.match_weight_map(), 0.99) ->> 'pairs')::bigint = 0,
          'identity_block runs on a record with a car and no identifier');
SELECT set_eq($$SELECT driver_id, similarity, levels IS NOT NULL FROM canon.identity_work_pair WHERE node_id = 3$$,
              $$VALUES ('r-d1'::text, 1.0000::numeric, true), ('r-d2', 0.6667, true)$$,
              'car + name pairs: the same name and a name holding it (0.67) are compared; a name sharing one of two tokens (0.42, under the threshold) is no pair');

-- the same name whose whole-name block is crowded (51 four-token names hold it) still meets its driver
-- through a block of two of its tokens
TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
SELECT pg_temp.car_driver('r-d4', '{ANA,BETO,CRUZ}');
SELECT pg_temp.car_driver('r-x' || i, ARRAY['ANA', 'BETO', 'CRUZ', 'ZZ' || pg_catalog.lpad(i::text, 3, '0')])
FROM pg_catalog.generate_series(1, 51) AS i;
SELECT pg_temp.car_record(4, '{ANA,BETO,CRUZ}');
SELECT is(canon.identity_block(0, '08e20910d81d42658d4334d3f6d10ac0', 0.66, canon.match_weight_map(), 0.99)
          -> 'car_name',
          '{"blocks_left_out": 1, "pairs_left_out": 52}'::jsonb,
          'the crowded block is reported: one block, the 52 drivers the record would have been paired with');
SELECT set_eq($$SELECT driver_id, similarity FROM canon.identity_work_pair WHERE node_id = 4$$,
              $$VALUES ('r-d4'::text, 1.0000::numeric)$$,
              'the same name meets its driver through an uncrowded block when its whole name''s block is crowded');

-- a common name on a common model: one name, held by more drivers (each a person of his own) than
-- max_block_size (50), is no evidence: its blocks are left out; 50 such drivers are still compared
TRUNCATE canon.identity_work_subject, canon.identity_work_pair;
SELECT pg_temp.car_driver('r-y' || i, '{LUIS,ROJAS}') FROM pg_catalog.generate_series(1, 51) AS i;
SELECT pg_temp.car_record(5, '{LUIS,ROJAS}');
-- the stage in a statement of its own: a query around it would count the pairs from before it ran
CREATE TEMP TABLE block_report AS
SELECT canon.identity_block(0, '08e20910d81d42658d4334d3f6d10ac0', 0.66, canon.match_weight_map(), 0.99) AS r;
SELECT is((SELECT r -> 'car_name' FROM block_report)
          || pg_catalog.jsonb_build_object('compared', (SELECT count(*) FROM canon.identity_work_pair)),
          '{"blocks_left_out": 3, "pairs_left_out": 153, "compared": 0}'::jsonb,
          'one name held by 51 drivers on one car: its three blocks are left out and reported, no pair is compared');
TRUNCATE canon.identity_work_pair;
DELETE FROM canon.drivers_index WHERE driver_id = 'r-y51';
TRUNCATE block_report;
INSERT INTO block_report
SELECT canon.identity_block(0, '08e20910d81d42658d4334d3f6d10ac0', 0.66, canon.match_weight_map(), 0.99);
SELECT is((SELECT r -> 'car_name' FROM block_report)
          || pg_catalog.jsonb_build_object('compared', (SELECT count(*) FROM canon.identity_work_pair)),
          '{"blocks_left_out": 0, "pairs_left_out": 0, "compared": 50}'::jsonb,
          'held by 50 drivers, the cap, the name is still compared with each');

SELECT * FROM finish();
ROLLBACK;
