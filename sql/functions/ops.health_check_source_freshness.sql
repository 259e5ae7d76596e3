-- Check source_freshness, one row per raw source: Lima days between today and the latest business
-- date the source holds (leads: lead date of valid rows, from the snapshot's shared scan when there is
-- one; drivers: last created/updated; payments: latest pay date; summary_daily is checked with its other
-- checks, ops.health_check_summary_daily). WARN at health_source_lag_days (daily sources) or
-- health_sparse_source_lag_days (migrations, payments), CRIT at twice that; an empty source is CRIT.
-- An upstream loader that stopped shows here before any money number goes wrong.
-- Check source_future_dated, one row per raw source: rows whose created_at, updated_at or business date
-- is more than health_future_dated_days after now in Lima (a typo, a wrong year; clocks and time zones
-- are only hours off). They are processed as of now (no watermark moves past now) and never count as
-- fresh here: WARN with the query listing them. summary_daily's are counted per delivery day by the
-- pipeline's refresh (observational.summary_daily_deliveries): the days after the limit's day.
CREATE OR REPLACE FUNCTION ops.health_check_source_freshness()
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
               ops.get_setting('health_source_lag_days')::integer AS daily_lag,
               ops.get_setting('health_sparse_source_lag_days')::integer AS sparse_lag
    ),
    drivers_scan AS MATERIALIZED (  -- one pass over public.drivers for freshness and future dates
        SELECT pg_catalog.max(GREATEST(CASE WHEN d.created_at <= s.future THEN d.created_at END,
                                       CASE WHEN d.updated_at <= s.future THEN d.updated_at END))::date AS latest,
               pg_catalog.count(*) FILTER (WHERE d.created_at > s.future OR d.updated_at > s.future) AS future_rows
        FROM public.drivers AS d CROSS JOIN settings AS s
    ),
    latest AS (
        -- lead sources in a snapshot: read from the shared scan of ops.health_lead_scan_prepare
        SELECT t.source_table,
               pg_catalog.max(sc.day) FILTER (WHERE sc.side = 'source' AND sc.valid_rows > 0 AND sc.day <= s.today) AS latest,
               t.source_table = 'module_ct_migrations' AS sparse
        FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations')) AS t (source_table)
        CROSS JOIN settings AS s
        LEFT JOIN ops.health_lead_scan() AS sc ON sc.source_table = t.source_table
        WHERE ops.health_lead_scan_prepared()
        GROUP BY t.source_table
        UNION ALL
        -- lead sources otherwise (ops.health() by hand): the latest valid lead date alone, cheaper than
        -- the whole scan, which joins every row with the events
        SELECT l.source_table, pg_catalog.max(l.lead_date), l.source_table = 'module_ct_migrations'
        FROM observational.v_source_lead_keys AS l CROSS JOIN settings AS s
        WHERE NOT ops.health_lead_scan_prepared() AND l.reject_reason IS NULL AND l.lead_date <= s.today
        GROUP BY l.source_table
        UNION ALL
        SELECT 'drivers', d.latest, false
        FROM drivers_scan AS d
        UNION ALL
        SELECT 'module_ct_cabinet_payments',
               (SELECT pg_catalog.max(p.date) FROM public.module_ct_cabinet_payments AS p WHERE p.date <= s.today), true
        FROM settings AS s
    ),
    all_sources AS (
        SELECT t.source, l.latest, COALESCE(l.sparse, t.source IN ('module_ct_migrations', 'module_ct_cabinet_payments')) AS sparse
        FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations'),
                     ('drivers'), ('module_ct_cabinet_payments')) AS t (source)
        LEFT JOIN latest AS l ON l.source_table = t.source
    ),
    future_dated AS (
        SELECT 'module_ct_cabinet_leads' AS source, pg_catalog.count(*) AS n, 'created_at > %1$L OR lead_created_at > %1$L' AS cond
        FROM public.module_ct_cabinet_leads AS c CROSS JOIN settings AS s
        WHERE c.created_at > s.future OR c.lead_created_at > s.future
        UNION ALL
        SELECT 'module_ct_scouting_daily', pg_catalog.count(*), 'created_at > %1$L OR updated_at > %1$L'
        FROM public.module_ct_scouting_daily AS c CROSS JOIN settings AS s
        WHERE c.created_at > s.future OR c.updated_at > s.future
        UNION ALL
        SELECT 'module_ct_migrations', pg_catalog.count(*), 'created_at > %1$L OR updated_at > %1$L'
        FROM public.module_ct_migrations AS c CROSS JOIN settings AS s
        WHERE c.created_at > s.future OR c.updated_at > s.future
        UNION ALL
        SELECT 'drivers', d.future_rows, 'created_at > %1$L OR updated_at > %1$L'
        FROM drivers_scan AS d
        UNION ALL
        -- summary_daily by delivery day, as the pipeline's refresh counted it (22 M rows at scale 1000
        -- are not scanned again): the days after the one the limit falls on
        SELECT 'summary_daily', COALESCE(pg_catalog.sum(d.rows_delivered), 0), 'created_at > %1$L'
        FROM settings AS s
        LEFT JOIN observational.summary_daily_deliveries AS d ON d.delivered_on > s.future::date
        UNION ALL
        SELECT 'module_ct_cabinet_payments', pg_catalog.count(*), 'created_at > %1$L OR updated_at > %1$L OR date > %1$L'
        FROM public.module_ct_cabinet_payments AS c CROSS JOIN settings AS s
        WHERE c.created_at > s.future OR c.updated_at > s.future OR c.date > s.future
    )
    SELECT 'source_future_dated', f.source,
           CASE WHEN f.n > 0 THEN 'WARN' ELSE 'OK' END,
           format('%s rows', f.n),
           format('0 rows dated after %s (Lima)', s.future::timestamp(0)),
           CASE WHEN f.n = 0 THEN format('no row of public.%s is dated in the future', f.source)
                ELSE format('%s rows of public.%s are dated after %s in Lima: they are processed as of now and do not count as fresh',
                            f.n, f.source, s.future::timestamp(0)) END,
           CASE WHEN f.n > 0
                THEN format('Have the upstream loader of public.%s fix its dates: SELECT * FROM public.%s WHERE %s LIMIT 20;',
                            f.source, f.source, format(f.cond, s.future::timestamp(0))) END,
           NULL::numeric
    FROM future_dated AS f CROSS JOIN settings AS s
    UNION ALL
    SELECT 'source_freshness', a.source,
           CASE WHEN a.latest IS NULL THEN 'CRIT'
                ELSE ops.health_status(GREATEST(s.today - a.latest, 0),
                                       CASE WHEN a.sparse THEN s.sparse_lag ELSE s.daily_lag END,
                                       2 * CASE WHEN a.sparse THEN s.sparse_lag ELSE s.daily_lag END, true) END,
           COALESCE(format('%s days (latest %s)', GREATEST(s.today - a.latest, 0), a.latest), 'no rows'),
           format('WARN over %s days, CRIT over %s (Lima)',
                  CASE WHEN a.sparse THEN s.sparse_lag ELSE s.daily_lag END,
                  2 * CASE WHEN a.sparse THEN s.sparse_lag ELSE s.daily_lag END),
           CASE WHEN a.latest IS NULL THEN format('public.%s holds no dated row', a.source)
                ELSE format('the latest date in public.%s is %s, %s days before today %s in Lima',
                            a.source, a.latest, GREATEST(s.today - a.latest, 0), s.today) END,
           CASE WHEN a.latest IS NULL OR s.today - a.latest > CASE WHEN a.sparse THEN s.sparse_lag ELSE s.daily_lag END
                THEN format('The upstream loader of public.%s has stopped or lags: check it, then CALL ops.run_pipeline();', a.source) END,
           NULL::numeric
    FROM all_sources AS a CROSS JOIN settings AS s
    ORDER BY 1, 2;
$$;
COMMENT ON FUNCTION ops.health_check_source_freshness() IS 'ops.health_check_source_freshness() -> health rows: per raw source, Lima days since its latest business date (check source_freshness) and rows dated in the future (check source_future_dated)';
