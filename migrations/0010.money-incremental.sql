-- depends: 0007.money
-- Incremental money chain: ops.refresh_money_chain() recomputes claims and the 14-day receivable only
-- for the persons whose inputs changed since its last refresh. This migration adds the state it keeps
-- between refreshes (one row) and the indexes that find "changed since" rows without scanning.
SET lock_timeout = '10s';

-- One row: where the last refresh stopped. Rows of tables other processes write (lead_events,
-- identity_links, person_merges, drivers_index) stamped at or after watermark are read again; the
-- tables the chain writes itself under its lock are followed exactly (daily_trips_mark: the newest
-- driver_daily_trips.refreshed_at processed; snapshot_mark: the newest payment snapshot_id processed).
-- inputs_hash: the payment rules and the target park the figures were computed with; when it differs,
-- everything is recomputed.
CREATE TABLE ops.money_refresh_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    watermark timestamptz NOT NULL,
    daily_trips_mark timestamptz,
    snapshot_mark bigint NOT NULL DEFAULT 0,
    inputs_hash text NOT NULL,
    last_mode text NOT NULL CHECK (last_mode IN ('full', 'incremental')),
    last_reason text,
    last_persons bigint,
    last_started_at timestamptz NOT NULL,
    last_finished_at timestamptz NOT NULL
);
COMMENT ON TABLE ops.money_refresh_state IS 'ops.money_refresh_state: one row, the watermarks and inputs hash of the last ops.refresh_money_chain()';

-- The "changed since the watermark" look-ups. These tables are written by the pipeline only (one run at
-- a time), so a short write block while an index builds is harmless, and a transactional migration
-- stays all-or-nothing (CONCURRENTLY cannot run in a transaction).
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_events_updated_idx ON observational.lead_events (updated_at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX identity_links_drivers_linked_idx ON canon.identity_links (linked_at) WHERE source_table = 'drivers';
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX person_merges_merged_at_idx ON canon.person_merges (merged_at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX drivers_index_updated_idx ON canon.drivers_index (updated_at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX driver_daily_trips_refreshed_idx ON observational.driver_daily_trips (refreshed_at);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX cabinet_receivable_driver_idx ON ops.cabinet_receivable (driver_id);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX cabinet_claims_lead_idx ON ops.cabinet_claims (lead_source_pk);
