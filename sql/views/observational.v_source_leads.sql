-- The ONE definition of a lead (docs/rules.md §1, §4): source_pk, lead date, scout and payload of every raw
-- lead row of the three sources, with the reason it cannot become an event (reject_reason) or NULL.
-- Identity and populate_lead_events both read leads through this view and nowhere else.
-- A cabinet external_id repeated (also after btrim) keeps its lowest id; the others are rejected
-- under '<source_pk>#<id>' so every raw row is accounted for exactly once.
-- Keys built from raw text are bounded (an index entry holds at most 2704 bytes, and one overlong key
-- would fail every run): an external_id over 100 characters is rejected as PK_TOO_LONG under
-- '<its first 40 characters>...#<id>', a fleet migration's driver_id over 100 characters is no
-- driver_id (NULL). Normalized identifiers are bounded by the canon.normalize_* functions.
-- The payload and the row version are built above the UNION ALL from plain columns: PostgreSQL computes
-- every column of each branch, used or not, so a reader that needs neither (identity) skipped nothing
-- when each branch built its own jsonb (1.3 s of a 1.7 s read of 300k rows, scale 100).
-- row_version: a hash of the raw row's version (tableoid, xmin, ctid), which an upstream UPDATE changes:
-- populate keeps it in the row's event (lead_events.source_version), so a row corrected upstream is seen
-- and re-read whatever its lead date (ops.pipeline_ranges).
CREATE VIEW observational.v_source_leads AS
-- MATERIALIZED: evaluated once per query. Inlined, the reject_reason test called ops.get_setting() and
-- ops.today() (a query each) for every raw row: 60 us a row, 7x the cost of the rest of the view (measured)
WITH bounds AS MATERIALIZED (
    SELECT ops.get_setting('min_lead_date')::date AS min_date, ops.today() + 1 AS max_date
),
cabinet AS (
    SELECT c.*, c.tableoid AS row_tableoid, c.xmin AS row_xmin, c.ctid AS row_ctid,
           COALESCE(NULLIF(pg_catalog.btrim(c.external_id), ''), c.id::text) AS pk,
           pg_catalog.row_number() OVER (
               PARTITION BY COALESCE(NULLIF(pg_catalog.btrim(c.external_id), ''), c.id::text)
               ORDER BY c.id) AS pk_rank
    FROM public.module_ct_cabinet_leads AS c
),
-- p_*: raw values that only the payload shows; r_*: the row's version (tableoid, xmin, ctid)
leads AS (
    SELECT 'module_ct_cabinet_leads'::text AS source_table,
           CASE WHEN pg_catalog.length(c.pk) > 100 THEN pg_catalog.left(c.pk, 40) || '...#' || c.id::text
                WHEN c.pk_rank = 1 THEN c.pk ELSE c.pk || '#' || c.id::text END AS source_pk,
           c.lead_created_at::date AS lead_date,
           NULL::integer AS scout_id,
           CASE WHEN c.pk IS NULL THEN 'MISSING_PK'
                WHEN pg_catalog.length(c.pk) > 100 THEN 'PK_TOO_LONG'
                WHEN c.pk_rank > 1 THEN 'DUPLICATE_PK' END AS key_problem,
           c.park_phone::text AS phone_raw,
           NULL::text AS license_raw,
           NULL::text AS document_raw,
           c.asset_plate_number::text AS plate_raw,
           pg_catalog.concat_ws(' ', c.first_name, c.middle_name, c.last_name) AS full_name_raw,
           NULL::text AS car_brand_raw,
           c.asset_model::text AS car_model_raw,
           NULL::text AS driver_id,
           c.first_name::text AS first_name_raw, c.last_name::text AS last_name_raw,
           c.external_id::text AS p_external_id, c.middle_name::text AS p_middle_name,
           c.asset_color::text AS p_color, c.activation_city::text AS p_city,
           NULL::text AS p_acquisition_method, NULL::text AS p_driver_name, NULL::text AS p_driver_id,
           NULL::text AS p_scout_name,
           c.row_tableoid AS r_tableoid, c.row_xmin AS r_xmin, c.row_ctid AS r_ctid
    FROM cabinet AS c
    UNION ALL
    SELECT 'module_ct_scouting_daily', s.id::text, s.registration_date, s.scout_id,
           CASE WHEN s.id IS NULL THEN 'MISSING_PK' END,
           s.driver_phone, s.driver_license, s.driver_document, NULL, s.driver_name, NULL, NULL, NULL,
           NULL, NULL,
           NULL, NULL, NULL, NULL, s.acquisition_method, s.driver_name, NULL, NULL,
           s.tableoid, s.xmin, s.ctid
    FROM public.module_ct_scouting_daily AS s
    UNION ALL
    SELECT 'module_ct_migrations', m.id::text, COALESCE(m.hire_date, m.created_at::date), m.scout_id,
           CASE WHEN m.id IS NULL THEN 'MISSING_PK' END,
           NULL, NULL, NULL, NULL, m.driver_name, NULL, NULL,
           CASE WHEN pg_catalog.length(pg_catalog.btrim(m.driver_id)) BETWEEN 1 AND 100 THEN pg_catalog.btrim(m.driver_id) END,
           NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, m.driver_name, m.driver_id, m.scout_name,
           m.tableoid, m.xmin, m.ctid
    FROM public.module_ct_migrations AS m
)
SELECT l.source_table,
       COALESCE(l.source_pk, '(no pk)') AS source_pk,
       l.lead_date,
       l.scout_id,
       COALESCE(l.key_problem,
                CASE WHEN l.lead_date IS NULL THEN 'MISSING_DATE'
                     WHEN l.lead_date < b.min_date OR l.lead_date > b.max_date THEN 'DATE_OUT_OF_RANGE'
                END) AS reject_reason,
       l.phone_raw, l.license_raw, l.document_raw, l.plate_raw,
       COALESCE(l.full_name_raw, '') AS full_name_raw,  -- a lead without a name has no name tokens, not NULL ones
       l.car_brand_raw, l.car_model_raw, l.driver_id,
       CASE l.source_table
           WHEN 'module_ct_cabinet_leads' THEN pg_catalog.jsonb_build_object(
               'origin', 'cabinet', 'external_id', l.p_external_id,
               'first_name', l.first_name_raw, 'middle_name', l.p_middle_name, 'last_name', l.last_name_raw,
               'plate', l.plate_raw, 'model', l.car_model_raw, 'color', l.p_color, 'city', l.p_city)
           WHEN 'module_ct_scouting_daily' THEN pg_catalog.jsonb_build_object(
               'origin', 'scouting', 'acquisition_method', l.p_acquisition_method, 'driver_name', l.p_driver_name)
           ELSE pg_catalog.jsonb_build_object(
               'origin', 'fleet_migration', 'driver_id', l.p_driver_id, 'driver_name', l.p_driver_name,
               'scout_name', l.p_scout_name)
       END AS payload_json,
       pg_catalog.hashtextextended(l.r_tableoid::text || '/' || l.r_xmin::text || '/' || l.r_ctid::text, 0)
           AS row_version,
       l.first_name_raw, l.last_name_raw
FROM leads AS l CROSS JOIN bounds AS b;

COMMENT ON VIEW observational.v_source_leads IS 'observational.v_source_leads: every raw lead row with source_pk, lead_date, scout_id, identifiers, payload, reject_reason (NULL = valid), row_version and the cabinet''s first and last name';
