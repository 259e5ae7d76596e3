-- Check shared_phones: phones (the normalized keys identity keeps in canon.lead_keys and
-- canon.drivers_index, so no raw row is re-read or re-normalized) shared by more persons than
-- max_phone_group_size. Identity already ignores them; the check says how much of the
-- lead flow they touch (a scout typing his own phone, a family): WARN when lead records carrying one
-- exceed health_shared_phone_pct % of leads, CRIT at 2x. Phones are shown masked to their last 3 digits.
CREATE OR REPLACE FUNCTION ops.health_check_shared_phones()
RETURNS TABLE ("check" text, subject text, status text, observed text, threshold text, detail text,
               hint text, amount_pen numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH settings AS (
        SELECT ops.get_setting('max_phone_group_size')::integer AS max_group,
               ops.get_setting('health_shared_phone_pct')::numeric AS pct
    ),
    records AS (
        SELECT k.phone, k.source_table, k.source_pk, true AS is_lead
        FROM canon.lead_keys AS k
        UNION ALL
        SELECT d.phone, 'drivers', d.driver_id, false
        FROM canon.drivers_index AS d
        WHERE d.removed_at IS NULL
    ),
    -- a phone on at most max_group records cannot have more persons: only the others meet the links
    candidates AS (
        SELECT r.phone
        FROM records AS r CROSS JOIN settings AS s
        WHERE r.phone IS NOT NULL
        GROUP BY r.phone, s.max_group
        HAVING pg_catalog.count(*) > s.max_group
    ),
    phones AS (
        SELECT r.phone, pg_catalog.count(DISTINCT k.person_key) AS persons,
               pg_catalog.count(*) FILTER (WHERE r.is_lead) AS lead_records
        FROM records AS r
        JOIN candidates AS c ON c.phone = r.phone
        LEFT JOIN canon.identity_links AS k ON k.source_table = r.source_table AND k.source_pk = r.source_pk
        GROUP BY r.phone
    ),
    shared AS (
        SELECT pg_catalog.count(*) AS phones, COALESCE(pg_catalog.sum(p.lead_records), 0) AS lead_records,
               pg_catalog.max(p.persons) AS largest,
               pg_catalog.string_agg(canon.mask_identifier(p.phone) || ' (' || p.persons || ' persons)', ', '
                                     ORDER BY p.persons DESC, p.phone) FILTER (WHERE p.rank <= 5) AS top
        FROM (SELECT p.*, pg_catalog.row_number() OVER (ORDER BY p.persons DESC, p.phone) AS rank
              FROM phones AS p CROSS JOIN settings AS s WHERE p.persons > s.max_group) AS p
    ),
    leads AS (
        SELECT pg_catalog.count(*) AS n FROM records AS r WHERE r.is_lead
    )
    SELECT 'shared_phones', 'phone',
           ops.health_status(100.0 * x.lead_records / GREATEST(l.n, 1), s.pct, 2 * s.pct, true),
           format('%s phones shared by more than %s persons, on %s lead records (%s %%)', x.phones, s.max_group,
                  x.lead_records, pg_catalog.round(100.0 * x.lead_records / GREATEST(l.n, 1), 1)),
           format('WARN over %s %% of lead records, CRIT over %s %%', s.pct, 2 * s.pct),
           CASE WHEN x.phones = 0 THEN 'no phone is shared by more than max_phone_group_size persons'
                ELSE format('identity ignores these phones; largest group %s persons; top: %s', x.largest, x.top) END,
           CASE WHEN x.phones > 0
                THEN 'SELECT scout_id, count(*) FROM observational.lead_events WHERE person_key IS NULL GROUP BY 1 ORDER BY 2 DESC;  -- a scout registering drivers with his own phone shows here' END,
           NULL::numeric
    FROM shared AS x CROSS JOIN settings AS s CROSS JOIN leads AS l;
$$;
COMMENT ON FUNCTION ops.health_check_shared_phones() IS 'ops.health_check_shared_phones() -> health row: phones shared by more than max_phone_group_size persons and the share of leads they touch (check shared_phones)';
