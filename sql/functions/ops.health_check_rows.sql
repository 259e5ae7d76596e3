-- The rows of one health check, ops.health_check_<p_check_function>(), as a jsonb array, run in its own
-- subtransaction: a check that cannot run (missing table or function, missing privilege, bad setting)
-- becomes one CRIT row with its SQLSTATE - reported, never hiding the other checks - and failed is
-- true. The rows are collected before they are returned, so a check failing half-way adds no partial
-- rows. SECURITY DEFINER (owner lead_attribution_owner): several checks read raw tables and identity
-- tables that monitoring roles must not read; every check returns only counts, dates, reason codes and
-- identifiers masked to their last 3 digits. Only names of ops.health_check_list() are run.
CREATE OR REPLACE FUNCTION ops.health_check_rows(p_check_function text, OUT check_rows jsonb, OUT failed boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_reported_as text;
BEGIN
    SELECT l.reported_as INTO v_reported_as FROM ops.health_check_list() AS l
    WHERE l.check_function = p_check_function;
    IF v_reported_as IS NULL THEN
        RAISE EXCEPTION 'unknown health check %', COALESCE(p_check_function, 'NULL')
            USING ERRCODE = CASE WHEN p_check_function IS NULL THEN '22004' ELSE '22023' END,
                  DETAIL = 'Only the checks of ops.health_check_list() can be run.',
                  HINT = 'SELECT check_function FROM ops.health_check_list();';
    END IF;
    failed := false;
    BEGIN
        EXECUTE pg_catalog.format('SELECT pg_catalog.jsonb_agg(r) FROM ops.%I() AS r', 'health_check_' || p_check_function)
            INTO check_rows;
    EXCEPTION WHEN OTHERS THEN
        -- the failure is the result: one CRIT row naming the check and the SQLSTATE
        failed := true;
        check_rows := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'check', v_reported_as, 'subject', 'all', 'status', 'CRIT', 'observed', 'cannot run',
            'threshold', 'the check runs',
            'detail', pg_catalog.format('ops.health_check_%s() failed with SQLSTATE %s: %s', p_check_function, SQLSTATE,
                                        ops.mask_digits(SQLERRM)),
            'hint', CASE WHEN SQLSTATE = '42501' AND SQLERRM LIKE '%schema cron%'
                         THEN 'GRANT USAGE ON SCHEMA cron TO lead_attribution_job;  -- as a superuser (tools/migrate does it)'
                         WHEN SQLSTATE = '42501'
                         THEN 'Run tools/migrate as a superuser: it re-applies sql/schema/grants.sql'
                         WHEN SQLSTATE IN ('42P01', '42883', '42703', '3F000')
                         THEN 'Run tools/migrate: an object this check reads is missing (its migration or code is not installed)'
                         ELSE pg_catalog.format('SELECT * FROM ops.health_check_%s();  -- run it alone to see the error', p_check_function)
                    END));
    END;
    check_rows := COALESCE(check_rows, '[]'::jsonb);
END;
$$;
COMMENT ON FUNCTION ops.health_check_rows(text) IS 'ops.health_check_rows(p_check_function text) -> (check_rows jsonb, failed boolean): the rows of one health check, a failing check as one CRIT row (definer: reads raw data for monitors)';
