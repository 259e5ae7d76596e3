-- Check claims_overdue: claims on Yango with an amount due (ops.v_cabinet_claims, the claims as judged
-- today) more than health_claim_overdue_days after their due date (lead_date + 14). Yango normally pays
-- within about two weeks of the due date, so a few are normal: WARN when their amount exceeds
-- health_claim_overdue_pct % of what was claimed on claims due that long, or reaches
-- health_claims_overdue_warn_pen soles; CRIT at 2x either. observed = the hint query's totals (its
-- claims and amount summed over its rows); amount_pen = the overdue amount; detail shows every claim
-- with an amount due by age.
CREATE OR REPLACE FUNCTION ops.health_check_claims()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_claim_overdue_days')::integer AS days,
               ops.get_setting('health_claim_overdue_pct')::numeric AS pct,
               ops.get_setting('health_claims_overdue_warn_pen')::numeric AS warn_pen
    ),
    counts AS (
        SELECT pg_catalog.count(*) FILTER (WHERE c.amount_due > 0 AND c.days_overdue > s.days) AS overdue,
               COALESCE(pg_catalog.sum(c.amount_due) FILTER (WHERE c.amount_due > 0 AND c.days_overdue > s.days), 0) AS overdue_amount,
               COALESCE(pg_catalog.sum(c.expected_amount) FILTER (WHERE c.due_date < t.today - s.days), 0) AS claimed_amount,
               pg_catalog.count(*) FILTER (WHERE c.amount_due > 0 AND c.days_overdue <= 7) AS d7,
               pg_catalog.count(*) FILTER (WHERE c.amount_due > 0 AND c.days_overdue BETWEEN 8 AND 30) AS d30,
               pg_catalog.count(*) FILTER (WHERE c.amount_due > 0 AND c.days_overdue > 30) AS d31,
               COALESCE(pg_catalog.sum(c.amount_due), 0) AS due_amount,
               COALESCE(pg_catalog.sum(c.amount_not_yet_due), 0) AS not_yet_due_amount
        FROM ops.v_cabinet_claims AS c
        CROSS JOIN settings AS s
        CROSS JOIN ops.v_business_today AS t
    )
    SELECT 'claims_overdue', 'cabinet_claims',
           CASE WHEN 'CRIT' IN (r.status, a.status) THEN 'CRIT' WHEN 'WARN' IN (r.status, a.status) THEN 'WARN'
                ELSE 'OK' END,
           format('%s claims, %s (%s %% of %s claimed)', x.overdue, ops.health_pen(x.overdue_amount),
                  COALESCE(pg_catalog.round(100.0 * x.overdue_amount / NULLIF(x.claimed_amount, 0), 1), 0),
                  ops.health_pen(x.claimed_amount)),
           format('due and unpaid %s days after due_date: WARN over %s %% or from %s, CRIT over %s %% or from %s',
                  s.days, s.pct, ops.health_pen(s.warn_pen), 2 * s.pct, ops.health_pen(2 * s.warn_pen)),
           format('due and unpaid: %s claims 0-7 days past due, %s 8-30 days, %s over 30 days, %s in all; %s not yet due',
                  x.d7, x.d30, x.d31, ops.health_pen(x.due_amount), ops.health_pen(x.not_yet_due_amount)),
           format('SELECT iso_week, count(*) AS claims, sum(amount_due) AS amount FROM ops.v_cabinet_claims WHERE amount_due > 0 AND days_overdue > %s GROUP BY iso_week ORDER BY iso_week;',
                  s.days),
           NULLIF(x.overdue_amount, 0)
    FROM counts AS x
    CROSS JOIN settings AS s
    CROSS JOIN LATERAL (SELECT ops.health_status(100.0 * x.overdue_amount / NULLIF(x.claimed_amount, 0), s.pct, 2 * s.pct, true) AS status) AS r
    CROSS JOIN LATERAL (SELECT ops.health_status(x.overdue_amount, s.warn_pen, 2 * s.warn_pen) AS status) AS a;
$$;
COMMENT ON FUNCTION ops.health_check_claims() IS 'ops.health_check_claims() -> health row: claims on Yango due and unpaid long after their due date, with the amount, against relative and absolute thresholds (check claims_overdue)';
