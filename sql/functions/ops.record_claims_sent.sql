-- Record that one ISO week's claim lines were sent to Yango (docs/money.md): snapshots the week's
-- lines of ops.yango_claim_lines, as judged today, into the append-only ops.claim_sendings and
-- ops.sent_claim_lines, and returns how many lines were recorded. From then on the week's lines and
-- statement row show what was sent, and every later change as an adjustment, never rewriting it.
-- Sending a week again (its adjustments) records a new sending, which the next adjustments start from.
-- Refused (22023, with a HINT): a bad week, an empty reference, a week without claims, a week already
-- sent with no adjustment since; NULL arguments with 22004.
-- SECURITY DEFINER (owner): the sendings grant no INSERT to anyone, so these checks run on every entry.
CREATE OR REPLACE FUNCTION ops.record_claims_sent(p_iso_week text, p_reference text)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_lines integer;
    v_changed integer;
    v_sent boolean;
BEGIN
    IF p_iso_week IS NULL OR p_reference IS NULL THEN
        RAISE EXCEPTION '% is NULL', CASE WHEN p_iso_week IS NULL THEN 'iso_week' ELSE 'reference' END
            USING ERRCODE = '22004',
                  DETAIL = 'A sending names the ISO week of lead date and a reference.',
                  HINT = 'SELECT ops.record_claims_sent(''2026-W47'', ''mail to Yango 2026-12-07'');';
    END IF;
    PERFORM ops.iso_week_start(p_iso_week);
    IF pg_catalog.btrim(p_reference) = '' THEN
        RAISE EXCEPTION 'reference is empty'
            USING ERRCODE = '22023',
                  DETAIL = 'The reference ties the sending to what Yango received (mail, file, ticket).',
                  HINT = 'Pass the mail subject, file name or ticket of the sending.';
    END IF;

    -- one sending of a week at a time: the "nothing changed" check below sees the previous one
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:claims_sent'),
                                             pg_catalog.hashtext(p_iso_week));

    SELECT pg_catalog.count(*) FILTER (WHERE l.status <> 'WITHDRAWN'),
           pg_catalog.count(*) FILTER (WHERE l.adjustment <> 0),
           COALESCE(pg_catalog.bool_or(l.sent_amount IS NOT NULL), false)
    INTO v_lines, v_changed, v_sent
    FROM ops.yango_claim_lines(p_iso_week) AS l;

    IF v_lines = 0 AND NOT v_sent THEN
        RAISE EXCEPTION 'week % has no claims', p_iso_week
            USING ERRCODE = '22023',
                  DETAIL = 'A sending records the claim lines of an ISO week of lead date, and this week has none.',
                  HINT = 'SELECT iso_week, milestones_reached, expected, amount_due FROM ops.v_yango_statement WHERE expected > 0 ORDER BY iso_week;';
    END IF;
    IF v_sent AND v_changed = 0 THEN
        RAISE EXCEPTION 'week % was already sent and nothing changed since', p_iso_week
            USING ERRCODE = '22023',
                  DETAIL = 'Its lines carry no adjustment: recording it again would count the same sending twice.',
                  HINT = pg_catalog.format('SELECT sending_id, reference, lines, amount, recorded_at FROM ops.claim_sendings WHERE iso_week = %L ORDER BY sending_id;',
                                           p_iso_week);
    END IF;

    -- the current claims of the week, in the order of the lines (the withdrawn ones are not claims)
    WITH lines AS MATERIALIZED (
        SELECT pg_catalog.row_number() OVER (ORDER BY l.ordinality)::integer AS line_no, l.claim_id, l.driver_id,
               l.lead_date, l.milestone_value, l.achieved_date, l.due_date, l.amount, l.paid, l.amount_due,
               l.status
        FROM ops.yango_claim_lines(p_iso_week) WITH ORDINALITY AS l
        WHERE l.status <> 'WITHDRAWN'
    ),
    sending AS (
        INSERT INTO ops.claim_sendings (iso_week, reference, lines, amount)
        SELECT p_iso_week, pg_catalog.btrim(p_reference), pg_catalog.count(*), COALESCE(pg_catalog.sum(l.amount), 0)
        FROM lines AS l
        RETURNING sending_id
    )
    INSERT INTO ops.sent_claim_lines
        (sending_id, line_no, claim_id, driver_id, lead_date, milestone_value, achieved_date, due_date, amount,
         paid, amount_due, status)
    SELECT s.sending_id, l.line_no, l.claim_id, l.driver_id, l.lead_date, l.milestone_value, l.achieved_date,
           l.due_date, l.amount, l.paid, l.amount_due, l.status
    FROM lines AS l
    CROSS JOIN sending AS s;
    GET DIAGNOSTICS v_lines = ROW_COUNT;
    RETURN v_lines;
END;
$$;
COMMENT ON FUNCTION ops.record_claims_sent(text, text) IS 'ops.record_claims_sent(p_iso_week text, p_reference text) -> integer: record that the claim lines of one ISO week of lead date were sent to Yango (append-only); later changes show as adjustments';
