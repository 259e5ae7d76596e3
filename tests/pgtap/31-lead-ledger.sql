-- The attribution ledger (docs/rules.md §5): one decision per person, rules C > A_FLEET > A > B.
BEGIN;
SELECT plan(10);

SELECT has_table('observational', 'lead_ledger', 'observational.lead_ledger exists');
SELECT has_function('observational', 'refresh_lead_ledger', ARRAY['uuid[]'], 'refresh_lead_ledger(uuid[]) exists');

INSERT INTO canon.identity_registry (person_key, confidence_level) VALUES
    ('00000000-0000-4000-8000-000000000001', 'HIGH'),  -- cabinet only
    ('00000000-0000-4000-8000-000000000002', 'HIGH'),  -- cabinet + scouting (scout 7)
    ('00000000-0000-4000-8000-000000000003', 'HIGH'),  -- scouting 7 and migration 9, 10 days apart
    ('00000000-0000-4000-8000-000000000004', 'HIGH'),  -- scouting by 7 then by 8 six days later
    ('00000000-0000-4000-8000-000000000005', 'HIGH');  -- scouting by 7 then by 8 seven days later
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id) VALUES
    ('module_ct_cabinet_leads', 'lg-1', '2025-12-01', '00000000-0000-4000-8000-000000000001', NULL),
    ('module_ct_cabinet_leads', 'lg-2', '2025-12-01', '00000000-0000-4000-8000-000000000002', NULL),
    ('module_ct_scouting_daily', 'lg-2', '2025-12-03', '00000000-0000-4000-8000-000000000002', 7),
    ('module_ct_scouting_daily', 'lg-3', '2025-12-01', '00000000-0000-4000-8000-000000000003', 7),
    ('module_ct_migrations', 'lg-3', '2025-12-11', '00000000-0000-4000-8000-000000000003', 9),
    ('module_ct_scouting_daily', 'lg-4a', '2025-12-01', '00000000-0000-4000-8000-000000000004', 7),
    ('module_ct_scouting_daily', 'lg-4b', '2025-12-07', '00000000-0000-4000-8000-000000000004', 8),
    ('module_ct_scouting_daily', 'lg-5a', '2025-12-01', '00000000-0000-4000-8000-000000000005', 7),
    ('module_ct_scouting_daily', 'lg-5b', '2025-12-08', '00000000-0000-4000-8000-000000000005', 8);

SELECT is((observational.refresh_lead_ledger(ARRAY(SELECT person_key FROM canon.identity_registry
                                                   WHERE person_key::text LIKE '00000000-0000-4000-8000-00000000000%')) ->> 'changed')::int,
          5, 'five decisions are written');
SELECT results_eq(
    $$SELECT right(person_key::text, 1), attribution_rule, attributed_source, attributed_scout_id, decision_status
      FROM observational.lead_ledger WHERE person_key::text LIKE '00000000-0000-4000-8000-00000000000%' ORDER BY 1$$,
    $$VALUES ('1', 'B', 'cabinet', NULL::int, 'assigned'),
             ('2', 'A', 'scouting', 7, 'assigned'),
             ('3', 'A_FLEET', 'fleet_migration', 9, 'assigned'),
             ('4', 'C', NULL, NULL, 'conflict'),
             ('5', 'A', 'scouting', 8, 'assigned')$$,
    'rules: cabinet only B; scouting beats cabinet; migration beats scouting; two scouts 6 days apart conflict; 7 days apart do not (half-open window), latest scout wins');
SELECT is((SELECT attribution_score FROM observational.lead_ledger WHERE person_key = '00000000-0000-4000-8000-000000000001'),
          0.80, 'rule B scores 0.80');
SELECT is((SELECT confidence_level FROM observational.lead_ledger WHERE person_key = '00000000-0000-4000-8000-000000000003'),
          'HIGH', 'rule A_FLEET is HIGH confidence');
SELECT is((observational.refresh_lead_ledger(ARRAY['00000000-0000-4000-8000-000000000001'::uuid]) ->> 'changed')::int,
          0, 'recomputing an unchanged person writes nothing');
SELECT is(observational.refresh_lead_ledger(ARRAY['00000000-0000-4000-8000-000000000002'::uuid,
                                                   '00000000-0000-4000-8000-000000000002', NULL]),
          '{"persons": 3, "changed": 0, "removed": 0}'::jsonb,
          'a repeated person and a NULL element are accepted, and the function runs again in the same transaction');
DELETE FROM observational.lead_events WHERE person_key = '00000000-0000-4000-8000-000000000001';
SELECT is((observational.refresh_lead_ledger(ARRAY['00000000-0000-4000-8000-000000000001'::uuid]) ->> 'removed')::int,
          1, 'a person without events leaves the ledger');
SELECT throws_ok($$SELECT observational.refresh_lead_ledger(NULL)$$, '22004', NULL, 'a NULL list is refused');

SELECT * FROM finish();
ROLLBACK;
