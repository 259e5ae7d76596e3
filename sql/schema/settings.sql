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
    ('run_history_days', '90', 'retention of run logs and cron history'),
    ('min_lead_date', '2020-01-01', 'lead dates before this are rejected as impossible')
ON CONFLICT (key) DO UPDATE SET description = EXCLUDED.description
    WHERE s.description IS DISTINCT FROM EXCLUDED.description;
