-- After a snapshot: drop the shared scan, so later checks in the transaction compute a current one.
CREATE OR REPLACE FUNCTION ops.health_lead_scan_release()
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
BEGIN
    IF pg_catalog.to_regclass('pg_temp.health_lead_scan') IS NOT NULL THEN
        DROP TABLE pg_temp.health_lead_scan;
    END IF;
END;
$$;
COMMENT ON FUNCTION ops.health_lead_scan_release() IS 'ops.health_lead_scan_release() -> void: drop the snapshot''s shared lead-source scan';
