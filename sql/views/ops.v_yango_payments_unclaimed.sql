-- Current Yango payment lines (ops.v_yango_payments_current, one per paid milestone) that reconcile with
-- no claim of ops.cabinet_claims, and why: NO_DRIVER (the payment names no known driver), SEVERAL_DRIVERS
-- (its name fits several), NO_PERSON (its driver belongs to no person), NOT_CABINET (its person has no
-- cabinet lead). amount = the partner rule amount of the milestone in force on pay_date (Yango's
-- reports carry flags, not amounts). iso_week = the ISO week of pay_date: such a payment has no lead
-- date. The Yango statement and the payments_unmatched health check read this view.
CREATE VIEW ops.v_yango_payments_unclaimed AS
SELECT p.ledger_id, p.payment_id, p.milestone_value, p.pay_date,
       -- to_char(pay_date, 'IYYY-"W"IW') written with immutable functions: the expression of the index
       -- yango_payments_ledger_pay_week_idx, so one week's payments are found without a scan; a payment
       -- with an infinite pay date has no week
       CASE WHEN pg_catalog.isfinite(p.pay_date)
            THEN (EXTRACT(ISOYEAR FROM p.pay_date))::integer::text || '-W'
                 || pg_catalog.lpad((EXTRACT(WEEK FROM p.pay_date))::integer::text, 2, '0') END AS iso_week,
       p.driver_id, p.person_key, p.match_method, p.match_status,
       CASE WHEN p.match_status = 'unmatched' THEN 'NO_DRIVER'
            WHEN p.match_status = 'ambiguous' THEN 'SEVERAL_DRIVERS'
            WHEN p.person_key IS NULL THEN 'NO_PERSON'
            ELSE 'NOT_CABINET' END AS reason,
       (SELECT r.amount FROM ops.payment_rules AS r
        WHERE r.scope = 'partner' AND r.origin = 'cabinet' AND r.milestone_type = 'trips'
          AND r.milestone_value = p.milestone_value AND r.is_active
          AND p.pay_date BETWEEN r.valid_from AND COALESCE(r.valid_to, p.pay_date)
        ORDER BY r.valid_from DESC LIMIT 1) AS amount
FROM ops.v_yango_payments_current AS p
-- a payment not 'matched' carries no person_key (ops.ingest_cabinet_payments), so the one anti-join
-- (an index probe per payment line) also keeps every unidentified payment
WHERE NOT EXISTS (SELECT FROM ops.cabinet_claims AS c
                  WHERE c.person_key = p.person_key AND c.milestone_value = p.milestone_value);

COMMENT ON VIEW ops.v_yango_payments_unclaimed IS 'ops.v_yango_payments_unclaimed: current Yango payment lines matching no claim, with the reason and the rule amount of their pay date';
