-- A loader's external_id is free text that can hold a phone or a document: the reader sees it masked
-- (source_pk of the masked events, lead_source_pk of the receivable); the package's own roles see it as written.
BEGIN;
SELECT plan(7);

INSERT INTO observational.lead_events (source_table, source_pk, event_date, payload_json)
VALUES ('module_ct_cabinet_leads', 'DNI 45678912 / 987654321', '2001-01-01', '{}'),
       ('module_ct_cabinet_leads', 'ab1', '2001-01-01', '{}');
INSERT INTO ops.cabinet_receivable (lead_source_pk, lead_date, iso_week, trips_14d, reached_m1, reached_m5,
    reached_m25, expected_m1, expected_m5, expected_m25, paid_m1, paid_m5, paid_m25, due_date, funnel_stage)
VALUES ('DNI 45678912 / 987654321', '2001-01-01', '2001-W01', 0, false, false, false, 0, 0, 0, 0, 0, 0,
        '2001-01-29', 'NO_IDENTITY');

SELECT col_type_is('ops', 'v_cabinet_financial_14d', 'trips_14d', 'bigint',
                   'trips_14d is bigint: a sum of daily trips can exceed integer');

SET LOCAL ROLE lead_attribution_reader;
SELECT is((SELECT source_pk FROM observational.v_lead_events_masked WHERE event_date = '2001-01-01' AND source_pk LIKE '%321'),
          '********************321', 'a long source_pk shows at most 20 stars and its last 3 characters');
SELECT is((SELECT count(*)::int FROM observational.v_lead_events_masked
           WHERE event_date = '2001-01-01' AND source_pk ~ '[0-9]{4}'), 0,
          'no run of 4 digits of a source_pk reaches the reader');
SELECT is((SELECT source_pk FROM observational.v_lead_events_masked WHERE event_date = '2001-01-01' AND source_pk NOT LIKE '%321'),
          '***', 'a source_pk of 4 characters or less is masked entirely');
SELECT is((SELECT lead_source_pk FROM ops.v_cabinet_financial_14d WHERE lead_date = '2001-01-01' AND iso_week = '2001-W01'),
          '********************321', 'the reader sees the receivable''s lead_source_pk masked');
RESET ROLE;

SET LOCAL ROLE lead_attribution_writer;
SELECT is((SELECT lead_source_pk FROM ops.v_cabinet_financial_14d WHERE lead_date = '2001-01-01' AND iso_week = '2001-W01'),
          'DNI 45678912 / 987654321', 'the writer (finance) sees lead_source_pk as written, to reconcile claims');
RESET ROLE;
SELECT is((SELECT lead_source_pk FROM ops.v_cabinet_financial_14d WHERE lead_date = '2001-01-01' AND iso_week = '2001-W01'),
          'DNI 45678912 / 987654321', 'the owner or a superuser sees lead_source_pk as written');

SELECT * FROM finish();
ROLLBACK;
