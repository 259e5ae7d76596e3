-- Persons whose identity changed since p_since in a way the money chain must follow, whatever the
-- lead's origin: a driver linked to them, a merge they took part in (both keys), or a linked driver's
-- normalized row changed. ops.refresh_money_chain adds these to the persons it recomputes, for the
-- claims and for the scout earning lines alike.
CREATE OR REPLACE FUNCTION ops.money_identity_changes(p_since timestamptz)
RETURNS SETOF uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT l.person_key FROM canon.identity_links AS l
    WHERE l.source_table = 'drivers' AND l.linked_at >= p_since
    UNION
    SELECT pm.person_key
    FROM canon.person_merges AS m
    CROSS JOIN LATERAL (VALUES (m.kept_person_key), (m.dropped_person_key)) AS pm (person_key)
    WHERE m.merged_at >= p_since
    UNION
    SELECT l.person_key
    FROM canon.drivers_index AS i
    JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = i.driver_id
    WHERE i.updated_at >= p_since;
$$;
COMMENT ON FUNCTION ops.money_identity_changes(timestamptz) IS 'ops.money_identity_changes(p_since timestamptz) -> SETOF uuid: persons whose driver links, merges or linked drivers changed since p_since (money chain input)';
