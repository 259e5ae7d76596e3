-- Check events_behind_source (the 2025-12-14 incident), one row per lead source: rows of
-- observational.v_source_leads that are neither in lead_events nor in lead_event_rejects, and the
-- latest source lead date against the latest event date. Every pipeline run sweeps every date that has
-- such a row, so a missing row dated before yesterday means populate is not running or not finishing:
-- CRIT. Rows of today and yesterday are WARN only once the last successful pipeline run is older than
-- health_pipeline_max_age_minutes (before that they simply await the next run).
-- Rows corrected upstream since populate read them (their event carries another source_version) are
-- counted too: the next run re-reads their dates whatever they are; WARN under the same lateness rule.
-- Counts come from ops.health_lead_scan() (one pass shared with event_date_gaps and events_without_source).
-- The hint is the exact call that fixes it; amount_pen = missing cabinet leads x what one can earn.
CREATE OR REPLACE FUNCTION ops.health_check_events_behind()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.today() AS today,
               ops.get_setting('max_range_days')::integer AS max_days,
               ops.get_setting('health_pipeline_max_age_minutes')::integer AS grace_minutes,
               ops.health_lead_value() AS lead_value,
               (SELECT pg_catalog.max(r.finished_at) FROM ops.run_log AS r
                WHERE r.job = 'run_pipeline' AND r.status = 'succeeded') AS last_success
    ),
    scan AS (  -- counts per lead source and date, one pass shared with the other lead-source checks
        SELECT * FROM ops.health_lead_scan()
    ),
    per_source AS (
        SELECT t.source_table,
               COALESCE(pg_catalog.sum(sc.missing_valid) FILTER (WHERE sc.side = 'source' AND sc.day <= s.today), 0)
                 + COALESCE(pg_catalog.sum(sc.missing_invalid) FILTER (WHERE sc.side = 'source'), 0) AS missing,
               COALESCE(pg_catalog.sum(sc.missing_invalid) FILTER (WHERE sc.side = 'source'), 0) AS missing_rejects,
               COALESCE(pg_catalog.sum(sc.missing_valid) FILTER (WHERE sc.side = 'source' AND sc.day < s.today - 1), 0) AS missing_old,
               COALESCE(pg_catalog.sum(sc.changed) FILTER (WHERE sc.side = 'source' AND sc.day <= s.today), 0) AS changed,
               pg_catalog.min(sc.day) FILTER (WHERE sc.side = 'source' AND (sc.missing_valid > 0 OR sc.changed > 0) AND sc.day <= s.today) AS first_missing,
               pg_catalog.max(sc.day) FILTER (WHERE sc.side = 'source' AND (sc.missing_valid > 0 OR sc.changed > 0) AND sc.day <= s.today) AS last_missing,
               pg_catalog.max(sc.day) FILTER (WHERE sc.side = 'source' AND sc.valid_rows > 0 AND sc.day <= s.today) AS source_max,
               pg_catalog.max(sc.day) FILTER (WHERE sc.side = 'event' AND sc.events > 0 AND sc.day <= s.today) AS event_max
        FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations'))
             AS t (source_table)
        CROSS JOIN settings AS s
        LEFT JOIN scan AS sc ON sc.source_table = t.source_table
        GROUP BY t.source_table, s.today
    )
    SELECT 'events_behind_source',
           p.source_table,
           CASE WHEN p.missing_old > 0 THEN 'CRIT'
                WHEN (p.missing > 0 OR p.changed > 0) AND (s.last_success IS NULL
                     OR s.last_success < pg_catalog.now() - pg_catalog.make_interval(mins => s.grace_minutes)) THEN 'WARN'
                ELSE 'OK' END,
           format('%s rows missing%s; source max %s, events max %s', p.missing,
                  CASE WHEN p.changed > 0 THEN format(', %s changed upstream since read', p.changed) ELSE '' END,
                  COALESCE(p.source_max::text, 'none'), COALESCE(p.event_max::text, 'none')),
           format('0 rows missing before %s', s.today - 1),
           CASE WHEN p.missing = 0 AND p.changed = 0 THEN 'every source row is an event or a reject'
                WHEN p.missing = 0
                THEN format('%s valid rows were changed upstream after populate read them (lead dates %s..%s): the next run re-reads them',
                            p.changed, p.first_missing, p.last_missing)
                ELSE format('%s valid rows with lead dates %s..%s are not in observational.lead_events (%s dated before yesterday)%s%s',
                            p.missing - p.missing_rejects, COALESCE(p.first_missing::text, '-'),
                            COALESCE(p.last_missing::text, '-'), p.missing_old,
                            CASE WHEN p.missing_rejects > 0
                                 THEN format('; %s rows without a usable pk or date are not in lead_event_rejects', p.missing_rejects) END,
                            CASE WHEN p.source_max > p.event_max
                                 THEN format('; events stop %s days before the source', p.source_max - p.event_max) END,
                            CASE WHEN p.changed > 0
                                 THEN format('; %s rows changed upstream since read', p.changed) END)
           END,
           CASE WHEN p.missing = 0 AND p.changed = 0 THEN NULL
                WHEN p.first_missing IS NOT NULL AND p.last_missing - p.first_missing < s.max_days
                THEN format('SELECT observational.populate_lead_events(%L,%L);', p.first_missing, p.last_missing)
                ELSE 'CALL ops.run_pipeline();' END,
           CASE WHEN p.source_table = 'module_ct_cabinet_leads' AND p.missing > p.missing_rejects
                THEN (p.missing - p.missing_rejects) * s.lead_value END
    FROM per_source AS p CROSS JOIN settings AS s
    ORDER BY p.source_table;
$$;
COMMENT ON FUNCTION ops.health_check_events_behind() IS 'ops.health_check_events_behind() -> health rows: per lead source, source rows in neither lead_events nor rejects, or changed upstream since read (check events_behind_source)';
