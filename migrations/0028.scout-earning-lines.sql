-- depends: 0015.identity-work-unused-columns
-- The scout side of the money chain materialized like the claims (docs/money.md): one row per
-- (person, scout rule) that ops.v_payment_calculation computes for a person attributed to a scout,
-- achieved or not, refreshed by ops.refresh_money_chain() for the persons whose inputs changed.
-- ops.v_scout_statement, ops.v_scout_payouts and ops.record_scout_payout read one week of it by index;
-- whether a line is payable (payable_date <= today) is still judged when it is read.
SET lock_timeout = '10s';

CREATE TABLE ops.scout_earning_lines (
    person_key uuid NOT NULL,
    rule_id bigint NOT NULL,
    origin text NOT NULL,
    lead_date date NOT NULL,
    -- the person's earliest lead of that origin (by date, then source_pk): a lead moving away is seen
    lead_source_pk text,
    scout_id integer NOT NULL,
    driver_id text,
    milestone_type text NOT NULL,
    milestone_value integer NOT NULL,
    window_days integer NOT NULL,
    achieved_date date,
    payable_date date NOT NULL,
    rule_amount numeric(12, 2) NOT NULL,
    amount_payable numeric(12, 2) NOT NULL,
    currency text NOT NULL,
    -- ISO week of payable_date
    iso_week text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (person_key, rule_id)
);
-- one week of the statement, one scout's week (record_scout_payout): achieved lines only
CREATE INDEX scout_earning_lines_week_idx ON ops.scout_earning_lines (iso_week, scout_id)
    INCLUDE (payable_date, amount_payable) WHERE achieved_date IS NOT NULL;
-- the incremental refresh: new trips of a driver, a lead moving away
CREATE INDEX scout_earning_lines_driver_idx ON ops.scout_earning_lines (driver_id);
CREATE INDEX scout_earning_lines_lead_idx ON ops.scout_earning_lines (lead_source_pk);
-- the incremental refresh: persons whose attribution changed. Both tables below are written by the
-- pipeline (one run at a time) and by ops.record_scout_payout: a short block while the index builds is
-- harmless, and a transactional migration stays all-or-nothing
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_ledger_updated_idx ON observational.lead_ledger (updated_at);
-- the statement's payouts of one week
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX scout_payouts_week_idx ON ops.scout_payouts (iso_week, scout_id);
COMMENT ON TABLE ops.scout_earning_lines IS 'ops.scout_earning_lines: per (person attributed to a scout, scout rule) the line ops.v_payment_calculation computes, with the ISO week of payable_date; refreshed by ops.refresh_money_chain()';

-- filled by the next refresh: a full one
UPDATE ops.money_refresh_state SET inputs_hash = 'scout earning lines added';
