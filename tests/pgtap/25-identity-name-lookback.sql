-- NAME+DATE's look back (canon.identity_name_lookback): of the name-only records earlier runs queued, the
-- ones a lead record linked in the given run reaches at a strong name level come back: the same given
-- name, lead dates at most p_days apart, and the same three or more tokens, or the queued record's two
-- surnames among the linked record's tokens, or the linked record's two surnames among the queued
-- record's tokens. Each test is found through the equality it implies (docs/identity.md), so each is
-- seeded here on its own.
BEGIN;
SET client_min_messages = warning;
SELECT plan(8);

-- the linked records of run 9501 and the queued records, one of each per case
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, name_tokens, name_given, surnames, two_surnames, row_hash, run_id)
VALUES
    -- linked
    ('module_ct_cabinet_leads', 'lb-x1', '2031-03-10', '{ANA,LUZ,ROJAS}', 'ANA', '{ROJAS}', false, 'x', 9501),
    ('module_ct_cabinet_leads', 'lb-x2', '2031-03-10', '{CCAHUANA,CONDORI,JUANA,MARIA}', 'JUANA', '{CONDORI,CCAHUANA}', true, 'x', 9501),
    ('module_ct_cabinet_leads', 'lb-x3', '2031-03-10', '{PEREZ,PEDRO,SOTO}', 'PEDRO', '{PEREZ,SOTO}', true, 'x', 9501),
    -- queued: the same tokens; its two surnames among x2's tokens; x3's two surnames among its tokens
    ('module_ct_scouting_daily', 'lb-q1', '2031-03-20', '{ANA,LUZ,ROJAS}', 'ANA', '{ROJAS}', false, 'x', 9400),
    ('module_ct_scouting_daily', 'lb-q2', '2031-03-01', '{CCAHUANA,CONDORI,JUANA}', 'JUANA', '{CONDORI,CCAHUANA}', true, 'x', 9400),
    ('module_ct_scouting_daily', 'lb-q3', '2031-03-15', '{ALBERTO,PEDRO,PEREZ,SOTO}', 'PEDRO', '{ALBERTO,PEREZ}', true, 'x', 9400),
    -- queued, not reached: another surname; too far in time; another given name
    ('module_ct_scouting_daily', 'lb-q4', '2031-03-12', '{CRUZ,JUANA,QUISPE}', 'JUANA', '{QUISPE,CRUZ}', true, 'x', 9400),
    ('module_ct_scouting_daily', 'lb-q5', '2031-05-01', '{ANA,LUZ,ROJAS}', 'ANA', '{ROJAS}', false, 'x', 9400),
    ('module_ct_scouting_daily', 'lb-q6', '2031-03-10', '{CCAHUANA,CONDORI,ROSA}', 'ROSA', '{CONDORI,CCAHUANA}', true, 'x', 9400);
INSERT INTO canon.identity_registry (person_key, confidence_level)
VALUES ('00000000-0000-4000-8000-000000250001', 'HIGH');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level, run_id)
SELECT '00000000-0000-4000-8000-000000250001', 'module_ct_cabinet_leads', pk, 'NEW_PERSON', 100, 'HIGH', 9501
FROM pg_catalog.unnest(ARRAY['lb-x1', 'lb-x2', 'lb-x3']) AS pk;
INSERT INTO canon.identity_unmatched (source_table, source_pk, reason_code)
SELECT 'module_ct_scouting_daily', pk, 'MISSING_IDENTIFIERS'
FROM pg_catalog.unnest(ARRAY['lb-q1', 'lb-q2', 'lb-q3', 'lb-q4', 'lb-q5', 'lb-q6']) AS pk;

CREATE TEMP TABLE lookback_found AS
SELECT b.source_pk FROM canon.identity_name_lookback(9501, 30) AS b WHERE b.source_pk LIKE 'lb-%';

SELECT ok(EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q1'),
          'the same three tokens ten days apart: looked back at');
SELECT ok(EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q2'),
          'its two surnames among the linked record''s tokens: looked back at');
SELECT ok(EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q3'),
          'the linked record''s two surnames among its tokens: looked back at');
SELECT ok(NOT EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q4'),
          'the same given name and other surnames: not looked back at');
SELECT ok(NOT EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q5'),
          'the same tokens 52 days apart: not looked back at');
SELECT ok(NOT EXISTS (SELECT 1 FROM lookback_found WHERE source_pk = 'lb-q6'),
          'the same surnames and another given name: not looked back at');
SELECT is((SELECT pg_catalog.count(*) FROM lookback_found), 3::bigint, 'each record at most once');

-- a queued record linked meanwhile is not looked back at
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level, run_id)
VALUES ('00000000-0000-4000-8000-000000250001', 'module_ct_scouting_daily', 'lb-q1', 'NAME+DATE', 90, 'MEDIUM', 9400);
SELECT ok(NOT EXISTS (SELECT 1 FROM canon.identity_name_lookback(9501, 30) AS b WHERE b.source_pk = 'lb-q1'),
          'a queued record already linked is left out');

SELECT * FROM finish();
ROLLBACK;
