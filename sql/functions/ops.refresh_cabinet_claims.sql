-- Recompute the claims on Yango (docs/money.md): the one place a milestone's expected and paid amounts
-- and its status are computed; every money view, statement and health check reads them. One claim per
-- (cabinet person, milestone) reached within the partner rule's window with a driver (amount from
-- ops.payment_rules via v_payment_calculation), and one per milestone Yango paid (current ledger, person
-- identified) without it being reached. Status: 'expected' (reached, not paid), 'paid' (reached and
-- paid), 'PAID_MISAPPLIED' (paid on a milestone not reached while another reached milestone is unpaid),
-- 'PAID_WITHOUT_ACHIEVEMENT' (paid, not reached, nothing reached is unpaid). due_date = lead_date + 14;
-- iso_week = the ISO week of lead_date. Unchanged claims are not touched; claims no longer supported by
-- an achievement or a payment are removed.
-- p_persons: recompute only these persons' claims (the incremental refresh of ops.refresh_money_chain:
-- one indexed look-up per person); NULL: every person, set-based.
CREATE OR REPLACE FUNCTION ops.refresh_cabinet_claims(p_persons uuid[])
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- JIT compiles these one-shot set-based statements for longer than they run
SET jit = off
-- every call plans with the actual p_persons, so the branch not taken costs nothing
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_inserted bigint;
    v_updated bigint;
    v_deleted bigint;
    v_desired bigint;
