-- The keys of observational.v_source_leads alone: source_table, source_pk, lead_date, reject_reason and
-- row_version of every raw lead row, by the same expressions, without the identifiers and the payload.
-- For readers of every row that need no more (the health scan, ops.health_lead_scan): PostgreSQL
-- computes every column of each branch of a UNION ALL view, used or not, and the payload's jsonb made
-- a count of the full view cost 10 s at scale 1000 (3 M rows, docs/performance.md). Any change to the
-- keys in v_source_leads is made here too: tests/test_loader_fuzz.py checks on hostile data that both
-- views give the same keys, row for row.
CREATE VIEW observational.v_source_lead_keys AS
WITH bounds AS MATERIALIZED (
    SELECT ops.get_setting('min_lead_date')::date AS min_date, ops.today() + 1 AS max_date
),
cabinet AS (
    SELECT c.id, c.lead_created_at, c.tableoid AS row_tableoid, c.xmin AS row_xmin, c.ctid AS row_ctid,
           COALESCE(NULLIF(pg_catalog.btrim(c.external_id), ''), c.id::text) AS pk,
           pg_catalog.row_number() OVER (
               PARTITION BY COALESCE(NULLIF(pg_catalog.btrim(c.external_id), ''), c.id::text)
               ORDER BY c.id) AS pk_rank
    FROM public.module_ct_cabinet_leads AS c
),
leads AS (
    SELECT 'module_ct_cabinet_leads'::text AS source_table,
           CASE WHEN pg_catalog.length(c.pk) > 100 THEN pg_catalog.left(c.pk, 40) || '...#' || c.id::text
                WHEN c.pk_rank = 1 THEN c.pk ELSE c.pk || '#' || c.id::text END AS source_pk,
           c.lead_created_at::date AS lead_date,
           CASE WHEN c.pk IS NULL THEN 'MISSING_PK'
                WHEN pg_catalog.length(c.pk) > 100 THEN 'PK_TOO_LONG'
                WHEN c.pk_rank > 1 THEN 'DUPLICATE_PK' END AS key_problem,
           pg_catalog.hashtextextended(c.row_tableoid::text || '/' || c.row_xmin::text || '/' || c.row_ctid::text, 0)
               AS row_version
    FROM cabinet AS c
    UNION ALL
    SELECT 'module_ct_scouting_daily', s.id::text, s.registration_date,
           CASE WHEN s.id IS NULL THEN 'MISSING_PK' END,
           pg_catalog.hashtextextended(s.tableoid::text || '/' || s.xmin::text || '/' || s.ctid::text, 0)
    FROM public.module_ct_scouting_daily AS s
    UNION ALL
    SELECT 'module_ct_migrations', m.id::text, COALESCE(m.hire_date, m.created_at::date),
           CASE WHEN m.id IS NULL THEN 'MISSING_PK' END,
           pg_catalog.hashtextextended(m.tableoid::text || '/' || m.xmin::text || '/' || m.ctid::text, 0)
    FROM public.module_ct_migrations AS m
)
SELECT l.source_table,
       COALESCE(l.source_pk, '(no pk)') AS source_pk,
       l.lead_date,
       COALESCE(l.key_problem,
                CASE WHEN l.lead_date IS NULL THEN 'MISSING_DATE'
                     WHEN l.lead_date < b.min_date OR l.lead_date > b.max_date THEN 'DATE_OUT_OF_RANGE'
                END) AS reject_reason,
       l.row_version
FROM leads AS l CROSS JOIN bounds AS b;

COMMENT ON VIEW observational.v_source_lead_keys IS 'observational.v_source_lead_keys: source_table, source_pk, lead_date, reject_reason (NULL = valid) and row_version of every raw lead row, as observational.v_source_leads gives them, without identifiers or payload';
