-- The exact comparison behind ops.health_lead_scan(): raw lead rows (observational.v_source_lead_keys)
-- joined key by key with the events and rejects that answer them, counted per lead source and date:
--   side 'source', day = lead_date: valid_rows, missing_valid (valid rows that are no event),
--                                   missing_invalid (rows with a reject_reason that are no reject),
--                                   changed (valid rows whose event was read from another row version)
--   side 'event',  day = event_date: events, orphans (events whose valid source row is gone)
-- Restricted to the valid rows and events of the (p_tables[i], p_days[i]) pairs and the invalid rows
-- and rejects of p_invalid_sources; NULL arrays: everything (the full join, for checking the
-- restricted use). Only counts and dates leave it.
CREATE OR REPLACE FUNCTION ops.health_lead_scan_rows(p_tables text[], p_days date[], p_invalid_sources text[])
RETURNS TABLE (source_table text, side text, day date, valid_rows bigint, missing_valid bigint,
               missing_invalid bigint, events bigint, orphans bigint, changed bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
    WITH every AS (
        SELECT p_tables IS NULL AND p_days IS NULL AND p_invalid_sources IS NULL AS is_all
    ),
    odd_days AS (
        SELECT d.source_table, d.day FROM ROWS FROM (pg_catalog.unnest(p_tables), pg_catalog.unnest(p_days)) AS d (source_table, day)
    ),
    targets AS (  -- an event answers a valid row, a reject an invalid one: all equality keys
        SELECT e.source_table, e.source_pk, e.event_date, true AS is_event, e.source_version
        FROM observational.lead_events AS e
        WHERE (SELECT x.is_all FROM every AS x)
           OR (e.source_table, e.event_date) IN (SELECT o.source_table, o.day FROM odd_days AS o)
        UNION ALL
        SELECT r.source_table, r.source_pk, NULL::date, false, NULL::bigint
        FROM observational.lead_event_rejects AS r
        WHERE (SELECT x.is_all FROM every AS x) OR r.source_table = ANY (p_invalid_sources)
    ),
    rows AS (  -- a source with no odd date and no odd invalid row is not read at all
        SELECT v.source_table, v.source_pk, v.lead_date, v.reject_reason IS NULL AS valid, v.row_version
        FROM observational.v_source_lead_keys AS v
        WHERE (SELECT x.is_all FROM every AS x)
           OR v.source_table = ANY (p_tables || p_invalid_sources)
    ),
    picked AS (
        SELECT l.*
        FROM rows AS l
        WHERE (SELECT x.is_all FROM every AS x)
           OR (l.valid AND (l.source_table, l.lead_date) IN (SELECT o.source_table, o.day FROM odd_days AS o))
           OR (NOT l.valid AND l.source_table = ANY (p_invalid_sources))
    ),
    joined AS (
        SELECT COALESCE(l.source_table, t.source_table) AS source_table, l.lead_date, t.event_date,
               l.source_table IS NOT NULL AS has_row, l.valid, t.source_table IS NOT NULL AS has_target,
               t.is_event, l.row_version IS DISTINCT FROM t.source_version AS version_differs
        FROM picked AS l
        FULL JOIN targets AS t
               ON t.source_table = l.source_table AND t.source_pk = l.source_pk AND t.is_event = l.valid
    )
    SELECT j.source_table,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN 'source' ELSE 'event' END,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN j.lead_date ELSE j.event_date END,
           -- each side counts its own columns, the other side's are 0
           CASE WHEN GROUPING(j.lead_date) = 0 THEN pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid) ELSE 0 END,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid AND NOT j.has_target) ELSE 0 END,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN pg_catalog.count(*) FILTER (WHERE j.has_row AND NOT j.valid AND NOT j.has_target) ELSE 0 END,
           CASE WHEN GROUPING(j.lead_date) = 1 THEN pg_catalog.count(*) FILTER (WHERE j.has_target AND j.is_event) ELSE 0 END,
           CASE WHEN GROUPING(j.lead_date) = 1 THEN pg_catalog.count(*) FILTER (WHERE j.has_target AND j.is_event AND NOT j.has_row) ELSE 0 END,
           CASE WHEN GROUPING(j.lead_date) = 0 THEN pg_catalog.count(*) FILTER (WHERE j.has_row AND j.valid AND j.has_target AND j.version_differs) ELSE 0 END
    FROM joined AS j
    GROUP BY GROUPING SETS ((j.source_table, j.lead_date), (j.source_table, j.event_date));
$$;
COMMENT ON FUNCTION ops.health_lead_scan_rows(text[], date[], text[]) IS 'ops.health_lead_scan_rows(p_tables text[], p_days date[], p_invalid_sources text[]) -> (source_table, side, day, valid_rows, missing_valid, missing_invalid, events, orphans, changed): raw lead rows joined key by key with events and rejects, for the given (source, date) pairs and invalid-row sources (NULL arrays: all)';
