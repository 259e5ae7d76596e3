-- The unlinked-driver pass (canon.identity_link_drivers) on its own, on seeded persons and drivers, in both
-- of its forms: a first load (most drivers changed: every unlinked and every linked driver read) and a few
-- drivers (the near ones read by index). A driver joins a person through the person's linked driver; two
-- drivers joining one person with a veto between them (two different documents) join neither.
BEGIN;
SET client_min_messages = warning;
SELECT plan(7);

SELECT has_function('canon', 'identity_link_drivers', ARRAY['bigint', 'bigint', 'numeric', 'jsonb', 'numeric', 'numeric'],
                    'canon.identity_link_drivers(bigint, bigint, numeric, jsonb, numeric, numeric) exists');

-- person 1: one linked driver; person 2: one linked lead record
INSERT INTO canon.identity_registry (person_key, confidence_level)
VALUES ('00000000-0000-0000-0000-00000000d001', 'HIGH'), ('00000000-0000-0000-0000-00000000d002', 'HIGH');
INSERT INTO canon.drivers_index (driver_id, park_id, phone, name_tokens, name_key, given_name, name_given, surnames,
                                 two_surnames, hire_date, row_hash, run_id)
VALUES -- person 1's driver, and the same man under a second driver account (same phone and name)
       ('p-d1', '08e20910d81d42658d4334d3f6d10ac0', '987691001', '{JUAN,PEREZ,LOPEZ}', 'JUAN LOPEZ PEREZ',
        'JUAN', 'JUAN', '{PEREZ,LOPEZ}', true, '2024-07-01', 'x', 990001),
       ('p-d2', '08e20910d81d42658d4334d3f6d10ac0', '987691001', '{JUAN,PEREZ,LOPEZ}', 'JUAN LOPEZ PEREZ',
        'JUAN', 'JUAN', '{PEREZ,LOPEZ}', true, '2024-08-01', 'x', 990002);
-- two drivers on person 2's phone and name, each with a document of his own
INSERT INTO canon.drivers_index (driver_id, park_id, phone, document, id_keys, name_tokens, name_key, given_name,
                                 name_given, surnames, two_surnames, hire_date, row_hash, run_id)
VALUES ('p-d3', '08e20910d81d42658d4334d3f6d10ac0', '987691002', '41000001', '{D:41000001}', '{ROSA,DIAZ,ROJAS}',
        'DIAZ ROJAS ROSA', 'ROSA', 'ROSA', '{ROJAS,DIAZ}', true, '2024-08-01', 'x', 990002),
       ('p-d4', '08e20910d81d42658d4334d3f6d10ac0', '987691002', '41000002', '{D:41000002}', '{ROSA,DIAZ,ROJAS}',
        'DIAZ ROJAS ROSA', 'ROSA', 'ROSA', '{ROJAS,DIAZ}', true, '2024-08-02', 'x', 990002);
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, name_tokens, given_name, name_given, surnames,
                             two_surnames, row_hash)
VALUES ('module_ct_cabinet_leads', 'p-c1', '2024-07-05', '987691002', '{ROSA,DIAZ,ROJAS}', 'ROSA', 'ROSA',
        '{ROJAS,DIAZ}', true, 'x');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, match_probability,
                                  confidence_level, evidence, run_id)
VALUES ('00000000-0000-0000-0000-00000000d001', 'drivers', 'p-d1', 'PHONE+NAME', 99, 0.99, 'HIGH', '{}', 990002),
       ('00000000-0000-0000-0000-00000000d002', 'module_ct_cabinet_leads', 'p-c1', 'PHONE+NAME', 99, 0.99, 'HIGH', '{}',
        990002);

-- the pass in one form: the driver it links, and the two it leaves out
CREATE FUNCTION pg_temp.pass_links(p_changed bigint, p_form text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
BEGIN
    RETURN NEXT is(canon.identity_link_drivers(990002, p_changed, 0.66, canon.match_weight_map(), 0.95, 0.9999), 1::bigint,
                   p_form || ': the pass links one driver');
    RETURN NEXT results_eq($$SELECT source_pk, person_key, match_rule, (evidence ->> 'driver_pass')::boolean
                             FROM canon.identity_links WHERE source_table = 'drivers' AND run_id = 990002 AND source_pk <> 'p-d1'$$,
                           $$VALUES ('p-d2'::text, '00000000-0000-0000-0000-00000000d001'::uuid, 'PHONE+NAME'::text, true)$$,
                           p_form || ': the second account joins the person of the linked driver it shares a phone and name with');
    RETURN NEXT is((SELECT count(*) FROM canon.identity_links WHERE source_pk IN ('p-d3', 'p-d4')), 0::bigint,
                   p_form || ': two drivers joining one person with different documents join neither');
END;
$f$;

-- a first load: every driver changed
SELECT * FROM pg_temp.pass_links(1000000, 'first load');

-- the same drivers as a few changed in a run that linked the persons' records (read by index)
DELETE FROM canon.identity_links WHERE source_pk = 'p-d2';
ANALYZE canon.drivers_index;  -- the pass tells a first load from the table's row count
SELECT * FROM pg_temp.pass_links(0, 'a few drivers');

SELECT * FROM finish();
ROLLBACK;
