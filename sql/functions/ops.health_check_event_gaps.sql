-- Check event_date_gaps, one row per lead source: lead dates (before today) on which the source has
-- valid rows but lead_events has none of that source - a day the pipeline skipped. CRIT when any.
CREATE OR REPLACE FUNCTION ops.health_check_event_gaps()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.today() AS today, ops.get_setting('max_range_days')::integer AS max_days
    ),
    scan AS MATERIALIZED (  -- one pass shared with the other lead-source checks
        SELECT * FROM ops.health_lead_scan()
    ),
    gaps AS (
        SELECT sc.source_table, sc.day AS lead_date
        FROM scan AS sc CROSS JOIN settings AS s
        WHERE sc.side = 'source' AND sc.valid_rows > 0 AND sc.day < s.today
        EXCEPT
        SELECT sc.source_table, sc.day
        FROM scan AS sc
        WHERE sc.side = 'event' AND sc.events > 0
    ),
    per_source AS (
        SELECT t.source_table, pg_catalog.count(g.lead_date) AS days,
               pg_catalog.min(g.lead_date) AS first_day, pg_catalog.max(g.lead_date) AS last_day,
               pg_catalog.string_agg(g.lead_date::text, ', ' ORDER BY g.lead_date) AS day_list
        FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations'))
             AS t (source_table)
        LEFT JOIN gaps AS g ON g.source_table = t.source_table
        GROUP BY t.source_table
    )
    SELECT 'event_date_gaps', p.source_table,
           CASE WHEN p.days > 0 THEN 'CRIT' ELSE 'OK' END,
           format('%s days', p.days),
           '0 days with source rows and no events',
           CASE WHEN p.days = 0 THEN 'every lead date with source rows has events'
                ELSE format('%s lead dates have source rows but no events: %s', p.days,
                            pg_catalog.left(p.day_list, 200) || CASE WHEN pg_catalog.length(p.day_list) > 200 THEN ', ...' ELSE '' END)
           END,
           CASE WHEN p.days = 0 THEN NULL
                WHEN p.last_day - p.first_day < s.max_days
                THEN format('SELECT observational.populate_lead_events(%L,%L);', p.first_day, p.last_day)
                ELSE 'CALL ops.run_pipeline();' END,
           NULL::numeric
    FROM per_source AS p CROSS JOIN settings AS s
    ORDER BY p.source_table;
$$;
COMMENT ON FUNCTION ops.health_check_event_gaps() IS 'ops.health_check_event_gaps() -> health rows: per lead source, lead dates with source rows but no events (check event_date_gaps)';
