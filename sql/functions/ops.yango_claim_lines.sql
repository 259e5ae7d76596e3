-- The claim lines of one ISO week of lead date to send to Yango (docs/money.md): one per claim of
-- ops.v_cabinet_claims, as judged today - the driver, lead date, milestone, the amount claimed, what
-- Yango paid, what is due now, not yet due or overpaid, the claim's status and why. Their sums are the
-- week's row of ops.v_yango_statement. Ordered by lead date, driver, milestone (stable).
-- Bad week -> 22023, NULL -> 22004 (ops.iso_week_start).
CREATE OR REPLACE FUNCTION ops.yango_claim_lines(p_iso_week text)
RETURNS TABLE (driver_id text, lead_date date, milestone text, milestone_value integer, achieved_date date,
               due_date date, amount numeric, paid numeric, amount_due numeric, amount_not_yet_due numeric,
               amount_overpaid numeric, days_overdue integer, status text, status_detail text, claim_id bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM ops.iso_week_start(p_iso_week);
    RETURN QUERY
    SELECT c.driver_id, c.lead_date, 'M' || c.milestone_value, c.milestone_value, c.achieved_date,
           c.due_date, c.expected_amount::numeric, c.paid_amount::numeric, c.amount_due::numeric,
           c.amount_not_yet_due::numeric, c.amount_overpaid::numeric, c.days_overdue, c.status,
           c.status_detail, c.claim_id
    FROM ops.v_cabinet_claims AS c
    WHERE c.iso_week = p_iso_week
    ORDER BY c.lead_date, c.driver_id NULLS LAST, c.milestone_value, c.claim_id;
END;
$$;
COMMENT ON FUNCTION ops.yango_claim_lines(text) IS 'ops.yango_claim_lines(p_iso_week text) -> SETOF (driver_id, lead_date, milestone, ..., amount, paid, amount_due, amount_not_yet_due, amount_overpaid, days_overdue, status): the claim lines of one ISO week of lead date to send to Yango';
