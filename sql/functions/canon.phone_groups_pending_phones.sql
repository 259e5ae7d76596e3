-- The phones a set of canon.phone_groups_pending notes says may have changed: the phones noted, and the
-- current phones of the records noted (a lead record's in canon.lead_keys, a driver's in
-- canon.drivers_index). NULL when one of them says "count every phone". Read by
-- canon.phone_groups_current() and canon.refresh_phone_groups() (docs/operations.md, shared_phones).
CREATE OR REPLACE FUNCTION canon.phone_groups_pending_phones(p_notes canon.phone_groups_pending[])
RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH notes AS MATERIALIZED (
        SELECT n.phone, n.source_table, n.source_pk FROM pg_catalog.unnest(p_notes) AS n
    )
    SELECT CASE WHEN pg_catalog.bool_or(x.every) THEN NULL
                ELSE COALESCE(pg_catalog.array_agg(DISTINCT x.phone) FILTER (WHERE x.phone IS NOT NULL), '{}') END
    FROM (SELECT n.phone IS NULL AS every, n.phone FROM notes AS n WHERE n.source_table IS NULL
          UNION ALL
          SELECT false, k.phone
          FROM notes AS n
          JOIN canon.lead_keys AS k ON k.source_table = n.source_table AND k.source_pk = n.source_pk
          WHERE n.source_table <> 'drivers'
          UNION ALL
          SELECT false, d.phone
          FROM notes AS n
          JOIN canon.drivers_index AS d ON d.driver_id = n.source_pk
          WHERE n.source_table = 'drivers'
          UNION ALL
          SELECT false, NULL) AS x;
$$;
COMMENT ON FUNCTION canon.phone_groups_pending_phones(canon.phone_groups_pending[]) IS 'canon.phone_groups_pending_phones(p_notes canon.phone_groups_pending[]) -> text[]: the phones whose persons-per-phone count the notes say may have changed (NULL: every phone)';
