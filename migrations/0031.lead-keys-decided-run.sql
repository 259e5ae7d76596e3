-- depends: 0030.identity-recheck-scope
-- The run that last decided each lead record (new, changed or an OPEN record decided again), so that an
-- incremental run knows which changes a stored decision already took into account (docs/identity.md,
-- "Speed"). NULL on existing rows: run_id (the run that indexed the record) stands for it.
SET lock_timeout = '10s';

ALTER TABLE canon.lead_keys ADD COLUMN decided_run bigint;
