-- Check events_without_source: lead events whose source row no longer exists upstream (docs/rules.md §4: the
-- event stays, health reports it). WARN when any: money may have been claimed on a deleted lead.
CREATE OR REPLACE FUNCTION ops.health_check_orphan_events()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH orphans AS (  -- from ops.health_lead_scan(): one pass shared with the other lead-source checks
        SELECT sc.source_table, pg_catalog.sum(sc.orphans) AS events,
               pg_catalog.min(sc.day) FILTER (WHERE sc.orphans > 0) AS first_date,
               pg_catalog.max(sc.day) FILTER (WHERE sc.orphans > 0) AS last_date
        FROM ops.health_lead_scan() AS sc
        WHERE sc.side = 'event'
        GROUP BY sc.source_table
    )
    SELECT 'events_without_source', t.source_table,
           CASE WHEN o.events > 0 THEN 'WARN' ELSE 'OK' END,
           format('%s events', COALESCE(o.events, 0)),
           '0 events without a valid source row',
           CASE WHEN o.events > 0
                THEN format('%s events (lead dates %s..%s) have no valid source row any more: deleted or broken upstream', o.events, o.first_date, o.last_date)
                ELSE 'every event has its source row' END,
           CASE WHEN o.events > 0
                THEN format('SELECT e.source_pk, e.event_date FROM observational.lead_events AS e WHERE e.source_table = %L AND NOT EXISTS (SELECT FROM observational.v_source_leads AS l WHERE l.source_table = e.source_table AND l.source_pk = e.source_pk AND l.reject_reason IS NULL) LIMIT 50;', t.source_table) END,
           NULL::numeric
    FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations')) AS t (source_table)
    LEFT JOIN orphans AS o ON o.source_table = t.source_table
    ORDER BY t.source_table;
$$;
COMMENT ON FUNCTION ops.health_check_orphan_events() IS 'ops.health_check_orphan_events() -> health rows: per lead source, events whose source row is gone (check events_without_source)';
