-- Check events_behind_source (the 2025-12-14 incident), one row per lead source: rows of
-- observational.v_source_leads that are neither in lead_events nor in lead_event_rejects, and the
-- latest source lead date against the latest event date. Every pipeline run sweeps every date that has
-- such a row, so a missing row dated before yesterday means populate is not running or not finishing:
-- CRIT. Rows of today and yesterday are WARN only once the last successful pipeline run is older than
-- health_pipeline_max_age_minutes (before that they simply await the next run).
-- Rows corrected upstream since populate read them (their event carries another source_version) are
-- counted too: the next run re-reads their dates whatever they are; WARN under the same lateness rule.
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
    scan AS (
        SELECT l.source_table, l.lead_date, l.reject_reason IS NULL AS valid,
               CASE WHEN l.reject_reason IS NULL AND l.lead_date > (SELECT s.today FROM settings AS s)
                    THEN false  -- tomorrow's leads (allowed by the lead view) are populated tomorrow
                    WHEN l.reject_reason IS NULL
                    THEN e.source_pk IS NULL
                    ELSE NOT EXISTS (SELECT FROM observational.lead_event_rejects AS r
                                     WHERE r.source_table = l.source_table AND r.source_pk = l.source_pk)
               END AS missing,
               -- an event read from another version of the raw row: corrected upstream since
               l.reject_reason IS NULL AND l.lead_date <= (SELECT s.today FROM settings AS s)
                   AND e.source_version IS DISTINCT FROM l.row_version AND e.source_pk IS NOT NULL AS changed
        FROM observational.v_source_leads AS l
        LEFT JOIN observational.lead_events AS e
               ON l.reject_reason IS NULL AND e.source_table = l.source_table AND e.source_pk = l.source_pk
    ),
    per_source AS (
        SELECT t.source_table,
               pg_catalog.count(*) FILTER (WHERE sc.missing) AS missing,
               pg_catalog.count(*) FILTER (WHERE sc.missing AND NOT sc.valid) AS missing_rejects,
               pg_catalog.count(*) FILTER (WHERE sc.missing AND sc.valid AND sc.lead_date < s.today - 1) AS missing_old,
               pg_catalog.count(*) FILTER (WHERE sc.changed) AS changed,
               pg_catalog.min(sc.lead_date) FILTER (WHERE sc.missing AND sc.valid OR sc.changed) AS first_missing,
               pg_catalog.max(sc.lead_date) FILTER (WHERE sc.missing AND sc.valid OR sc.changed) AS last_missing,
               pg_catalog.max(sc.lead_date) FILTER (WHERE sc.valid AND sc.lead_date <= s.today) AS source_max,
               (SELECT pg_catalog.max(e.event_date) FROM observational.lead_events AS e
                WHERE e.source_table = t.source_table AND e.event_date <= s.today) AS event_max
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
