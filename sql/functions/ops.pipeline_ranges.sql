-- The lead-date ranges the next pipeline run must populate: from each source's watermark (its latest
-- event date) minus lookback_days to today (Lima), plus every date holding a valid source row that is
-- not yet an event (late loads, back-dated rows) or whose event was read from another version of the
-- row (a row corrected upstream, whatever its lead date: lead_events.source_version), merged into
-- islands of at most max_range_days.
CREATE OR REPLACE FUNCTION ops.pipeline_ranges()
RETURNS TABLE (date_from date, date_to date)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.today() AS today,
               ops.get_setting('lookback_days')::integer AS lookback,
               ops.get_setting('max_range_days')::integer AS max_days
    ),
    watermark AS (
        SELECT LEAST(MIN(w.max_date) - s.lookback, s.today) AS from_date, s.today
        FROM settings AS s
        CROSS JOIN LATERAL (
            SELECT (SELECT MAX(e.event_date) FROM observational.lead_events AS e
                    WHERE e.source_table = t.source_table AND e.event_date <= s.today) AS max_date
            FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'),
                         ('module_ct_migrations')) AS t (source_table)) AS w
        GROUP BY s.lookback, s.today
    ),
    days AS (
        SELECT pg_catalog.generate_series(w.from_date, w.today, interval '1 day')::date AS d
        FROM watermark AS w WHERE w.from_date IS NOT NULL
        UNION
        SELECT l.lead_date
        FROM observational.v_source_leads AS l
        WHERE l.reject_reason IS NULL
          AND NOT EXISTS (SELECT FROM observational.lead_events AS e
                          WHERE e.source_table = l.source_table AND e.source_pk = l.source_pk
                            AND e.source_version IS NOT DISTINCT FROM l.row_version)
    ),
    islands AS (
        SELECT d, d - (pg_catalog.dense_rank() OVER (ORDER BY d))::integer AS island FROM days
    ),
    spans AS (  -- islands cut into chunks of at most max_range_days
        SELECT MIN(i.d) AS date_from, MAX(i.d) AS date_to
        FROM islands AS i CROSS JOIN settings AS s
        GROUP BY i.island, (i.d - i.island - 1) / s.max_days
    )
    SELECT date_from, date_to FROM spans ORDER BY date_from;
$$;
COMMENT ON FUNCTION ops.pipeline_ranges() IS 'ops.pipeline_ranges() -> (date_from, date_to): ranges the next pipeline run populates (watermark - lookback .. today, plus dates of rows not yet events or changed upstream since read)';
