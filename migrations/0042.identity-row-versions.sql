-- depends: 0041.identity-links-linked-at
-- Incremental identity runs cost what is new, not what is stored (docs/identity.md, "Speed"):
-- * row_version: the hash of the raw row's version (tableoid, xmin, ctid) a record or driver was last
--   read from. A raw row whose version is unchanged is not hashed again (md5 of every row: most of a
--   1 % run's read); one whose version changed with the same content is not normalized again. NULL on
--   existing rows: the first run hashes every row once and stores it.
-- * run_id indexes: the records and drivers a run wrote are found by index (stages 3 and 3a scanned
--   every lead_keys row of the range, also in a run with nothing new).
-- * the records whose content changed since they were decided, found by a partial index on a stored
--   flag (undecided): the planner estimates the flag from its statistics, while it took
--   "decided_hash IS DISTINCT FROM row_hash" to hold for nearly every row and read the whole table
--   (0.56 s of a run with nothing new at scale 1000).
SET lock_timeout = '10s';

ALTER TABLE canon.lead_keys ADD COLUMN row_version bigint;
-- rewrites lead_keys once (identity's own table, written under its lock only)
-- squawk-ignore adding-field-with-default
ALTER TABLE canon.lead_keys ADD COLUMN undecided boolean GENERATED ALWAYS AS (decided_hash IS DISTINCT FROM row_hash) STORED;
ALTER TABLE canon.drivers_index ADD COLUMN row_version bigint;
ALTER TABLE canon.identity_work_lead ADD COLUMN row_version bigint;

-- lead_keys and drivers_index are written by identity only (one run at a time, under its lock): a short
-- write block while the indexes build is harmless, and the migration stays all-or-nothing
-- (CONCURRENTLY cannot run in a transaction)
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_keys_run_idx ON canon.lead_keys (run_id);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_keys_undecided_idx ON canon.lead_keys (lead_date) WHERE undecided;
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX drivers_index_run_idx ON canon.drivers_index (run_id);
