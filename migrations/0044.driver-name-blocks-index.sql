-- depends: 0043.name-token-dictionary
-- Car + name candidates (R4) read the drivers holding one of the run's name blocks, not every driver of
-- the run's car models (docs/identity.md, "Plans that stay linear"): a handful of models covers half the
-- drivers, so a 1 % run expanded 149 k drivers into 657 k (car, name block) rows at scale 100. The
-- drivers' name blocks are indexed (GIN) for the overlap test.
SET lock_timeout = '10s';

-- drivers_index is written by identity only (one run at a time, under its lock): a short write block
-- while the index builds is harmless, and the migration stays all-or-nothing
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX drivers_index_name_blocks_idx ON canon.drivers_index USING gin (name_blocks)
    WHERE removed_at IS NULL AND car_key IS NOT NULL;
