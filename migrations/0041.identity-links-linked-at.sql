-- depends: 0040.phone-groups
-- Whether anything was linked since the last identity run (canon.run_identity: an OPEN record is
-- decided again only when something it could match changed) is read by an index on linked_at: without
-- it, a run with nothing new scanned every link (1.2 s of a 3.9 s no-op run at scale 1000).
SET lock_timeout = '10s';

-- identity_links is written by identity only (one run at a time, under its lock): a short write block
-- while the index builds is harmless, and the migration stays all-or-nothing (CONCURRENTLY cannot run in
-- a transaction)
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX identity_links_linked_at_idx ON canon.identity_links (linked_at);
