-- Whether this transaction holds the shared scan of the lead sources of a health snapshot
-- (ops.health_lead_scan_prepare): a temporary table of that name owned by the package owner. A table
-- of that name made by another role is not trusted.
CREATE OR REPLACE FUNCTION ops.health_lead_scan_prepared()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT FROM pg_catalog.pg_class AS c
                   WHERE c.oid = pg_catalog.to_regclass('pg_temp.health_lead_scan')
                     AND c.relowner = 'lead_attribution_owner'::regrole);
$$;
COMMENT ON FUNCTION ops.health_lead_scan_prepared() IS 'ops.health_lead_scan_prepared() -> boolean: whether a health snapshot''s shared lead-source scan is ready in this transaction';
