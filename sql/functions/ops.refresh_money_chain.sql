-- The money chain step of ops.run_pipeline(), after events and the ledger: daily trips from
-- summary_daily, the Yango payments ledger, the claims, then the 14-day receivable. Serialized by a
-- transaction advisory lock; idempotent (a second call changes nothing); errors propagate.
CREATE OR REPLACE FUNCTION ops.refresh_money_chain()
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_daily jsonb;
    v_payments jsonb;
    v_claims jsonb;
    v_receivable jsonb;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:refresh_money_chain'));
    v_daily := observational.refresh_driver_daily_trips(false);
    v_payments := ops.ingest_cabinet_payments();
    v_claims := ops.refresh_cabinet_claims();
    v_receivable := ops.refresh_cabinet_receivable();
    RETURN pg_catalog.jsonb_build_object(
        'daily_trips', v_daily,
        'payments', v_payments,
        'claims', v_claims,
        'receivable', v_receivable,
        'elapsed_ms', pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - v_started) * 1000));
END;
$$;
COMMENT ON FUNCTION ops.refresh_money_chain() IS 'ops.refresh_money_chain() -> jsonb: refresh daily trips, Yango payments ledger, claims and the 14-day receivable; counts per step';
