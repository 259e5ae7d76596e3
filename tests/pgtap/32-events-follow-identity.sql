-- Events never match on their own: after a manual resolve or a merge, the next populate moves the
-- event's person_key to what canon.identity_links says, and recomputes the ledger.
BEGIN;
SET client_min_messages = warning;
SELECT plan(6);

INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone) VALUES
    (940001, 'fi-1', '2024-05-02 10:00', 'Julia', 'Campos Rey', '987440001'),
    (940002, 'fi-2', '2024-05-03 10:00', 'Sin', 'Datos', NULL);
INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone) VALUES
    (940001, '2024-05-04', 31, 'MARTA LUNA', '987440003');
SELECT lives_ok($$SELECT observational.populate_lead_events('2024-05-01', '2024-05-31')$$, 'first populate');
SELECT is((SELECT person_key FROM observational.lead_events WHERE source_pk = 'fi-2'), NULL::uuid,
          'a lead with nothing usable has an event without person');

SELECT canon.resolve_unmatched('module_ct_cabinet_leads', 'fi-2',
       (SELECT person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'fi-1'),
       'same person, confirmed by phone');
SELECT is((SELECT (r #>> '{sources,module_ct_cabinet_leads,updated}')::int
           FROM observational.populate_lead_events('2024-05-01', '2024-05-31') AS r), 1,
          'after a manual resolve the next populate updates exactly that event');
SELECT is((SELECT person_key FROM observational.lead_events WHERE source_pk = 'fi-2'),
          (SELECT person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'fi-1'),
          'the resolved event carries the person it was resolved to');

SELECT canon.merge_persons(
       (SELECT person_key FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'fi-1'),
       (SELECT person_key FROM canon.identity_links WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '940001'),
       'one human');
SELECT lives_ok($$SELECT observational.populate_lead_events('2024-05-01', '2024-05-31')$$, 'populate after a merge');
SELECT results_eq(
    $$SELECT attribution_rule, attributed_scout_id FROM observational.lead_ledger
      WHERE person_key = (SELECT person_key FROM canon.identity_links
                          WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'fi-1')$$,
    $$VALUES ('A'::text, 31)$$,
    'the kept person now has the scouting event and its scout in the ledger');

SELECT * FROM finish();
ROLLBACK;
