-- Check payments_unmatched: current Yango payments (ops.v_yango_payments_current) that identify no
-- driver, or several: money received that no claim can be reconciled with. WARN when their share of
-- current payments exceeds health_unmatched_payments_pct %, CRIT at 2x; amount_pen = their milestones
-- at the partner rule amounts of their pay date.
CREATE OR REPLACE FUNCTION ops.health_check_payments()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_unmatched_payments_pct')::numeric AS pct
    ),
    current AS (
        SELECT p.payment_id, p.match_status, p.pay_date,
               (SELECT r.amount FROM ops.payment_rules AS r
                WHERE r.scope = 'partner' AND r.origin = 'cabinet' AND r.milestone_type = 'trips'
                  AND r.milestone_value = p.milestone_value AND r.is_active
                  AND p.pay_date BETWEEN r.valid_from AND COALESCE(r.valid_to, p.pay_date)
                ORDER BY r.valid_from DESC LIMIT 1) AS amount
        FROM ops.v_yango_payments_current AS p
    ),
    counts AS (
        SELECT pg_catalog.count(DISTINCT c.payment_id) AS payments,
               pg_catalog.count(DISTINCT c.payment_id) FILTER (WHERE c.match_status = 'unmatched') AS unmatched,
               pg_catalog.count(DISTINCT c.payment_id) FILTER (WHERE c.match_status = 'ambiguous') AS ambiguous,
               pg_catalog.sum(c.amount) FILTER (WHERE c.match_status <> 'matched') AS amount,
               pg_catalog.min(c.pay_date) FILTER (WHERE c.match_status <> 'matched') AS oldest
        FROM current AS c
    )
    SELECT 'payments_unmatched', 'module_ct_cabinet_payments',
           ops.health_status(100.0 * (x.unmatched + x.ambiguous) / GREATEST(x.payments, 1), s.pct, 2 * s.pct, true),
           format('%s of %s payments (%s %%)', x.unmatched + x.ambiguous, x.payments,
                  pg_catalog.round(100.0 * (x.unmatched + x.ambiguous) / GREATEST(x.payments, 1), 1)),
           format('WARN over %s %%, CRIT over %s %%', s.pct, 2 * s.pct),
           CASE WHEN x.unmatched + x.ambiguous = 0 THEN 'every current Yango payment identifies one driver'
                ELSE format('%s payments match no driver and %s several, paid since %s: %s received that no claim reconciles',
                            x.unmatched, x.ambiguous, x.oldest, COALESCE(ops.health_pen(x.amount), 'an unknown amount')) END,
           CASE WHEN x.unmatched + x.ambiguous > 0
                THEN 'SELECT payment_id, pay_date, milestone_value, match_status FROM ops.v_yango_payments_current WHERE match_status <> ''matched'' ORDER BY pay_date LIMIT 50;' END,
           x.amount
    FROM counts AS x CROSS JOIN settings AS s;
$$;
COMMENT ON FUNCTION ops.health_check_payments() IS 'ops.health_check_payments() -> health row: current Yango payments matching no driver or several, and their amount (check payments_unmatched)';
