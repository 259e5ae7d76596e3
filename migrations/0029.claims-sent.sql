-- depends: 0028.scout-earning-lines
-- What was sent to Yango (docs/money.md): ops.record_claims_sent(week, reference) snapshots one ISO
-- week's claim lines when they are sent. Append-only, like the payout ledger: a merge or a split after
-- a week was sent never rewrites what was sent; ops.yango_claim_lines and ops.v_yango_statement show,
-- next to it, what changed since as adjustments. The trigger refusing UPDATE, DELETE and TRUNCATE
-- lives with its function (sql/functions/ops.refuse_sent_claims_change.sql); grants refuse them too
-- (sql/schema/grants.sql).
SET lock_timeout = '10s';

-- One row each time a week's claim lines were sent; the latest one of a week is what Yango has.
CREATE TABLE ops.claim_sendings (
    sending_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    iso_week text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    reference text NOT NULL CHECK (pg_catalog.btrim(reference) <> ''),
    lines integer NOT NULL CHECK (lines >= 0),
    amount numeric(14, 2) NOT NULL,
    recorded_by text NOT NULL DEFAULT session_user,
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX claim_sendings_week_idx ON ops.claim_sendings (iso_week, sending_id);
COMMENT ON TABLE ops.claim_sendings IS 'ops.claim_sendings: append-only, one row each time the claim lines of an ISO week of lead date were sent to Yango';

-- The lines of one sending, as ops.yango_claim_lines returned them then.
CREATE TABLE ops.sent_claim_lines (
    sending_id bigint NOT NULL REFERENCES ops.claim_sendings (sending_id),
    line_no integer NOT NULL,
    claim_id bigint,
    driver_id text,
    lead_date date NOT NULL,
    milestone_value integer NOT NULL,
    achieved_date date,
    due_date date NOT NULL,
    amount numeric(12, 2) NOT NULL,
    paid numeric(12, 2) NOT NULL,
    amount_due numeric(12, 2) NOT NULL,
    status text NOT NULL,
    PRIMARY KEY (sending_id, line_no)
);
COMMENT ON TABLE ops.sent_claim_lines IS 'ops.sent_claim_lines: append-only, the claim lines of each sending to Yango as they were sent';

-- the claim lines gain what was sent and the adjustment since: a changed result type, which
-- CREATE OR REPLACE cannot apply; the code load right after this migration creates it again
-- (same name, same argument: callers keep working)
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS ops.yango_claim_lines(text);

-- The week of a payment's pay date, indexed for one week of the statement, written so that a payment
-- Yango reports with an infinite date is ingested instead of failing the money chain (EXTRACT of
-- infinity is not an integer): such a payment has no week. ops.v_yango_payments_unclaimed reads the
-- same expression.
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX ops.yango_payments_ledger_pay_week_idx;
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX yango_payments_ledger_pay_week_idx ON ops.yango_payments_ledger (
    (CASE WHEN pg_catalog.isfinite(pay_date)
          THEN (EXTRACT(ISOYEAR FROM pay_date))::integer::text || '-W'
               || pg_catalog.lpad((EXTRACT(WEEK FROM pay_date))::integer::text, 2, '0') END));
