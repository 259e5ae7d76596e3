-- Per lead source and date, raw lead rows and the events and rejects that answer them, for the checks
-- events_behind_source, event_date_gaps, events_without_source and source_freshness (rows as
-- ops.health_lead_scan_rows describes them). Two steps, so that a healthy database costs two grouped
-- scans instead of a key-by-key join of every raw row with every event (docs/performance.md):
--   1. per (source, date): the valid rows' count and the sum of a 64-bit hash of (source_pk, row
--      version), and the same of the events (source_pk, source_version); per source: the invalid rows'
--      count and hash sum of source_pk, and the same of the rejects;
--   2. the exact key-by-key join (ops.health_lead_scan_rows) only for the dates and sources whose count
--      or sum differ. A missing, extra, orphaned or changed row changes its date's count or sum (a row
--      whose lead date moved changes both dates), so the counts are those of the full join; equal sums
--      over different rows would need a 64-bit hash collision.
-- A snapshot (ops.record_health) computes it once into a temporary table owned by the package owner
-- (ops.health_lead_scan_prepare) and every check reads that; without it (ops.health() by hand) each
-- call computes it. Only counts and dates: no identifier leaves this function.
CREATE OR REPLACE FUNCTION ops.health_lead_scan()
RETURNS TABLE (source_table text, side text, day date, valid_rows bigint, missing_valid bigint,
               missing_invalid bigint, events bigint, orphans bigint, changed bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_days jsonb;
    v_tables text[];
    v_dates date[];
    v_invalid text[];
BEGIN
    IF ops.health_lead_scan_prepared() THEN
        -- dynamic: the temporary table exists only during a snapshot
        RETURN QUERY EXECUTE pg_catalog.format('SELECT * FROM %I.%I', 'pg_temp', 'health_lead_scan');
        RETURN;
    END IF;

    -- step 1: counts and hash sums per source and date (a few hundred rows)
    WITH source_days AS (
        SELECT v.source_table, v.lead_date AS day, v.reject_reason IS NULL AS valid, pg_catalog.count(*) AS n,
               pg_catalog.sum(pg_catalog.hashtextextended(
                   CASE WHEN v.reject_reason IS NULL THEN v.source_pk || '/' || v.row_version::text
                        ELSE v.source_pk END, 0)) AS sig
        FROM observational.v_source_lead_keys AS v
        GROUP BY 1, 2, 3
    ),
    event_days AS (
        SELECT e.source_table, e.event_date AS day, pg_catalog.count(*) AS n,
               pg_catalog.sum(pg_catalog.hashtextextended(e.source_pk || '/' || e.source_version::text, 0)) AS sig
        FROM observational.lead_events AS e
        GROUP BY 1, 2
    ),
    valid_days AS (
        SELECT COALESCE(s.source_table, e.source_table) AS source_table, COALESCE(s.day, e.day) AS day,
               COALESCE(s.n, 0) AS valid_rows, COALESCE(e.n, 0) AS events,
               s.n IS DISTINCT FROM e.n OR s.sig IS DISTINCT FROM e.sig AS odd
        FROM (SELECT * FROM source_days AS d WHERE d.valid) AS s
        FULL JOIN event_days AS e ON e.source_table = s.source_table AND e.day = s.day
    ),
    invalid_sources AS (
        SELECT COALESCE(s.source_table, r.source_table) AS source_table,
               s.n IS DISTINCT FROM r.n OR s.sig IS DISTINCT FROM r.sig AS odd
        FROM (SELECT d.source_table, pg_catalog.sum(d.n) AS n, pg_catalog.sum(d.sig) AS sig
              FROM source_days AS d WHERE NOT d.valid GROUP BY 1) AS s
        FULL JOIN (SELECT r.source_table, pg_catalog.count(*) AS n,
                          pg_catalog.sum(pg_catalog.hashtextextended(r.source_pk, 0)) AS sig
                   FROM observational.lead_event_rejects AS r GROUP BY 1) AS r
               ON r.source_table = s.source_table
    )
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'source_table', d.source_table, 'day', d.day, 'valid_rows', d.valid_rows, 'events', d.events)),
           pg_catalog.array_agg(d.source_table) FILTER (WHERE d.odd),
           pg_catalog.array_agg(d.day) FILTER (WHERE d.odd),
           (SELECT pg_catalog.array_agg(i.source_table) FILTER (WHERE i.odd) FROM invalid_sources AS i)
    INTO v_days, v_tables, v_dates, v_invalid
    FROM valid_days AS d;

    -- step 2: the exact join where step 1 found a difference; the invalid rows' dates come from it too
    RETURN QUERY
    WITH exact AS (
        SELECT x.* FROM ops.health_lead_scan_rows(COALESCE(v_tables, '{}'), COALESCE(v_dates, '{}'),
                                                   COALESCE(v_invalid, '{}')) AS x
        WHERE v_tables IS NOT NULL OR v_invalid IS NOT NULL
    ),
    summed AS (
        SELECT d.source_table, 'source'::text AS side, d.day, d.valid_rows, 0::bigint AS missing_valid,
               0::bigint AS missing_invalid, 0::bigint AS events, 0::bigint AS orphans, 0::bigint AS changed
        FROM pg_catalog.jsonb_to_recordset(v_days) AS d (source_table text, day date, valid_rows bigint, events bigint)
        WHERE d.valid_rows > 0
        UNION ALL
        SELECT d.source_table, 'event', d.day, 0, 0, 0, d.events, 0, 0
        FROM pg_catalog.jsonb_to_recordset(v_days) AS d (source_table text, day date, valid_rows bigint, events bigint)
        WHERE d.events > 0
        UNION ALL  -- the exact rows' counts of rows and events are in step 1's already
        SELECT x.source_table, x.side, x.day, 0, x.missing_valid, x.missing_invalid, 0, x.orphans, x.changed
        FROM exact AS x
    )
    SELECT s.source_table, s.side, s.day, pg_catalog.sum(s.valid_rows)::bigint, pg_catalog.sum(s.missing_valid)::bigint,
           pg_catalog.sum(s.missing_invalid)::bigint, pg_catalog.sum(s.events)::bigint,
           pg_catalog.sum(s.orphans)::bigint, pg_catalog.sum(s.changed)::bigint
    FROM summed AS s
    GROUP BY s.source_table, s.side, s.day;
END;
$$;
COMMENT ON FUNCTION ops.health_lead_scan() IS 'ops.health_lead_scan() -> (source_table, side, day, valid_rows, missing_valid, missing_invalid, events, orphans, changed): per lead source and date, source rows and events counted for the lead-source health checks (counts and hash sums first, the key-by-key join only where they differ)';
