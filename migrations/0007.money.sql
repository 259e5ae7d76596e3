-- depends: 0005.lead-events
-- The money chain (DOMAIN §6, §7, §8): payment rules with their seeded amounts, the normalized daily
-- trips that metrics read, the append-only Yango payments ledger, the cabinet claims and the
-- materialized 14-day receivable behind ops.v_cabinet_financial_14d. Refreshed by
-- ops.refresh_money_chain(); code lives in sql/functions and sql/views.
SET lock_timeout = '10s';

-- btree_gist: equality on scalar columns inside the exclusion constraint of ops.payment_rules.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Amounts live here and nowhere else. Validity is inclusive on both ends (valid_to NULL = open);
-- to change an amount, close the old rule (valid_to = day before) and insert the new one.
-- milestone_value: trips to reach for 'trips' (1, 5 or 25: the milestones v_conversion_metrics dates),
-- 1 (the first connected day) for 'connection'.
CREATE TABLE ops.payment_rules (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope text NOT NULL CHECK (scope IN ('partner', 'scout')),
    origin text NOT NULL CHECK (origin IN ('cabinet', 'scouting', 'fleet_migration')),
    milestone_type text NOT NULL CHECK (milestone_type IN ('trips', 'connection')),
    milestone_value integer NOT NULL,
    window_days integer NOT NULL CHECK (window_days > 0),
    amount numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency text NOT NULL DEFAULT 'PEN' CHECK (currency ~ '^[A-Z]{3}$'),
    valid_from date NOT NULL,
    valid_to date,
    is_active boolean NOT NULL DEFAULT true,
    note text,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT payment_rules_milestone_value_check CHECK (
        (milestone_type = 'trips' AND milestone_value IN (1, 5, 25))
        OR (milestone_type = 'connection' AND milestone_value = 1)),
    CONSTRAINT payment_rules_validity_check CHECK (valid_to IS NULL OR valid_to >= valid_from),
    CONSTRAINT payment_rules_no_overlap EXCLUDE USING gist (
        scope WITH =, origin WITH =, milestone_type WITH =, milestone_value WITH =,
        daterange(valid_from, valid_to, '[]') WITH &&) WHERE (is_active)
);
COMMENT ON TABLE ops.payment_rules IS 'ops.payment_rules: amount per (scope, origin, milestone) for leads whose lead_date is within [valid_from, valid_to]; active rules never overlap';

INSERT INTO ops.payment_rules
    (scope, origin, milestone_type, milestone_value, window_days, amount, currency, valid_from, note)
VALUES
    ('partner', 'cabinet', 'trips', 1, 14, 25.00, 'PEN', '2025-11-01', 'Yango cabinet M1'),
    ('partner', 'cabinet', 'trips', 5, 14, 35.00, 'PEN', '2025-11-01', 'Yango cabinet M5'),
    ('partner', 'cabinet', 'trips', 25, 14, 100.00, 'PEN', '2025-11-01', 'Yango cabinet M25'),
    ('scout', 'scouting', 'connection', 1, 7, 0.00, 'PEN', '2025-11-03', 'scout: first connection'),
    ('scout', 'scouting', 'trips', 1, 7, 20.00, 'PEN', '2025-11-03', 'scout: 1 trip'),
    ('scout', 'scouting', 'trips', 5, 7, 25.00, 'PEN', '2025-11-03', 'scout: 5 trips'),
    ('scout', 'scouting', 'trips', 25, 7, 55.00, 'PEN', '2025-11-03', 'scout: 25 trips');

-- public.summary_daily parsed once: one row per driver and day, the latest delivery (created_at) wins.
CREATE TABLE observational.driver_daily_trips (
    driver_id text NOT NULL,
    trip_date date NOT NULL,
    trips integer NOT NULL,
    work_seconds integer NOT NULL,
    source_created_at timestamp,
    refreshed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (driver_id, trip_date)
);
CREATE INDEX driver_daily_trips_source_created_idx ON observational.driver_daily_trips (source_created_at);

