-- What each setting may hold, for ops.set_setting: kind integer (digits only), number (decimal) or date
-- with an inclusive range, timezone (a name of pg_timezone_names) or text (non-empty, no surrounding
-- blanks, at most 200 characters). A key of ops.settings missing here is checked against the kind its
-- current value has. Ranges: what the code using the setting can work with, not business advice.
CREATE OR REPLACE FUNCTION ops.setting_rules()
RETURNS TABLE (key text, kind text, min_value numeric, max_value numeric)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    VALUES ('target_park_id', 'text', NULL::numeric, NULL::numeric),
           ('business_timezone', 'timezone', NULL, NULL),
           ('lookback_days', 'integer', 0, 400),
           ('max_range_days', 'integer', 1, 3660),
           ('name_similarity_threshold', 'number', 0, 1),
           ('name_similarity_margin', 'number', 0, 1),
           ('max_phone_group_size', 'integer', 1, 1000),
           ('run_history_days', 'integer', 7, 3660),  -- a week at least: health and failures need it
           ('min_lead_date', 'date', NULL, NULL),       -- from 2000-01-01 to today (ops.set_setting)
           ('money_incremental_max_persons', 'integer', 0, 999999999),
           ('pipeline_full_check_minutes', 'integer', 0, 10080),
           ('health_pipeline_max_age_minutes', 'integer', 1, 10080),
           ('health_purge_max_age_hours', 'integer', 1, 8784),
           ('health_max_run_minutes', 'integer', 1, 10080),
           ('health_max_consecutive_failures', 'integer', 1, 1000),
           ('health_future_dated_days', 'integer', 0, 3660),
           ('health_source_lag_days', 'integer', 1, 366),
           ('health_sparse_source_lag_days', 'integer', 1, 366),
           ('health_summary_window_days', 'integer', 1, 366),
           ('health_summary_unparseable_pct', 'number', 0, 100),
           ('health_summary_duplicate_pct', 'number', 0, 100),
           ('health_unmatched_pct', 'number', 0, 100),
           ('health_shared_phone_pct', 'number', 0, 100),
           ('health_unmatched_payments_pct', 'number', 0, 100),
           ('health_claim_overdue_days', 'integer', 1, 3660),
           ('health_claim_overdue_pct', 'number', 0, 100),
           ('health_claims_overdue_warn_pen', 'number', 0, 999999999),
           ('health_payments_unmatched_warn_pen', 'number', 0, 999999999),
           ('link_threshold', 'number', 0, 1),
           ('review_threshold', 'number', 0, 1),
           ('ambiguity_margin', 'number', 0, 100),
           ('max_block_size', 'integer', 2, 100000),
           ('name_block_days', 'integer', 0, 366),
           ('high_confidence_threshold', 'number', 0, 1),
           ('name_only_persons', 'integer', 0, 1);
$$;
COMMENT ON FUNCTION ops.setting_rules() IS 'ops.setting_rules() -> SETOF (key, kind integer|number|date|timezone|text, min_value, max_value): what ops.set_setting accepts for each setting';
