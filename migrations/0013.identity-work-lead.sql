-- depends: 0012.identity-work-fillfactor
-- canon.run_identity copies the valid lead rows of its range into this work table with one serial read
-- of observational.v_source_leads, so that the normalizer calls over them can run in parallel workers:
-- a CREATE TABLE AS reading a regular (here unlogged) table may get a parallel plan, one reading the
-- view (window function, date-bounds CTE, poor row estimate) or a temporary table may not. Emptied at
-- the start and end of every run like the other work tables; no data moves.
SET lock_timeout = '10s';

CREATE UNLOGGED TABLE canon.identity_work_lead (
    source_table text NOT NULL,
    source_pk text NOT NULL,
    lead_date date NOT NULL,
    phone_raw text,
    license_raw text,
    document_raw text,
    plate_raw text,
    full_name_raw text,
    car_brand_raw text,
    car_model_raw text,
    driver_id text,
    first_name_raw text,
    row_hash text NOT NULL
);