BEGIN
    WITH cabinet AS MATERIALIZED (
        SELECT DISTINCT ON (e.person_key) e.person_key, e.source_pk AS lead_source_pk, e.event_date AS lead_date
        FROM observational.lead_events AS e
        WHERE e.origin = 'cabinet' AND e.person_key IS NOT NULL
          AND (p_persons IS NULL OR e.person_key = ANY (p_persons))
        ORDER BY e.person_key, e.event_date, e.source_pk
    ),
    achieved AS MATERIALIZED (
        SELECT c.person_key, c.milestone_value, c.rule_id, c.achieved_date, c.rule_amount, c.currency,
               c.driver_id
        FROM ops.v_payment_calculation AS c
        WHERE p_persons IS NULL
          AND c.scope = 'partner' AND c.origin = 'cabinet' AND c.milestone_type = 'trips'
          AND c.achieved AND c.driver_id IS NOT NULL
        UNION ALL
        -- the same rows, person by person: OFFSET 0 keeps the subquery apart, so the person_key
        -- reaches the views' index look-ups (lead_events, identity_links, driver_daily_trips)
        SELECT c.person_key, c.milestone_value, c.rule_id, c.achieved_date, c.rule_amount, c.currency,
               c.driver_id
        FROM pg_catalog.unnest(p_persons) AS d (person_key)
        CROSS JOIN LATERAL (
            SELECT c.*
            FROM ops.v_payment_calculation AS c
            WHERE c.person_key = d.person_key
              AND c.scope = 'partner' AND c.origin = 'cabinet' AND c.milestone_type = 'trips'
              AND c.achieved AND c.driver_id IS NOT NULL
            OFFSET 0
        ) AS c
    ),
    paid AS MATERIALIZED (
        SELECT p.person_key, p.milestone_value, pg_catalog.count(*)::integer AS payment_count,
               pg_catalog.min(p.pay_date) AS first_pay_date, pg_catalog.min(p.driver_id) AS driver_id
        FROM ops.v_yango_payments_current AS p
        WHERE p.match_status = 'matched' AND p.person_key IS NOT NULL
          AND (p_persons IS NULL OR p.person_key = ANY (p_persons))
        GROUP BY p.person_key, p.milestone_value
    ),
    unpaid_reached AS (
        SELECT a.person_key,
               pg_catalog.string_agg('M' || a.milestone_value, ', ' ORDER BY a.milestone_value) AS milestones
        FROM achieved AS a
        WHERE NOT EXISTS (SELECT FROM paid AS p
                          WHERE p.person_key = a.person_key AND p.milestone_value = a.milestone_value)
        GROUP BY a.person_key
    ),
    desired AS MATERIALIZED (
        SELECT cab.person_key, k.milestone_value, cab.lead_source_pk, cab.lead_date,
               COALESCE(a.driver_id, p.driver_id) AS driver_id,
               COALESCE(a.rule_id, r.id) AS rule_id,
               a.achieved_date,
               COALESCE(a.rule_amount, 0)::numeric(12, 2) AS expected_amount,
               CASE WHEN p.person_key IS NULL THEN 0
                    ELSE COALESCE(a.rule_amount, r.amount, 0) END::numeric(12, 2) AS paid_amount,
               COALESCE(a.currency, r.currency, 'PEN') AS currency,
               cab.lead_date + 14 AS due_date,
               pg_catalog.to_char(cab.lead_date, 'IYYY-"W"IW') AS iso_week,
               CASE WHEN a.person_key IS NOT NULL AND p.person_key IS NULL THEN 'expected'
                    WHEN a.person_key IS NOT NULL THEN 'paid'
                    WHEN u.milestones IS NOT NULL THEN 'PAID_MISAPPLIED'
                    ELSE 'PAID_WITHOUT_ACHIEVEMENT' END AS status,
               CASE WHEN a.person_key IS NOT NULL THEN NULL
                    WHEN u.milestones IS NOT NULL
                        THEN 'paid on M' || k.milestone_value || ', not reached; reached and unpaid: ' || u.milestones
                    WHEN r.id IS NULL
                        THEN 'paid on M' || k.milestone_value || ', not reached; no partner rule covers it'
                    ELSE 'paid on M' || k.milestone_value || ', not reached in the window' END AS status_detail,
               COALESCE(p.payment_count, 0) AS payment_count,
               p.first_pay_date
        FROM (SELECT a.person_key, a.milestone_value FROM achieved AS a
              UNION
              SELECT p.person_key, p.milestone_value FROM paid AS p) AS k
        JOIN cabinet AS cab ON cab.person_key = k.person_key
        LEFT JOIN achieved AS a ON a.person_key = k.person_key AND a.milestone_value = k.milestone_value
        LEFT JOIN paid AS p ON p.person_key = k.person_key AND p.milestone_value = k.milestone_value
        LEFT JOIN unpaid_reached AS u ON u.person_key = k.person_key
        LEFT JOIN LATERAL (
            SELECT r.id, r.amount, r.currency
            FROM ops.payment_rules AS r
            WHERE r.scope = 'partner' AND r.origin = 'cabinet' AND r.milestone_type = 'trips'
              AND r.milestone_value = k.milestone_value AND r.is_active
              AND a.person_key IS NULL
              AND (cab.lead_date BETWEEN r.valid_from AND COALESCE(r.valid_to, 'infinity'::date)
                   OR p.first_pay_date BETWEEN r.valid_from AND COALESCE(r.valid_to, 'infinity'::date))
            -- the rule of the lead date, else the one in force when Yango paid
            ORDER BY (cab.lead_date BETWEEN r.valid_from AND COALESCE(r.valid_to, 'infinity'::date)) DESC,
                     r.valid_from DESC
            LIMIT 1
        ) AS r ON true
    ),
    upserted AS (
        INSERT INTO ops.cabinet_claims AS c
            (person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date,
             expected_amount, paid_amount, currency, due_date, status, status_detail, payment_count,
             first_pay_date, iso_week)
        SELECT d.person_key, d.milestone_value, d.lead_source_pk, d.lead_date, d.driver_id, d.rule_id,
               d.achieved_date, d.expected_amount, d.paid_amount, d.currency, d.due_date, d.status,
               d.status_detail, d.payment_count, d.first_pay_date, d.iso_week
        FROM desired AS d
        ON CONFLICT (person_key, milestone_value) DO UPDATE
            SET lead_source_pk = EXCLUDED.lead_source_pk, lead_date = EXCLUDED.lead_date,
                driver_id = EXCLUDED.driver_id, rule_id = EXCLUDED.rule_id,
                achieved_date = EXCLUDED.achieved_date, expected_amount = EXCLUDED.expected_amount,
                paid_amount = EXCLUDED.paid_amount, currency = EXCLUDED.currency,
                due_date = EXCLUDED.due_date, status = EXCLUDED.status,
                status_detail = EXCLUDED.status_detail, payment_count = EXCLUDED.payment_count,
                first_pay_date = EXCLUDED.first_pay_date, iso_week = EXCLUDED.iso_week,
                updated_at = pg_catalog.now()
            WHERE (c.lead_source_pk, c.lead_date, c.driver_id, c.rule_id, c.achieved_date,
                   c.expected_amount, c.paid_amount, c.currency, c.due_date, c.status, c.status_detail,
                   c.payment_count, c.first_pay_date, c.iso_week)
                  IS DISTINCT FROM
                  (EXCLUDED.lead_source_pk, EXCLUDED.lead_date, EXCLUDED.driver_id, EXCLUDED.rule_id,
                   EXCLUDED.achieved_date, EXCLUDED.expected_amount, EXCLUDED.paid_amount,
                   EXCLUDED.currency, EXCLUDED.due_date, EXCLUDED.status, EXCLUDED.status_detail,
                   EXCLUDED.payment_count, EXCLUDED.first_pay_date, EXCLUDED.iso_week)
        RETURNING (c.xmax = 0) AS inserted
    ),
    deleted AS (
        DELETE FROM ops.cabinet_claims AS c
        WHERE (p_persons IS NULL OR c.person_key = ANY (p_persons))
          AND NOT EXISTS (SELECT FROM desired AS d
                          WHERE d.person_key = c.person_key AND d.milestone_value = c.milestone_value)
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM desired),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE u.inserted),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE NOT u.inserted),
           (SELECT pg_catalog.count(*) FROM deleted)
    INTO v_desired, v_inserted, v_updated, v_deleted;

    -- a first fill or a large change: fresh statistics, or the next run's anti-join plans on 0 rows
    IF v_inserted + v_deleted > 10000 THEN
        ANALYZE ops.cabinet_claims;
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'scope', CASE WHEN p_persons IS NULL THEN 'all' ELSE 'persons' END,
        'claims', v_desired,
        'inserted', v_inserted,
        'updated', v_updated,
        'deleted', v_deleted,
        'unchanged', v_desired - v_inserted - v_updated);
END;
$$;
COMMENT ON FUNCTION ops.refresh_cabinet_claims(uuid[]) IS 'ops.refresh_cabinet_claims(p_persons uuid[]) -> jsonb: recompute the claims on Yango of these persons (NULL: everyone) and reconcile them with the payments ledger';

-- Every person's claims (the full recompute).
CREATE OR REPLACE FUNCTION ops.refresh_cabinet_claims()
RETURNS jsonb
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ops.refresh_cabinet_claims(NULL::uuid[]);
$$;
COMMENT ON FUNCTION ops.refresh_cabinet_claims() IS 'ops.refresh_cabinet_claims() -> jsonb: recompute claims on Yango per (cabinet person, milestone) and reconcile them with the payments ledger';
