-- Checks of public.summary_daily over the rows delivered (created_at) in the last
-- health_summary_window_days, counted per delivery day by the pipeline's refresh as it parsed them
-- (observational.summary_daily_deliveries, written by observational.refresh_driver_daily_trips): a few
-- rows read, not a week of deliveries parsed again (22 M rows at scale 1000: 26 s, docs/performance.md).
-- The counts are as of the last refresh; a stalled pipeline shows in the run checks and, after
-- health_source_lag_days, here.
--   source_freshness / summary_daily  Lima days since the latest parseable day delivered (WARN over
--                              health_source_lag_days, CRIT over 2x; nothing delivered is CRIT)
--   summary_daily_unparseable  rows whose date_file is neither DD-MM-YYYY nor YYYY-MM-DD (metrics
--                              ignore them): WARN over health_summary_unparseable_pct %, CRIT at 10x
--   summary_daily_duplicates   rows repeating a (driver, day) (the latest created_at wins): WARN over
--                              health_summary_duplicate_pct %, CRIT at 2x
CREATE OR REPLACE FUNCTION ops.health_check_summary_daily()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
    WITH settings AS (
        SELECT ops.today() AS today,
               pg_catalog.timezone(ops.get_setting('business_timezone'), pg_catalog.now())
                   + pg_catalog.make_interval(days => ops.get_setting('health_future_dated_days')::integer) AS future,
               ops.get_setting('health_summary_window_days')::integer AS window_days,
               ops.get_setting('health_source_lag_days')::integer AS lag_days,
               ops.get_setting('health_summary_unparseable_pct')::numeric AS bad_pct,
               ops.get_setting('health_summary_duplicate_pct')::numeric AS dup_pct
    ),
    counts AS (  -- delivery days in the window; a day delivered in the future is not fresh (source_future_dated)
        SELECT COALESCE(pg_catalog.sum(d.rows_delivered), 0) AS total_rows,
               COALESCE(pg_catalog.sum(d.unparseable), 0) AS unparseable,
               COALESCE(pg_catalog.sum(d.repeated), 0) AS duplicates,
               pg_catalog.max(d.latest_trip_date) FILTER (WHERE d.latest_trip_date <= s.today) AS latest
        FROM settings AS s
        LEFT JOIN observational.summary_daily_deliveries AS d
               ON d.delivered_on >= s.today - s.window_days AND d.delivered_on <= s.future::date
    ),
    shares AS (
        SELECT c.*, 100.0 * c.unparseable / NULLIF(c.total_rows, 0) AS bad_share,
               100.0 * c.duplicates / NULLIF(c.total_rows, 0) AS dup_share
        FROM counts AS c
    )
    SELECT 'source_freshness', 'summary_daily',
           CASE WHEN x.latest IS NULL THEN 'CRIT'
                ELSE ops.health_status(GREATEST(s.today - x.latest, 0), s.lag_days, 2 * s.lag_days, true) END,
           COALESCE(format('%s days (latest %s)', GREATEST(s.today - x.latest, 0), x.latest), 'no rows'),
           format('WARN over %s days, CRIT over %s (Lima)', s.lag_days, 2 * s.lag_days),
           CASE WHEN x.latest IS NULL
                THEN format('public.summary_daily received no row with a parseable date in the last %s days', s.window_days)
                ELSE format('the latest day delivered to public.summary_daily is %s, %s days before today %s in Lima',
                            x.latest, GREATEST(s.today - x.latest, 0), s.today) END,
           CASE WHEN x.latest IS NULL OR s.today - x.latest > s.lag_days
                THEN 'The upstream loader of public.summary_daily has stopped or lags: check it, then CALL ops.run_pipeline();' END,
           NULL::numeric
    FROM shares AS x CROSS JOIN settings AS s
    UNION ALL
    SELECT 'summary_daily_unparseable', 'summary_daily',
           ops.health_status(x.bad_share, s.bad_pct, 10 * s.bad_pct, true),
           format('%s of %s rows (%s %%)', x.unparseable, x.total_rows, COALESCE(pg_catalog.round(x.bad_share, 2), 0)),
           format('WARN over %s %%, CRIT over %s %% of the rows delivered in %s days', s.bad_pct, 10 * s.bad_pct, s.window_days),
           'rows whose date_file is not DD-MM-YYYY or YYYY-MM-DD are ignored by the trip metrics',
           CASE WHEN x.unparseable > 0
                THEN 'SELECT date_file, count(*) FROM observational.v_summary_daily_parsed WHERE trip_date IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 20;' END,
           NULL::numeric
    FROM shares AS x CROSS JOIN settings AS s
    UNION ALL
    SELECT 'summary_daily_duplicates', 'summary_daily',
           ops.health_status(x.dup_share, s.dup_pct, 2 * s.dup_pct, true),
           format('%s of %s rows (%s %%)', x.duplicates, x.total_rows, COALESCE(pg_catalog.round(x.dup_share, 2), 0)),
           format('WARN over %s %%, CRIT over %s %% of the rows delivered in %s days', s.dup_pct, 2 * s.dup_pct, s.window_days),
           'a (driver, day) delivered more than once: the row with the latest created_at counts',
           CASE WHEN x.dup_share > s.dup_pct
                THEN 'SELECT trip_date, count(*) - count(DISTINCT driver_id) AS repeated FROM observational.v_summary_daily_parsed GROUP BY 1 HAVING count(*) > count(DISTINCT driver_id) ORDER BY 1 DESC LIMIT 20;' END,
           NULL::numeric
    FROM shares AS x CROSS JOIN settings AS s;
$$;
COMMENT ON FUNCTION ops.health_check_summary_daily() IS 'ops.health_check_summary_daily() -> health rows: freshness, unparseable date_file and repeated (driver, day) rows of recent summary_daily deliveries (checks source_freshness, summary_daily_*)';
