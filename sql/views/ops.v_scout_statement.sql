-- The scout statement (docs/money.md): one row per scout and ISO week of payable_date that has an
-- earned line or a recorded payout. earned = achieved scout-rule amounts of the persons attributed to
-- the scout (v_payment_calculation, materialized by the money chain in ops.scout_earning_lines: one
-- week reads one index range); payable = the part whose payable_date <= today
-- (ops.v_business_today); not_yet_payable = earned - payable; paid = the sum of the scout's entries in
-- the append-only ledger ops.scout_payouts for that week (reversals negative); owed = payable - paid
-- when positive, overpaid = paid - payable when positive. Per row: payable - paid = owed - overpaid.
-- A payout is never rewritten: when attribution later moves a line, earned changes and the difference
-- shows as owed or overpaid.
CREATE VIEW ops.v_scout_statement AS
SELECT x.scout_id,
       sl.name::text AS scout_name,
       x.iso_week,
       pg_catalog.to_date(x.iso_week || '-1', 'IYYY-"W"IW-ID') AS week_start,
       pg_catalog.sum(x.items)::bigint AS items,
       pg_catalog.sum(x.earned)::numeric(14, 2) AS earned,
       pg_catalog.sum(x.payable)::numeric(14, 2) AS payable,
       (pg_catalog.sum(x.earned) - pg_catalog.sum(x.payable))::numeric(14, 2) AS not_yet_payable,
       pg_catalog.sum(x.paid)::numeric(14, 2) AS paid,
       GREATEST(pg_catalog.sum(x.payable) - pg_catalog.sum(x.paid), 0)::numeric(14, 2) AS owed,
       GREATEST(pg_catalog.sum(x.paid) - pg_catalog.sum(x.payable), 0)::numeric(14, 2) AS overpaid,
       pg_catalog.sum(x.payouts)::bigint AS payouts,
       pg_catalog.max(x.last_payout_at) AS last_payout_at
FROM (
    SELECT c.scout_id, c.iso_week, 1 AS items,
           c.amount_payable AS earned,
           CASE WHEN c.payable_date <= t.today THEN c.amount_payable ELSE 0 END AS payable,
           0 AS paid, 0 AS payouts, NULL::timestamptz AS last_payout_at
    FROM ops.scout_earning_lines AS c
    CROSS JOIN ops.v_business_today AS t
    WHERE c.achieved_date IS NOT NULL
    UNION ALL
    SELECT p.scout_id, p.iso_week, 0, 0, 0, p.amount, 1, p.recorded_at
    FROM ops.scout_payouts AS p
) AS x
LEFT JOIN public.module_ct_scouts_list AS sl ON sl.scout_id = x.scout_id
GROUP BY x.scout_id, sl.name, x.iso_week;

COMMENT ON VIEW ops.v_scout_statement IS 'ops.v_scout_statement: per scout and ISO week of payable_date: earned, payable (payable_date <= today), not_yet_payable, paid (payout ledger), owed, overpaid';
GRANT SELECT ON ops.v_scout_statement TO lead_attribution_reader;
