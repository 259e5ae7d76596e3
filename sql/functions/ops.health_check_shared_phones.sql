-- Check shared_phones: phones (the normalized keys identity keeps in canon.lead_keys and
-- canon.drivers_index, so no raw row is re-read or re-normalized) shared by more persons than
-- max_phone_group_size, read from the persons per phone identity keeps (canon.phone_groups_current():
-- no full grouping of the keys on every snapshot). Identity already ignores them; the check says how
-- much of the lead flow they touch (a scout typing his own phone, a family): WARN when lead records carrying one
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
    -- persons per phone as identity keeps them (canon.phone_groups, anything changed since counted live)
    phones AS (
        SELECT g.phone, g.persons, g.lead_records FROM canon.phone_groups_current() AS g
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
        SELECT pg_catalog.count(*) AS n FROM canon.lead_keys AS k
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
