-- One pass over every raw lead row (observational.v_source_leads) and every event and reject, shared by
-- the checks events_behind_source, event_date_gaps and events_without_source, which each scanned the
-- sources on their own before (three scans of the raw tables per snapshot). Rows per lead source:
--   side 'source', day = lead_date: valid_rows, missing_valid (valid rows that are no event),
--                                   missing_invalid (rows with a reject_reason that are no reject),
--                                   changed (valid rows whose event was read from another row version:
--                                   corrected upstream since populate read them)
--   side 'event',  day = event_date: events, orphans (events whose valid source row is gone)
-- A snapshot (ops.record_health) computes it once into a temporary table owned by the package owner
-- (ops.health_lead_scan_prepare) and every check reads that; without it (ops.health() by hand) each
-- call computes it. Only counts and dates: no identifier leaves this function.
CREATE OR REPLACE FUNCTION ops.health_lead_scan()
RETURNS TABLE (source_table text, side text, day date, valid_rows bigint, missing_valid bigint,
               missing_invalid bigint, events bigint, orphans bigint, changed bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF ops.health_lead_scan_prepared() THEN
        -- dynamic: the temporary table exists only during a snapshot
        RETURN QUERY EXECUTE pg_catalog.format('SELECT * FROM %I.%I', 'pg_temp', 'health_lead_scan');
        RETURN;
    END IF;
    RETURN QUERY
    WITH targets AS (  -- an event answers a valid row, a reject an invalid one: all equality keys
        SELECT e.source_table, e.source_pk, e.event_date, true AS is_event, e.source_version
        FROM observational.lead_events AS e
        UNION ALL
        SELECT r.source_table, r.source_pk, NULL::date, false, NULL::bigint
        FROM observational.lead_event_rejects AS r
    ),
    joined AS (
        SELECT COALESCE(l.source_table, t.source_table) AS source_table, l.lead_date, t.event_date,
               l.source_table IS NOT NULL AS has_row, l.valid, t.source_table IS NOT NULL AS has_target,
               t.is_event, l.row_version IS DISTINCT FROM t.source_version AS version_differs
        FROM (SELECT v.source_table, v.source_pk, v.lead_date, v.reject_reason IS NULL AS valid, v.row_version
              FROM observational.v_source_leads AS v) AS l
        FULL JOIN targets AS t
               ON t.source_table = l.source_table AND t.source_pk = l.source_pk AND t.is_event = l.valid
    )
    SELECT j.source_table,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN 'source' ELSE 'event' END,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN j.lead_date ELSE j.event_date END,
           pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid),
           pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid AND NOT j.has_target),
           pg_catalog.count(*) FILTER (WHERE j.has_row AND NOT j.valid AND NOT j.has_target),
           pg_catalog.count(*) FILTER (WHERE j.has_target AND j.is_event),
           pg_catalog.count(*) FILTER (WHERE j.has_target AND j.is_event AND NOT j.has_row),
           pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid AND j.has_target AND j.version_differs)
    FROM joined AS j
    GROUP BY GROUPING SETS ((j.source_table, j.lead_date), (j.source_table, j.event_date));
END;
$$;
COMMENT ON FUNCTION ops.health_lead_scan() IS 'ops.health_lead_scan() -> (source_table, side, day, valid_rows, missing_valid, missing_invalid, events, orphans, changed): per lead source and date, source rows and events counted in one pass for the lead-source health checks';
