-- The phones behind two or more persons as they are now: canon.phone_groups for the phones nothing
-- changed since they were counted, counted live (canon.count_phone_persons) for the phones
-- canon.phone_groups_pending names - every phone when a "count every phone" note is pending. A reader
-- never sees a stale count; canon.refresh_phone_groups() keeps the live part small
-- (docs/operations.md, shared_phones).
CREATE OR REPLACE FUNCTION canon.phone_groups_current()
RETURNS TABLE (phone text, records bigint, lead_records bigint, persons bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pending text[] := canon.phone_groups_pending_phones(
        (SELECT pg_catalog.array_agg(p) FROM canon.phone_groups_pending AS p));
BEGIN
    IF v_pending IS NULL THEN
        RETURN QUERY SELECT c.phone, c.records, c.lead_records, c.persons FROM canon.count_phone_persons(NULL) AS c;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT g.phone, g.records, g.lead_records, g.persons
    FROM canon.phone_groups AS g
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(v_pending) AS w (phone) WHERE w.phone = g.phone)
    UNION ALL
    SELECT c.phone, c.records, c.lead_records, c.persons FROM canon.count_phone_persons(v_pending) AS c;
END;
$$;
COMMENT ON FUNCTION canon.phone_groups_current() IS 'canon.phone_groups_current() -> (phone, records, lead_records, persons): the phones behind two or more persons now (canon.phone_groups, with pending changes counted live)';
