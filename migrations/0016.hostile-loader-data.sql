-- depends: 0015.identity-work-unused-columns
-- Hostile, late and corrected loader data.
-- 1. ops.cabinet_receivable.trips_14d becomes bigint: a sum of daily trips (integer each) can exceed
--    the integer range, which failed the money chain. The table holds one row per cabinet person; the
--    rewrite takes an exclusive lock for its duration (~1 s per million rows). The view reading the
--    column is re-created by the code load that follows every migrate.
-- 2. observational.lead_events.source_version: the version of the raw row (row_version of
--    observational.v_source_leads: a hash of its tableoid, xmin and ctid, which an upstream UPDATE
--    changes) the event was last read from. A valid raw row whose event carries another version was
--    corrected upstream: the next pipeline run re-reads its lead date, whatever it is
--    (ops.pipeline_ranges), and health counts such rows (events_behind_source). Nullable, no default:
--    no table rewrite. Every event starts without a version, so the first run after this migration
--    re-reads every lead date once; populate's "nothing changed" state is cleared so that run scans.
SET lock_timeout = '10s';

-- the view is re-created, same name and columns, by the code load that follows in the same migrate
-- squawk-ignore ban-drop-view
DROP VIEW IF EXISTS ops.v_cabinet_financial_14d;
-- squawk-ignore changing-column-type
ALTER TABLE ops.cabinet_receivable ALTER COLUMN trips_14d TYPE bigint;

ALTER TABLE observational.lead_events ADD COLUMN source_version bigint;
DELETE FROM observational.populate_state WHERE true;
