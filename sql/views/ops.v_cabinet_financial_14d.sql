-- The Yango 14-day receivable (docs/money.md, columns fixed by the public contract): one row per
-- cabinet person (earliest cabinet lead) and one per cabinet lead without a person. Materialized in
-- ops.cabinet_receivable by ops.refresh_money_chain(), its expected and paid amounts copied per
-- milestone from ops.cabinet_claims (one claim per milestone), so each row is the sum of its claims in
-- ops.v_cabinet_claims. Due amounts are judged on read against today (ops.v_business_today), milestone
-- by milestone, never netted: amount_due = unpaid part of reached milestones once due_date <= today;
-- amount_not_yet_due = the unpaid part before; amount_overpaid = paid above expected. On every row
-- expected_total - paid_total = amount_due + amount_not_yet_due - amount_overpaid.
-- lead_source_pk is masked for readers (below).
CREATE VIEW ops.v_cabinet_financial_14d AS
SELECT r.person_key,
       -- the lead's external_id is a loader's free text that can hold a phone, a document or a name: it
       -- is shown as written to the package's own roles (finance reconciles claims with it) and masked
       -- by ops.mask_source_pk for everyone else, i.e. readers
       CASE WHEN pg_catalog.pg_has_role('lead_attribution_writer', 'USAGE')
                 OR pg_catalog.pg_has_role('lead_attribution_job', 'USAGE')
                 OR pg_catalog.pg_has_role('lead_attribution_owner', 'USAGE')
            THEN r.lead_source_pk
            ELSE ops.mask_source_pk(r.lead_source_pk)
       END AS lead_source_pk,
       r.lead_date,
       r.iso_week,
       r.driver_id,
       r.driver_name,
       r.trips_14d,
       r.reached_m1,
       r.reached_m5,
       r.reached_m25,
       r.expected_m1,
       r.expected_m5,
       r.expected_m25,
       r.expected_m1 + r.expected_m5 + r.expected_m25 AS expected_total,
       r.paid_m1,
       r.paid_m5,
       r.paid_m25,
       r.paid_m1 + r.paid_m5 + r.paid_m25 AS paid_total,
       CASE WHEN r.due_date <= t.today THEN u.unpaid ELSE 0 END::numeric(12, 2) AS amount_due,
       r.due_date,
       CASE WHEN u.unpaid > 0 AND t.today > r.due_date THEN t.today - r.due_date ELSE 0 END AS days_overdue,
       r.funnel_stage,
       CASE WHEN r.due_date > t.today THEN u.unpaid ELSE 0 END::numeric(12, 2) AS amount_not_yet_due,
       u.overpaid::numeric(12, 2) AS amount_overpaid
FROM ops.cabinet_receivable AS r
CROSS JOIN ops.v_business_today AS t
CROSS JOIN LATERAL (
    SELECT GREATEST(r.expected_m1 - r.paid_m1, 0) + GREATEST(r.expected_m5 - r.paid_m5, 0)
               + GREATEST(r.expected_m25 - r.paid_m25, 0) AS unpaid,
           GREATEST(r.paid_m1 - r.expected_m1, 0) + GREATEST(r.paid_m5 - r.expected_m5, 0)
               + GREATEST(r.paid_m25 - r.expected_m25, 0) AS overpaid
) AS u;

COMMENT ON VIEW ops.v_cabinet_financial_14d IS 'ops.v_cabinet_financial_14d: Yango 14-day receivable per cabinet person or person-less lead: trips, milestones, expected, paid, amount_due (owed today), amount_not_yet_due, amount_overpaid, days_overdue, funnel stage';
GRANT SELECT ON ops.v_cabinet_financial_14d TO lead_attribution_reader;