-- One snapshot per change of a public.module_ct_cabinet_payments row (or of its identification);
-- append-only: the latest snapshot of a payment is its current state.
CREATE TABLE ops.yango_payment_snapshots (
    snapshot_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id integer NOT NULL,
    source_deleted boolean NOT NULL DEFAULT false,
    pay_date date,
    pay_time text,
    scout_id integer,
    driver_name text,
    name_key text,
    source_driver_id text,
    source_person_key uuid,
    trip_1 boolean,
    trip_5 boolean,
    trip_25 boolean,
    source_created_at timestamp,
    source_updated_at timestamp,
    driver_id text,
    person_key uuid,
    match_method text CHECK (match_method IN ('driver_id', 'person_key', 'name_key')),
    match_status text NOT NULL CHECK (match_status IN ('matched', 'ambiguous', 'unmatched')),
    candidate_count integer NOT NULL DEFAULT 0,
    run_id bigint,
    taken_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX yango_payment_snapshots_payment_idx ON ops.yango_payment_snapshots (payment_id, snapshot_id DESC);

-- The Yango payments ledger: one row per paid milestone flag of each snapshot (append-only).
CREATE TABLE ops.yango_payments_ledger (
    ledger_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id bigint NOT NULL REFERENCES ops.yango_payment_snapshots (snapshot_id),
    payment_id integer NOT NULL,
    milestone_value integer NOT NULL CHECK (milestone_value IN (1, 5, 25)),
    pay_date date,
    driver_id text,
    person_key uuid,
    match_method text CHECK (match_method IN ('driver_id', 'person_key', 'name_key')),
    match_status text NOT NULL CHECK (match_status IN ('matched', 'ambiguous', 'unmatched')),
    ingested_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE (snapshot_id, milestone_value)
);
CREATE INDEX yango_payments_ledger_person_idx ON ops.yango_payments_ledger (person_key, milestone_value);

-- Claims on Yango: one per (cabinet person, milestone) reached in [lead_date, lead_date + 14) with a
-- driver, or paid by Yango without being reached (classified, never deleted while the payment stands).
CREATE TABLE ops.cabinet_claims (
    claim_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_key uuid NOT NULL,
    milestone_value integer NOT NULL CHECK (milestone_value IN (1, 5, 25)),
    lead_source_pk text NOT NULL,
    lead_date date NOT NULL,
    driver_id text,
    rule_id bigint REFERENCES ops.payment_rules (id),
    achieved_date date,
    expected_amount numeric(12, 2) NOT NULL CHECK (expected_amount >= 0),
    paid_amount numeric(12, 2) NOT NULL CHECK (paid_amount >= 0),
    currency text NOT NULL DEFAULT 'PEN',
    due_date date NOT NULL,
    status text NOT NULL CHECK (status IN ('expected', 'paid', 'PAID_MISAPPLIED', 'PAID_WITHOUT_ACHIEVEMENT')),
    status_detail text,
    payment_count integer NOT NULL DEFAULT 0,
    first_pay_date date,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE (person_key, milestone_value)
);
CREATE INDEX cabinet_claims_open_idx ON ops.cabinet_claims (due_date) WHERE status = 'expected';

-- Materialized rows of ops.v_cabinet_financial_14d (days_overdue is computed when read): one per
-- cabinet person (earliest cabinet lead) and one per cabinet lead without a person.
CREATE TABLE ops.cabinet_receivable (
    lead_source_pk text PRIMARY KEY,
    person_key uuid,
    lead_date date NOT NULL,
    iso_week text NOT NULL,
    driver_id text,
    driver_name text,
    trips_14d integer NOT NULL,
    reached_m1 boolean NOT NULL,
    reached_m5 boolean NOT NULL,
    reached_m25 boolean NOT NULL,
    expected_m1 numeric(12, 2) NOT NULL,
    expected_m5 numeric(12, 2) NOT NULL,
    expected_m25 numeric(12, 2) NOT NULL,
    paid_m1 numeric(12, 2) NOT NULL,
    paid_m5 numeric(12, 2) NOT NULL,
    paid_m25 numeric(12, 2) NOT NULL,
    due_date date NOT NULL,
    funnel_stage text NOT NULL CHECK (funnel_stage IN ('NO_IDENTITY', 'NO_DRIVER', 'NO_TRIPS_14D', 'OK')),
    refreshed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX cabinet_receivable_person_idx ON ops.cabinet_receivable (person_key);
CREATE INDEX cabinet_receivable_week_idx ON ops.cabinet_receivable (iso_week);
CREATE INDEX cabinet_receivable_lead_date_idx ON ops.cabinet_receivable (lead_date);
