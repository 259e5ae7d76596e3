-- What one cabinet lead can be worth in Yango milestones today (sum of the active partner/cabinet rule
-- amounts, S/ 160 with the seeded rules): health multiplies it by leads the chain cannot see.
-- NULL while the money chain is not installed (ops.payment_rules missing): unknown, not zero.
CREATE OR REPLACE FUNCTION ops.health_lead_value()
RETURNS numeric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_amount numeric;
BEGIN
    IF pg_catalog.to_regclass('ops.payment_rules') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT pg_catalog.sum(r.amount) FROM ops.payment_rules AS r
             WHERE r.scope = ''partner'' AND r.origin = ''cabinet'' AND r.is_active
               AND $1 BETWEEN r.valid_from AND COALESCE(r.valid_to, $1)'
        INTO v_amount USING ops.today();
    RETURN v_amount;
END;
$$;
COMMENT ON FUNCTION ops.health_lead_value() IS 'ops.health_lead_value() -> numeric: Yango milestone amount one cabinet lead can earn today, NULL without the money chain';
