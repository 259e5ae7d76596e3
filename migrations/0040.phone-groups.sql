-- depends: 0039.summary-daily-deliveries
-- Persons per shared phone, kept up to date instead of recounted by every health snapshot: grouping
-- every phone-bearing identity key (leads and drivers) took 9.5 s of a scale-1000 snapshot
-- (docs/performance.md). canon.phone_groups holds the phones behind two or more persons;
-- canon.phone_groups_pending what changed since they were counted, written by statement triggers on
-- canon.lead_keys, canon.drivers_index and canon.identity_links (a phone, or a record whose link
-- changed; a row with neither means "count every phone"). canon.refresh_phone_groups() folds the
-- pending rows in; canon.phone_groups_current() reads the counts with anything pending counted live,
-- so a reader never sees a stale count (docs/operations.md, shared_phones).
SET lock_timeout = '10s';

CREATE TABLE canon.phone_groups (
    phone text PRIMARY KEY,
    records bigint NOT NULL,
    lead_records bigint NOT NULL,
    persons bigint NOT NULL CHECK (persons >= 2),
    counted_at timestamptz NOT NULL
);

CREATE TABLE canon.phone_groups_pending (
    phone text,
    source_table text,
    source_pk text,
    noted_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    CHECK (source_table IS NULL OR phone IS NULL),
    CHECK ((source_table IS NULL) = (source_pk IS NULL))
);

-- nothing counted yet: the first refresh (identity's next run, or the next health snapshot) counts
-- every phone once
INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL);
