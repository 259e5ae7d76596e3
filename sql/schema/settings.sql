-- Default settings. New keys appear on migrate; a value an operator changed is never overwritten,
-- only the description is refreshed.
INSERT INTO ops.settings AS s (key, value, description) VALUES
    ('target_park_id', '08e20910d81d42658d4334d3f6d10ac0', 'the fleet''s park in public.drivers'),
    ('business_timezone', 'America/Lima', 'zone of lead timestamps and of "today"'),
    ('lookback_days', '3', 'days before each source''s watermark that every pipeline run re-reads'),
    ('max_range_days', '400', 'longest range one populate call accepts'),
    ('name_similarity_threshold', '0.66', 'fuzzy name rules: minimum (Jaccard + overlap) / 2'),
    ('name_similarity_margin', '0.15', 'fuzzy rules: best minus second-best similarity below this is ambiguous'),
    ('max_phone_group_size', '3', 'a phone shared by more persons is not an identifier'),
    -- evidence-weighted identity (docs/identity.md): defaults chosen on development data
    ('link_threshold', '0.99', 'identity: match probability at or above which a record links to its best person'),
    ('review_threshold', '0.5', 'identity: match probability at or above which a record is queued for review instead of becoming a new person'),
    ('ambiguity_margin', '3', 'identity: bits by which the best person must beat the runner-up to link'),
    ('max_block_size', '50', 'identity: distinct name groups above which a key value is not a blocking key'),
    ('name_block_days', '30', 'identity: lead dates further apart never form a name-only candidate pair'),
    ('run_history_days', '90', 'retention of run logs and cron history'),
    ('min_lead_date', '2020-01-01', 'lead dates before this are rejected as impossible'),
    ('money_incremental_max_persons', '20000', 'money chain: when more persons (or person-less leads) changed, claims and receivable are recomputed set-based: the incremental statements take ~650 bytes of planner memory per person'),
    ('pipeline_full_check_minutes', '60', 'run_pipeline re-reads everything when its last full run is this many minutes old, even if no input counter moved (statistics can lag); 0 = every run is full'),
    -- health (ops.health): WARN at the threshold, CRIT at twice it unless said otherwise
    ('health_pipeline_max_age_minutes', '20', 'health: CRIT when the pipeline job''s last success is older (2 x its 10-minute interval)'),
    ('health_purge_max_age_hours', '48', 'health: WARN when the purge job''s last success is older (2 x its daily interval)'),
    ('health_max_run_minutes', '30', 'health: a run still running after this many minutes is stuck (CRIT)'),
    ('health_max_consecutive_failures', '3', 'health: consecutive failed runs of a job: WARN from 1, CRIT from this many'),
    ('health_source_lag_days', '2', 'health: WARN when a daily raw source (leads, drivers, summary_daily) has nothing newer than this many Lima days; CRIT at 2x'),
    ('health_sparse_source_lag_days', '7', 'health: same for sparse sources (module_ct_migrations, module_ct_cabinet_payments); CRIT at 2x'),
    ('health_summary_window_days', '7', 'health: summary_daily checks read the rows delivered (created_at) in this many days'),
    ('health_summary_unparseable_pct', '0.5', 'health: WARN when more than this % of summary_daily rows have an unparseable date_file; CRIT at 10x'),
    ('health_summary_duplicate_pct', '5', 'health: WARN when more than this % of summary_daily rows repeat a (driver, day); CRIT at 2x'),
    ('health_unmatched_pct', '20', 'health: WARN when open unmatched records of one reason exceed this % of valid leads; CRIT at 2x'),
    ('health_shared_phone_pct', '10', 'health: WARN when leads carrying a phone shared by more than max_phone_group_size persons exceed this % of leads; CRIT at 2x'),
    ('health_unmatched_payments_pct', '30', 'health: WARN when more than this % of current Yango payments match no driver (or several); CRIT at 2x. About a quarter carry abbreviated names the name-key rule cannot match'),
    ('health_claim_overdue_days', '30', 'health: a claim still unpaid this many days after its due date is overdue'),
    ('health_claim_overdue_pct', '35', 'health: WARN when overdue claims exceed this % of the amount claimed on claims due that long; CRIT at 2x')
ON CONFLICT (key) DO UPDATE SET description = EXCLUDED.description
    WHERE s.description IS DISTINCT FROM EXCLUDED.description;
