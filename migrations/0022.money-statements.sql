-- depends: 0015.identity-work-unused-columns
-- Money a finance person acts on (docs/money.md): the claims carry the ISO week of their lead date, so
-- the Yango statement and the claim lines of one week read one index range; and the scout payouts
-- ledger, append-only, where every payout made to a scout (or its reversal) is recorded by
-- ops.record_scout_payout(). The trigger refusing UPDATE, DELETE and TRUNCATE lives with its function
-- (sql/functions/ops.refuse_payout_change.sql); grants refuse them too (sql/schema/grants.sql).
SET lock_timeout = '10s';

-- written by ops.refresh_cabinet_claims() from lead_date; filled here for the existing claims
ALTER TABLE ops.cabinet_claims ADD COLUMN iso_week text;
UPDATE ops.cabinet_claims SET iso_week = pg_catalog.to_char(lead_date, 'IYYY-"W"IW') WHERE iso_week IS NULL;
-- the table is written by the pipeline only (one run at a time): a short block while the index builds
-- is harmless, and a transactional migration stays all-or-nothing
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX cabinet_claims_iso_week_idx ON ops.cabinet_claims (iso_week);

-- One row per payout (positive) or reversal (negative) to a scout for the lines of one ISO week of
-- payable_date. Never updated nor deleted: a mistake is corrected by a reversing entry.
CREATE TABLE ops.scout_payouts (
    payout_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scout_id integer NOT NULL,
    iso_week text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    week_start date NOT NULL CHECK (EXTRACT(ISODOW FROM week_start) = 1),
    amount numeric(12, 2) NOT NULL CHECK (amount <> 0),
    currency text NOT NULL DEFAULT 'PEN' CHECK (currency ~ '^[A-Z]{3}$'),
    reference text NOT NULL CHECK (pg_catalog.btrim(reference) <> ''),
    recorded_by text NOT NULL DEFAULT session_user,
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX scout_payouts_scout_week_idx ON ops.scout_payouts (scout_id, iso_week);
COMMENT ON TABLE ops.scout_payouts IS 'ops.scout_payouts: append-only ledger of payouts to scouts per ISO week of payable_date; a negative amount reverses';
