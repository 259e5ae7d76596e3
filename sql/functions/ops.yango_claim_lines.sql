-- The claim lines of one ISO week of lead date to send to Yango (docs/money.md): one per claim of
-- ops.v_cabinet_claims, as judged today - the driver, lead date, milestone, the amount claimed, what
-- Yango paid, what is due now, not yet due or overpaid, the claim's status and why. Their sums are the
-- week's row of ops.v_yango_statement. Ordered by lead date, driver, milestone (stable).
-- A week already sent (ops.record_claims_sent) is never rewritten: each line also carries what was
-- sent for its driver and milestone in the week's latest sending (sent_amount) and the adjustment since
-- (amount - sent_amount); a line sent that no claim holds any more (a merge, a split, a lead moving)
-- stays as its own line, status 'WITHDRAWN', amount 0 and a negative adjustment; a claim new since the
-- sending has sent_amount 0 and a positive adjustment. Weeks never sent: both NULL.
-- Bad week -> 22023, NULL -> 22004 (ops.iso_week_start).
CREATE OR REPLACE FUNCTION ops.yango_claim_lines(p_iso_week text)
RETURNS TABLE (driver_id text, lead_date date, milestone text, milestone_value integer, achieved_date date,
               due_date date, amount numeric, paid numeric, amount_due numeric, amount_not_yet_due numeric,
               amount_overpaid numeric, days_overdue integer, status text, status_detail text, claim_id bigint,
               sent_amount numeric, adjustment numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_sending_id bigint;
    v_sent_at timestamptz;
BEGIN
    PERFORM ops.iso_week_start(p_iso_week);
    SELECT s.sending_id, s.recorded_at INTO v_sending_id, v_sent_at
    FROM ops.claim_sendings AS s
    WHERE s.iso_week = p_iso_week
    ORDER BY s.sending_id DESC
    LIMIT 1;

    RETURN QUERY
    WITH cur AS (
        SELECT c.*,
               pg_catalog.row_number() OVER (PARTITION BY c.driver_id, c.milestone_value ORDER BY c.claim_id) AS n
        FROM ops.v_cabinet_claims AS c
        WHERE c.iso_week = p_iso_week
    ),
    sent AS (
        SELECT l.*,
               pg_catalog.row_number() OVER (PARTITION BY l.driver_id, l.milestone_value ORDER BY l.line_no) AS n
        FROM ops.sent_claim_lines AS l
        WHERE l.sending_id = v_sending_id
    )
    SELECT COALESCE(c.driver_id, s.driver_id), COALESCE(c.lead_date, s.lead_date),
           'M' || COALESCE(c.milestone_value, s.milestone_value), COALESCE(c.milestone_value, s.milestone_value),
           CASE WHEN c.claim_id IS NOT NULL THEN c.achieved_date ELSE s.achieved_date END,
           COALESCE(c.due_date, s.due_date),
           COALESCE(c.expected_amount, 0.00)::numeric, COALESCE(c.paid_amount, 0.00)::numeric,
           COALESCE(c.amount_due, 0.00)::numeric, COALESCE(c.amount_not_yet_due, 0.00)::numeric,
           COALESCE(c.amount_overpaid, 0.00)::numeric, COALESCE(c.days_overdue, 0),
           COALESCE(c.status, 'WITHDRAWN'),
           CASE WHEN c.claim_id IS NOT NULL THEN c.status_detail
                ELSE pg_catalog.format('sent on %s, no longer claimed', pg_catalog.to_char(v_sent_at, 'YYYY-MM-DD')) END,
           c.claim_id,
           CASE WHEN v_sending_id IS NOT NULL THEN COALESCE(s.amount, 0.00)::numeric END,
           CASE WHEN v_sending_id IS NOT NULL
                THEN (COALESCE(c.expected_amount, 0) - COALESCE(s.amount, 0))::numeric END
    FROM cur AS c
    FULL JOIN sent AS s
      ON COALESCE(s.driver_id, '') = COALESCE(c.driver_id, '') AND s.milestone_value = c.milestone_value AND s.n = c.n
    ORDER BY 2, 1 NULLS LAST, 4, 15 NULLS LAST;
END;
$$;
COMMENT ON FUNCTION ops.yango_claim_lines(text) IS 'ops.yango_claim_lines(p_iso_week text) -> SETOF (driver_id, lead_date, milestone, ..., amount, paid, amount_due, amount_not_yet_due, amount_overpaid, days_overdue, status, ..., sent_amount, adjustment): the claim lines of one ISO week of lead date to send to Yango, and for a week sent, what was sent and the adjustment since';
