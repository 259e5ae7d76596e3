-- depends: 0044.normalized-record-type
-- canon.run_identity's first stage (canon.identity_index_drivers) copies the drivers to normalize (new or
-- changed content) into this work table, so that the normalizer call over them (canon.normalize_record,
-- about 15 us a driver) may run in parallel workers, as it does for the lead records
-- (canon.identity_work_lead, 0013): a CREATE TABLE AS reading a regular (here unlogged) table may get a
-- parallel plan, one reading a temporary table may not. Emptied at the start and end of every run like the
-- other work tables; no data moves.
SET lock_timeout = '10s';

CREATE UNLOGGED TABLE canon.identity_work_driver (
    driver_id text NOT NULL,
    park_id text,
    full_name text,
    first_name text,
    last_name text,
    phone text,
    license text,
    document text,
    plate text,
    car text,
    hire_date date,
    row_version bigint NOT NULL,
    row_hash text NOT NULL
);
