-- The scout payouts ledger is append-only: UPDATE, DELETE and TRUNCATE are refused, even by roles the
-- grants would let through (a TRUNCATE of the empty ledger removes nothing and passes: test and sandbox
-- resets). A wrong entry is corrected by a reversing one (ops.record_scout_payout with the negative
-- amount), so what was paid and when stays on record.
CREATE OR REPLACE FUNCTION ops.refuse_payout_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT FROM ops.scout_payouts) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% on ops.scout_payouts is refused', TG_OP
        USING ERRCODE = '42501',
              DETAIL = 'The scout payouts ledger is append-only: recorded payouts are never changed.',
              HINT = 'Reverse the entry: SELECT ops.record_scout_payout(scout_id, iso_week, -amount, ''reversal of <reference>'');';
END;
$$;
COMMENT ON FUNCTION ops.refuse_payout_change() IS 'ops.refuse_payout_change() -> trigger: refuses UPDATE, DELETE and TRUNCATE on the append-only ops.scout_payouts';

CREATE OR REPLACE TRIGGER scout_payouts_append_only
    BEFORE UPDATE OR DELETE ON ops.scout_payouts
    FOR EACH ROW EXECUTE FUNCTION ops.refuse_payout_change();
CREATE OR REPLACE TRIGGER scout_payouts_no_truncate
    BEFORE TRUNCATE ON ops.scout_payouts
    FOR EACH STATEMENT EXECUTE FUNCTION ops.refuse_payout_change();
