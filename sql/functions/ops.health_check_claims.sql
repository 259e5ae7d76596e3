-- Check claims_overdue: cabinet claims on Yango still 'expected' (reached, unpaid) more than
-- health_claim_overdue_days after their due date (lead_date + 14). Yango normally pays within about
-- two weeks of the due date, so a few are normal: WARN when their amount exceeds
-- health_claim_overdue_pct % of what was claimed on claims due that long, CRIT at 2x.
-- amount_pen = the overdue amount; detail also shows every past-due claim by age bucket.
CREATE OR REPLACE FUNCTION ops.health_check_claims()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.today() AS today,
               ops.get_setting('health_claim_overdue_days')::integer AS days,
               ops.get_setting('health_claim_overdue_pct')::numeric AS pct
    ),
    claims AS (
        SELECT c.status, s.today - c.due_date AS days_past_due, c.expected_amount,
               GREATEST(c.expected_amount - c.paid_amount, 0) AS due_amount, s.days
        FROM ops.cabinet_claims AS c CROSS JOIN settings AS s
        WHERE c.due_date < s.today
    ),
    counts AS (
        SELECT pg_catalog.count(*) FILTER (WHERE c.status = 'expected' AND c.days_past_due > c.days) AS overdue,
               COALESCE(pg_catalog.sum(c.due_amount) FILTER (WHERE c.status = 'expected' AND c.days_past_due > c.days), 0) AS overdue_amount,
               COALESCE(pg_catalog.sum(c.expected_amount) FILTER (WHERE c.days_past_due > c.days), 0) AS claimed_amount,
               pg_catalog.count(*) FILTER (WHERE c.status = 'expected' AND c.days_past_due BETWEEN 1 AND 7) AS d7,
               pg_catalog.count(*) FILTER (WHERE c.status = 'expected' AND c.days_past_due BETWEEN 8 AND 30) AS d30,
               pg_catalog.count(*) FILTER (WHERE c.status = 'expected' AND c.days_past_due > 30) AS d31,
               COALESCE(pg_catalog.sum(c.due_amount) FILTER (WHERE c.status = 'expected'), 0) AS past_due_amount
        FROM claims AS c
    )
    SELECT 'claims_overdue', 'cabinet_claims',
           ops.health_status(100.0 * x.overdue_amount / NULLIF(x.claimed_amount, 0), s.pct, 2 * s.pct, true),
           format('%s claims, %s (%s %% of %s claimed)', x.overdue, ops.health_pen(x.overdue_amount),
                  COALESCE(pg_catalog.round(100.0 * x.overdue_amount / NULLIF(x.claimed_amount, 0), 1), 0),
                  ops.health_pen(x.claimed_amount)),
           format('unpaid %s days after due: WARN over %s %%, CRIT over %s %%', s.days, s.pct, 2 * s.pct),
           format('past due and unpaid: %s claims 1-7 days, %s 8-30 days, %s over 30 days, %s in all',
                  x.d7, x.d30, x.d31, ops.health_pen(x.past_due_amount)),
           CASE WHEN x.overdue > 0
                THEN format('SELECT iso_week, count(*), sum(amount_due) FROM ops.v_cabinet_financial_14d WHERE amount_due > 0 AND days_overdue > %s GROUP BY 1 ORDER BY 1;', s.days) END,
           NULLIF(x.overdue_amount, 0)
    FROM counts AS x CROSS JOIN settings AS s;
$$;
COMMENT ON FUNCTION ops.health_check_claims() IS 'ops.health_check_claims() -> health row: cabinet claims unpaid long after their due date, with the amount (check claims_overdue)';
