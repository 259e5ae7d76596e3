-- Record a payout to a scout for the lines of one ISO week of payable_date (docs/money.md), or reverse
-- one with a negative amount; returns the new entry's payout_id. Append-only: ops.scout_payouts is never
-- updated nor deleted, and ops.v_scout_statement shows the week as paid, owed or overpaid - paying a
-- week twice shows as overpaid. Refused (22023, with a HINT): a scout unknown to module_ct_scouts_list
-- and without earned lines, a week with neither earned lines nor payouts of this scout, a zero amount,
-- more than two decimals, an empty reference, a reversal larger than what was paid that week.
-- SECURITY DEFINER (owner): the ledger grants no INSERT to anyone, so this check runs on every entry.
CREATE OR REPLACE FUNCTION ops.record_scout_payout(p_scout_id integer, p_iso_week text, p_amount numeric,
                                                   p_reference text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_week_start date;
    v_known_scout boolean;
    v_earned_lines bigint;
    v_paid numeric;
    v_payout_id bigint;
BEGIN
    IF p_scout_id IS NULL OR p_iso_week IS NULL OR p_amount IS NULL OR p_reference IS NULL THEN
        RAISE EXCEPTION '% is NULL',
                        CASE WHEN p_scout_id IS NULL THEN 'scout_id' WHEN p_iso_week IS NULL THEN 'iso_week'
                             WHEN p_amount IS NULL THEN 'amount' ELSE 'reference' END
            USING ERRCODE = '22004',
                  DETAIL = 'A payout names the scout, the ISO week of payable_date, the amount and a reference.',
                  HINT = 'SELECT ops.record_scout_payout(scout_id, ''2026-W49'', 120.00, ''transfer 0042'');';
    END IF;
    v_week_start := ops.iso_week_start(p_iso_week);
    IF p_amount = 0 OR p_amount <> pg_catalog.round(p_amount, 2) THEN
        RAISE EXCEPTION 'amount % is not a payout', p_amount
            USING ERRCODE = '22023',
                  DETAIL = 'A payout is a non-zero amount in soles with at most two decimals; a negative one reverses.',
                  HINT = 'Pass the amount transferred, e.g. 120.00, or its negative to reverse it.';
    END IF;
    IF pg_catalog.btrim(p_reference) = '' THEN
        RAISE EXCEPTION 'reference is empty'
            USING ERRCODE = '22023',
                  DETAIL = 'The reference ties the entry to the transfer (bank operation, receipt).',
                  HINT = 'Pass the bank operation number or receipt of the transfer.';
    END IF;

    -- one entry at a time per scout and week: the reversal check below sees every earlier entry
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:scout_payout'), p_scout_id);

    SELECT EXISTS (SELECT FROM public.module_ct_scouts_list AS s WHERE s.scout_id = p_scout_id)
    INTO v_known_scout;
    SELECT pg_catalog.count(*) INTO v_earned_lines
    FROM ops.scout_earning_lines AS c
    WHERE c.iso_week = p_iso_week AND c.scout_id = p_scout_id AND c.achieved_date IS NOT NULL;
    SELECT pg_catalog.sum(p.amount) INTO v_paid
    FROM ops.scout_payouts AS p
    WHERE p.scout_id = p_scout_id AND p.iso_week = p_iso_week;

    IF NOT v_known_scout AND v_earned_lines = 0 AND v_paid IS NULL THEN
        RAISE EXCEPTION 'unknown scout %', p_scout_id
            USING ERRCODE = '22023',
                  DETAIL = 'The scout is not in module_ct_scouts_list and has earned nothing.',
                  HINT = 'SELECT DISTINCT scout_id, scout_name FROM ops.v_scout_statement ORDER BY scout_id;';
    END IF;
    IF v_earned_lines = 0 AND v_paid IS NULL THEN
        RAISE EXCEPTION 'scout % earned nothing in week %', p_scout_id, p_iso_week
            USING ERRCODE = '22023',
                  DETAIL = 'Payouts are recorded for an ISO week of payable_date in which the scout has earned lines.',
                  HINT = pg_catalog.format('SELECT iso_week, earned, payable, paid, owed FROM ops.v_scout_statement WHERE scout_id = %s ORDER BY iso_week;', p_scout_id);
    END IF;
    IF p_amount < 0 AND COALESCE(v_paid, 0) + p_amount < 0 THEN
        RAISE EXCEPTION 'reversal of % exceeds the % paid to scout % in week %', -p_amount, COALESCE(v_paid, 0),
                        p_scout_id, p_iso_week
            USING ERRCODE = '22023',
                  DETAIL = 'A negative amount reverses payouts already recorded for the same scout and week.',
                  HINT = pg_catalog.format('SELECT payout_id, amount, reference, recorded_at FROM ops.scout_payouts WHERE scout_id = %s AND iso_week = %L ORDER BY payout_id;',
                                           p_scout_id, p_iso_week);
    END IF;

    INSERT INTO ops.scout_payouts (scout_id, iso_week, week_start, amount, reference)
    VALUES (p_scout_id, p_iso_week, v_week_start, p_amount, pg_catalog.btrim(p_reference))
    RETURNING payout_id INTO v_payout_id;
    RETURN v_payout_id;
END;
$$;
COMMENT ON FUNCTION ops.record_scout_payout(integer, text, numeric, text) IS 'ops.record_scout_payout(p_scout_id integer, p_iso_week text, p_amount numeric, p_reference text) -> bigint: append a payout (negative: a reversal) to a scout for one ISO week of payable_date';
