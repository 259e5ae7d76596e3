-- Before a snapshot computes the lead-source checks: ops.health_lead_scan() once, into a temporary
-- table dropped at commit (ops.record_health drops it when done). SECURITY DEFINER (owner
-- lead_attribution_owner): the scan reads raw tables, and the table must be the owner's so the checks,
-- which run as the owner, read it and nobody else's table of that name.
CREATE OR REPLACE FUNCTION ops.health_lead_scan_prepare()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF pg_catalog.to_regclass('pg_temp.health_lead_scan') IS NOT NULL THEN
        DROP TABLE pg_temp.health_lead_scan;
    END IF;
    CREATE TEMPORARY TABLE health_lead_scan ON COMMIT DROP AS SELECT * FROM ops.health_lead_scan();
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION ops.health_lead_scan_prepare() IS 'ops.health_lead_scan_prepare() -> bigint: compute ops.health_lead_scan() once for a health snapshot (temporary table, dropped at commit); rows written';
