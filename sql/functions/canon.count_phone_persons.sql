-- Persons behind each phone of p_phones (NULL: every phone), counted from identity's normalized keys
-- (canon.lead_keys, the drivers not removed in canon.drivers_index) and their links: the records
-- carrying the phone, the lead records among them, and the distinct person_keys they are linked to.
-- Only phones behind two or more persons are returned (a group of one is shared by nobody). The one
-- count behind canon.phone_groups and the shared_phones health check (docs/operations.md).
CREATE OR REPLACE FUNCTION canon.count_phone_persons(p_phones text[])
RETURNS TABLE (phone text, records bigint, lead_records bigint, persons bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_phones IS NULL THEN
        -- every phone: a phone on a single record cannot have two persons, so only the others meet the links
        RETURN QUERY
        WITH records AS (
            SELECT k.phone, k.source_table, k.source_pk, true AS is_lead
            FROM canon.lead_keys AS k WHERE k.phone IS NOT NULL
            UNION ALL
            SELECT d.phone, 'drivers', d.driver_id, false
            FROM canon.drivers_index AS d WHERE d.phone IS NOT NULL AND d.removed_at IS NULL
        ),
        candidates AS (
            SELECT r.phone FROM records AS r GROUP BY r.phone HAVING pg_catalog.count(*) > 1
        )
        SELECT r.phone, pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE r.is_lead),
               pg_catalog.count(DISTINCT l.person_key)
        FROM records AS r
        JOIN candidates AS c ON c.phone = r.phone
        LEFT JOIN canon.identity_links AS l ON l.source_table = r.source_table AND l.source_pk = r.source_pk
        GROUP BY r.phone
        HAVING pg_catalog.count(DISTINCT l.person_key) >= 2;
    ELSIF pg_catalog.cardinality(p_phones) > 0 THEN
        RETURN QUERY
        WITH wanted AS (SELECT DISTINCT w.phone FROM pg_catalog.unnest(p_phones) AS w (phone)),
        records AS (
            SELECT k.phone, k.source_table, k.source_pk, true AS is_lead
            FROM wanted AS w JOIN canon.lead_keys AS k ON k.phone = w.phone
            UNION ALL
            SELECT d.phone, 'drivers', d.driver_id, false
            FROM wanted AS w JOIN canon.drivers_index AS d ON d.phone = w.phone
            WHERE d.removed_at IS NULL
        )
        SELECT r.phone, pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE r.is_lead),
               pg_catalog.count(DISTINCT l.person_key)
        FROM records AS r
        LEFT JOIN canon.identity_links AS l ON l.source_table = r.source_table AND l.source_pk = r.source_pk
        GROUP BY r.phone
        HAVING pg_catalog.count(DISTINCT l.person_key) >= 2;
    END IF;
END;
$$;
COMMENT ON FUNCTION canon.count_phone_persons(text[]) IS 'canon.count_phone_persons(p_phones text[]) -> (phone, records, lead_records, persons): the phones of p_phones (NULL: all) behind two or more persons, counted from the identity keys and links';
