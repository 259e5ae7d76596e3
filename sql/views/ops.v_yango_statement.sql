-- The Yango statement (docs/money.md): one row per ISO week of lead date. Leads and the leads that
-- cannot be claimed come from the 14-day receivable; every amount from the claims (ops.v_cabinet_claims,
-- judged against today), so a week's amounts are the sums of its rows in ops.v_cabinet_financial_14d
-- and of its lines in ops.yango_claim_lines(week); payments that match no claim
-- (ops.v_yango_payments_unclaimed) fall in the week of their pay date. Per week:
-- expected - paid = amount_due + amount_not_yet_due - amount_overpaid.
-- A week sent to Yango (ops.record_claims_sent) keeps what was sent: sent_at and sent_expected are its
-- latest sending's, and adjustment = expected - sent_expected is what changed since (a merge, a split,
-- a new milestone: the sums of the week's lines' sent_amount and adjustment); NULL for weeks never sent.
-- Built as one UNION ALL grouped by week, so "WHERE iso_week = ..." reaches the week indexes.
CREATE VIEW ops.v_yango_statement AS
SELECT x.iso_week,
       pg_catalog.to_date(x.iso_week || '-1', 'IYYY-"W"IW-ID') AS week_start,
       pg_catalog.sum(x.leads)::bigint AS leads,
       pg_catalog.sum(x.leads_no_person)::bigint AS leads_no_person,
       pg_catalog.sum(x.leads_no_driver)::bigint AS leads_no_driver,
       pg_catalog.sum(x.milestones_reached)::bigint AS milestones_reached,
       pg_catalog.sum(x.expected)::numeric(14, 2) AS expected,
       pg_catalog.sum(x.paid)::numeric(14, 2) AS paid,
       pg_catalog.sum(x.amount_due)::numeric(14, 2) AS amount_due,
       pg_catalog.sum(x.amount_not_yet_due)::numeric(14, 2) AS amount_not_yet_due,
       pg_catalog.sum(x.amount_overpaid)::numeric(14, 2) AS amount_overpaid,
       pg_catalog.sum(x.claims_overdue)::bigint AS claims_overdue,
       pg_catalog.sum(x.payments_unclaimed)::bigint AS payments_unclaimed,
       pg_catalog.sum(x.payments_unclaimed_amount)::numeric(14, 2) AS payments_unclaimed_amount,
       pg_catalog.max(x.sent_at) AS sent_at,
       CASE WHEN pg_catalog.max(x.sent_at) IS NOT NULL
            THEN pg_catalog.sum(x.sent_expected) END::numeric(14, 2) AS sent_expected,
       CASE WHEN pg_catalog.max(x.sent_at) IS NOT NULL
            THEN pg_catalog.sum(x.expected) - pg_catalog.sum(x.sent_expected) END::numeric(14, 2) AS adjustment
FROM (
    SELECT r.iso_week, 1 AS leads, (r.person_key IS NULL)::integer AS leads_no_person,
           (r.person_key IS NOT NULL AND r.driver_id IS NULL)::integer AS leads_no_driver,
           0 AS milestones_reached, 0 AS expected, 0 AS paid, 0 AS amount_due, 0 AS amount_not_yet_due,
           0 AS amount_overpaid, 0 AS claims_overdue, 0 AS payments_unclaimed, 0 AS payments_unclaimed_amount,
           0 AS sent_expected, NULL::timestamptz AS sent_at
    FROM ops.cabinet_receivable AS r
    UNION ALL
    SELECT c.iso_week, 0, 0, 0, (c.achieved_date IS NOT NULL)::integer, c.expected_amount, c.paid_amount,
           c.amount_due, c.amount_not_yet_due, c.amount_overpaid, (c.days_overdue > 0)::integer, 0, 0, 0, NULL
    FROM ops.v_cabinet_claims AS c
    UNION ALL
    SELECT u.iso_week, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, COALESCE(u.amount, 0), 0, NULL
    FROM ops.v_yango_payments_unclaimed AS u
    UNION ALL
    -- what was sent: the week's latest sending (ops.record_claims_sent)
    SELECT s.iso_week, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.amount, s.recorded_at
    FROM (SELECT DISTINCT ON (cs.iso_week) cs.iso_week, cs.amount, cs.recorded_at
          FROM ops.claim_sendings AS cs
          ORDER BY cs.iso_week, cs.sending_id DESC) AS s
) AS x
GROUP BY x.iso_week;

COMMENT ON VIEW ops.v_yango_statement IS 'ops.v_yango_statement: per ISO week of lead date: leads, leads with no person or driver, milestones reached, expected, paid, amount_due, amount_not_yet_due, amount_overpaid, claims overdue, payments matching no claim, and for a week sent: sent_at, sent_expected, adjustment since';
GRANT SELECT ON ops.v_yango_statement TO lead_attribution_reader;
