-- Check unmatched_open, one row per reason_code of the OPEN identity queue (canon.identity_unmatched),
-- and its share of lead events: WARN over health_unmatched_pct %, CRIT at 2x. One OK row when the queue
-- is empty. Unmatched cabinet leads cannot be claimed from Yango: amount_pen = those x what one can earn.
CREATE OR REPLACE FUNCTION ops.health_check_unmatched()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('health_unmatched_pct')::numeric AS pct,
               ops.health_lead_value() AS lead_value,
               (SELECT pg_catalog.count(*) FROM observational.lead_events) AS leads
    ),
    queue AS (
        SELECT u.reason_code, pg_catalog.count(*) AS open_rows,
               pg_catalog.count(*) FILTER (WHERE u.source_table = 'module_ct_cabinet_leads') AS cabinet_rows,
               pg_catalog.min(u.created_at) AS oldest,
               pg_catalog.string_agg(DISTINCT u.source_table, ', ') AS sources
        FROM canon.identity_unmatched AS u
        WHERE u.status = 'OPEN'
        GROUP BY u.reason_code
    )
    SELECT 'unmatched_open', q.reason_code,
           ops.health_status(100.0 * q.open_rows / GREATEST(s.leads, 1), s.pct, 2 * s.pct, true),
           format('%s open (%s %% of %s leads)', q.open_rows,
                  pg_catalog.round(100.0 * q.open_rows / GREATEST(s.leads, 1), 1), s.leads),
           format('WARN over %s %%, CRIT over %s %% per reason', s.pct, 2 * s.pct),
           format('%s records of %s wait for an operator since %s (%s cabinet leads among them)',
                  q.open_rows, q.sources, q.oldest, q.cabinet_rows),
           format('SELECT source_table, source_pk, details, candidates FROM canon.identity_unmatched WHERE status = ''OPEN'' AND reason_code = %L ORDER BY created_at LIMIT 20;  -- then canon.resolve_unmatched(...) or canon.ignore_unmatched(...)', q.reason_code),
           NULLIF(q.cabinet_rows * s.lead_value, 0)
    FROM queue AS q CROSS JOIN settings AS s
    UNION ALL
    SELECT 'unmatched_open', 'all', 'OK', '0 open', 'WARN over ' || s.pct || ' % per reason',
           'the identity queue has no open record', NULL, NULL
    FROM settings AS s
    WHERE NOT EXISTS (SELECT FROM queue);
$$;
COMMENT ON FUNCTION ops.health_check_unmatched() IS 'ops.health_check_unmatched() -> health rows: open identity queue per reason and its share of leads (check unmatched_open)';
