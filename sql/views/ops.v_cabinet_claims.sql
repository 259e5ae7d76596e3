-- Claims on Yango with their age: days_overdue counts from due_date for a claim still unpaid
-- ('expected'), in the business time zone (read from ops.settings directly, so readers need no
-- EXECUTE on package functions), and the bucket operations chase.
CREATE VIEW ops.v_cabinet_claims AS
SELECT c.claim_id, c.person_key, c.milestone_value, c.lead_source_pk, c.lead_date, c.driver_id,
       c.rule_id, c.achieved_date, c.expected_amount, c.paid_amount,
       c.expected_amount - c.paid_amount AS amount_due, c.currency, c.due_date, c.status,
       c.status_detail, c.payment_count, c.first_pay_date,
       CASE WHEN c.status = 'expected' AND t.today > c.due_date THEN t.today - c.due_date ELSE 0 END
           AS days_overdue,
       CASE WHEN c.status <> 'expected' THEN 'SETTLED'
            WHEN t.today <= c.due_date THEN 'NOT_DUE'
            WHEN t.today - c.due_date <= 7 THEN '1-7'
            WHEN t.today - c.due_date <= 30 THEN '8-30'
            WHEN t.today - c.due_date <= 60 THEN '31-60'
            ELSE '61+' END AS overdue_bucket,
       c.updated_at
FROM ops.cabinet_claims AS c
CROSS JOIN (SELECT (pg_catalog.now() AT TIME ZONE COALESCE(
                       (SELECT s.value FROM ops.settings AS s WHERE s.key = 'business_timezone'),
                       'America/Lima'))::date AS today) AS t;

COMMENT ON VIEW ops.v_cabinet_claims IS 'ops.v_cabinet_claims: claims on Yango with amount_due, days_overdue and overdue_bucket (NOT_DUE, 1-7, 8-30, 31-60, 61+, SETTLED)';
GRANT SELECT ON ops.v_cabinet_claims TO lead_attribution_reader;
