-- What was sent to Yango is append-only: UPDATE, DELETE and TRUNCATE of ops.claim_sendings and
-- ops.sent_claim_lines are refused, even by roles the grants would let through (a TRUNCATE of an empty
-- table removes nothing and passes: test and sandbox resets). What changed after a sending shows as an
-- adjustment in ops.yango_claim_lines; sending the week again records a new sending.
CREATE OR REPLACE FUNCTION ops.refuse_sent_claims_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT FROM ops.claim_sendings)
       AND NOT EXISTS (SELECT FROM ops.sent_claim_lines) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% on ops.% is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '42501',
              DETAIL = 'What was sent to Yango is append-only: a sending is never changed.',
              HINT = 'Send the week''s adjustments, then record them: SELECT ops.record_claims_sent(''2026-W47'', ''<reference>'');';
END;
$$;
COMMENT ON FUNCTION ops.refuse_sent_claims_change() IS 'ops.refuse_sent_claims_change() -> trigger: refuses UPDATE, DELETE and TRUNCATE on the append-only ops.claim_sendings and ops.sent_claim_lines';

CREATE OR REPLACE TRIGGER claim_sendings_append_only
    BEFORE UPDATE OR DELETE ON ops.claim_sendings
    FOR EACH ROW EXECUTE FUNCTION ops.refuse_sent_claims_change();
CREATE OR REPLACE TRIGGER claim_sendings_no_truncate
    BEFORE TRUNCATE ON ops.claim_sendings
    FOR EACH STATEMENT EXECUTE FUNCTION ops.refuse_sent_claims_change();
CREATE OR REPLACE TRIGGER sent_claim_lines_append_only
    BEFORE UPDATE OR DELETE ON ops.sent_claim_lines
    FOR EACH ROW EXECUTE FUNCTION ops.refuse_sent_claims_change();
CREATE OR REPLACE TRIGGER sent_claim_lines_no_truncate
    BEFORE TRUNCATE ON ops.sent_claim_lines
    FOR EACH STATEMENT EXECUTE FUNCTION ops.refuse_sent_claims_change();
