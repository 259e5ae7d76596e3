-- Check payments_unmatched: current Yango payments that reconcile with no claim
-- (ops.v_yango_payments_unclaimed: they name no driver or several, their driver belongs to no person,
-- or their person has no cabinet lead): money received that no claim explains. WARN when their share of
-- current payments exceeds health_unmatched_payments_pct %, or their amount (milestones at the partner
-- rule amounts of the pay date) reaches health_payments_unmatched_warn_pen soles; CRIT at 2x either.
-- observed = the hint query's totals (its payments and amount summed over its rows).
CREATE OR REPLACE FUNCTION ops.health_check_payments()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_unmatched_payments_pct')::numeric AS pct,
               ops.get_setting('health_payments_unmatched_warn_pen')::numeric AS warn_pen
    ),
    unclaimed AS (
        SELECT pg_catalog.count(DISTINCT u.payment_id) AS payments,
               COALESCE(pg_catalog.sum(u.amount), 0) AS amount,
               pg_catalog.min(u.pay_date) AS oldest,
               pg_catalog.string_agg(DISTINCT u.reason, ', ' ORDER BY u.reason) AS reasons
        FROM ops.v_yango_payments_unclaimed AS u
    ),
    counts AS (
        SELECT (SELECT pg_catalog.count(DISTINCT p.payment_id) FROM ops.v_yango_payments_current AS p) AS total,
               u.payments, u.amount, u.oldest, u.reasons
        FROM unclaimed AS u
    )
    SELECT 'payments_unmatched', 'module_ct_cabinet_payments',
           CASE WHEN 'CRIT' IN (r.status, a.status) THEN 'CRIT' WHEN 'WARN' IN (r.status, a.status) THEN 'WARN'
                ELSE 'OK' END,
           format('%s of %s payments (%s %%), %s', x.payments, x.total,
                  pg_catalog.round(100.0 * x.payments / GREATEST(x.total, 1), 1), ops.health_pen(x.amount)),
           format('WARN over %s %% or from %s, CRIT over %s %% or from %s', s.pct, ops.health_pen(s.warn_pen),
                  2 * s.pct, ops.health_pen(2 * s.warn_pen)),
           CASE WHEN x.payments = 0 THEN 'every current Yango payment reconciles with a claim'
                ELSE format('payments since %s that no claim reconciles (%s): %s received', x.oldest, x.reasons,
                            ops.health_pen(x.amount)) END,
           'SELECT reason, count(DISTINCT payment_id) AS payments, sum(amount) AS amount FROM ops.v_yango_payments_unclaimed GROUP BY reason ORDER BY reason;',
           NULLIF(x.amount, 0)
    FROM counts AS x
    CROSS JOIN settings AS s
    CROSS JOIN LATERAL (SELECT ops.health_status(100.0 * x.payments / GREATEST(x.total, 1), s.pct, 2 * s.pct, true) AS status) AS r
    CROSS JOIN LATERAL (SELECT ops.health_status(x.amount, s.warn_pen, 2 * s.warn_pen) AS status) AS a;
$$;
COMMENT ON FUNCTION ops.health_check_payments() IS 'ops.health_check_payments() -> health row: current Yango payments no claim reconciles, and their amount, against relative and absolute thresholds (check payments_unmatched)';
