-- What lead_attribution_reader sees: published views, masked identifiers; never raw tables or payload_json.
BEGIN;
SELECT plan(10);

INSERT INTO canon.identity_registry (person_key, primary_phone, primary_license, primary_document, primary_full_name, confidence_level)
VALUES ('00000000-0000-4000-8000-0000000000aa', '987654321', 'Q12345678', '12345678', 'ROSA QUISPE', 'HIGH');
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, payload_json)
VALUES ('module_ct_cabinet_leads', 'rd-1', '2025-12-01', '00000000-0000-4000-8000-0000000000aa', '{"first_name": "Rosa"}');

SET LOCAL ROLE lead_attribution_reader;
SELECT throws_ok($$SELECT count(*) FROM public.module_ct_cabinet_leads$$, '42501', NULL,
                 'the reader cannot read raw cabinet leads');
SELECT throws_ok($$SELECT count(*) FROM public.drivers$$, '42501', NULL, 'the reader cannot read raw drivers');
SELECT throws_ok($$SELECT payload_json FROM observational.lead_events$$, '42501', NULL,
                 'the reader cannot read lead_events and its payload_json');
SELECT throws_ok($$SELECT primary_phone FROM canon.identity_registry$$, '42501', NULL,
                 'the reader cannot read the registry''s raw identifiers');
SELECT throws_ok($$SELECT count(*) FROM canon.identity_links$$, '42501', NULL,
                 'the reader cannot read identity links and their evidence');
SELECT is((SELECT phone_masked FROM canon.v_persons_masked WHERE person_key = '00000000-0000-4000-8000-0000000000aa'),
          '******321', 'persons show the phone masked to its last 3 digits');
SELECT hasnt_column('canon', 'v_persons_masked', 'primary_document', 'persons show no document number');
SELECT hasnt_column('observational', 'v_lead_events_masked', 'payload_json', 'masked events have no payload_json');
SELECT is((SELECT count(*)::int FROM observational.v_lead_events_masked WHERE person_key = '00000000-0000-4000-8000-0000000000aa'), 1,
          'the reader reads events through the masked view');
SELECT lives_ok($$SELECT count(*) FROM ops.v_cabinet_financial_14d$$, 'the reader reads the Yango receivable');

SELECT * FROM finish();
ROLLBACK;
