-- depends: 0045.identity-work-driver
-- The links a run wrote (identity_links.run_id = the run) are read three times by every run: the records
-- its NAME+DATE look-back starts from, the drivers and records its driver pass starts from, and the
-- persons whose OPEN records are decided again by the next run. Without an index each read scanned
-- every link (about 50 ms apiece in a 1 % run at scale 100, growing with the links).
SET lock_timeout = '10s';

-- identity_links is written by identity only (one run at a time, under its lock): a short write block
-- while the index builds is harmless, and the migration stays all-or-nothing (CONCURRENTLY cannot run in
-- a transaction)
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX identity_links_run_idx ON canon.identity_links (run_id);
