-- Claims on Yango as a finance person reads them today (docs/money.md), one row per claim of
-- ops.cabinet_claims. Per claim, never netted against another: unpaid = expected - paid when positive;
-- amount_due = the unpaid part once due_date <= today (Lima, ops.v_business_today); amount_not_yet_due =
-- the unpaid part before it; amount_overpaid = paid - expected when positive. So on every row
-- expected_amount - paid_amount = amount_due + amount_not_yet_due - amount_overpaid.
-- days_overdue counts from due_date while something is due, else 0; overdue_bucket is the age class
-- operations chase (SETTLED when nothing is unpaid, NOT_DUE before due_date).
CREATE VIEW ops.v_cabinet_claims AS
SELECT c.claim_id, c.person_key, c.milestone_value,
       -- the lead's external_id is a loader's free text that can hold a phone, a document or a name:
       -- as written for the package's own roles, masked to its last 3 characters for readers (as in
       -- ops.v_cabinet_financial_14d and observational.v_lead_events_masked)
       CASE WHEN pg_catalog.pg_has_role('lead_attribution_writer', 'USAGE')
                 OR pg_catalog.pg_has_role('lead_attribution_job', 'USAGE')
                 OR pg_catalog.pg_has_role('lead_attribution_owner', 'USAGE')
            THEN c.lead_source_pk
            ELSE ops.mask_source_pk(c.lead_source_pk)
       END AS lead_source_pk,
       c.lead_date, c.iso_week, c.driver_id,
       c.rule_id, c.achieved_date, c.expected_amount, c.paid_amount,
       CASE WHEN c.due_date <= t.today THEN u.unpaid ELSE 0 END::numeric(12, 2) AS amount_due,
       CASE WHEN c.due_date > t.today THEN u.unpaid ELSE 0 END::numeric(12, 2) AS amount_not_yet_due,
       GREATEST(c.paid_amount - c.expected_amount, 0)::numeric(12, 2) AS amount_overpaid,
       c.currency, c.due_date, c.status, c.status_detail, c.payment_count, c.first_pay_date,
       CASE WHEN u.unpaid > 0 AND t.today > c.due_date THEN t.today - c.due_date ELSE 0 END AS days_overdue,
       CASE WHEN u.unpaid = 0 THEN 'SETTLED'
            WHEN t.today < c.due_date THEN 'NOT_DUE'
            WHEN t.today - c.due_date <= 7 THEN '0-7'
            WHEN t.today - c.due_date <= 30 THEN '8-30'
            WHEN t.today - c.due_date <= 60 THEN '31-60'
            ELSE '61+' END AS overdue_bucket,
       c.updated_at
FROM ops.cabinet_claims AS c
CROSS JOIN ops.v_business_today AS t
CROSS JOIN LATERAL (SELECT GREATEST(c.expected_amount - c.paid_amount, 0) AS unpaid) AS u;

COMMENT ON VIEW ops.v_cabinet_claims IS 'ops.v_cabinet_claims: claims on Yango with amount_due (due today), amount_not_yet_due, amount_overpaid, days_overdue and overdue_bucket (NOT_DUE, 0-7, 8-30, 31-60, 61+, SETTLED)';
GRANT SELECT ON ops.v_cabinet_claims TO lead_attribution_reader;
