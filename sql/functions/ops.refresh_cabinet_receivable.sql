-- Recompute ops.cabinet_receivable, the rows behind ops.v_cabinet_financial_14d (docs/rules.md §8): one per
-- cabinet person (earliest cabinet lead) and one per cabinet lead without a person. Trips and reached
-- milestones: the driver's trips in [lead_date, lead_date + 14), as in v_conversion_metrics; expected
-- and paid amounts from ops.cabinet_claims, so the view's totals equal the claims'. Run after
-- ops.refresh_cabinet_claims(). Unchanged rows are not touched.
-- p_persons / p_leads: recompute only the rows of these persons and of these person-less cabinet leads
-- (the incremental refresh of ops.refresh_money_chain: one indexed look-up per person), and drop their
-- rows no longer wanted; p_persons NULL: every row, set-based (p_leads is then ignored).
CREATE OR REPLACE FUNCTION ops.refresh_cabinet_receivable(p_persons uuid[], p_leads text[])
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
-- JIT compiles these one-shot set-based statements for longer than they run
SET jit = off
-- every call plans with the actual p_persons, so the branch not taken costs nothing
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_rows bigint;
    v_inserted bigint;
    v_updated bigint;
    v_deleted bigint;
BEGIN
    WITH cabinet AS (
        SELECT DISTINCT ON (e.person_key) e.person_key, e.source_pk, e.event_date
        FROM observational.lead_events AS e
        WHERE e.origin = 'cabinet' AND e.person_key IS NOT NULL
          AND (p_persons IS NULL OR e.person_key = ANY (p_persons))
        ORDER BY e.person_key, e.event_date, e.source_pk
    ),
    -- each cabinet person's driver: one join for everyone, or one indexed look-up per person (OFFSET 0
    -- keeps the subquery apart so the person_key reaches identity_links)
    cab_driver AS (
        SELECT cab.person_key, cab.source_pk, cab.event_date, pd.driver_id, pd.driver_name
        FROM cabinet AS cab
        LEFT JOIN observational.v_person_driver AS pd ON pd.person_key = cab.person_key
        WHERE p_persons IS NULL
        UNION ALL
        SELECT cab.person_key, cab.source_pk, cab.event_date, pd.driver_id, pd.driver_name
        FROM cabinet AS cab
        LEFT JOIN LATERAL (
            SELECT v.driver_id, v.driver_name
            FROM observational.v_person_driver AS v
            WHERE v.person_key = cab.person_key
            OFFSET 0
        ) AS pd ON true
        WHERE p_persons IS NOT NULL
    ),
    claims AS (
        SELECT c.person_key,
               pg_catalog.sum(c.expected_amount) FILTER (WHERE c.milestone_value = 1) AS expected_m1,
               pg_catalog.sum(c.expected_amount) FILTER (WHERE c.milestone_value = 5) AS expected_m5,
               pg_catalog.sum(c.expected_amount) FILTER (WHERE c.milestone_value = 25) AS expected_m25,
               pg_catalog.sum(c.paid_amount) FILTER (WHERE c.milestone_value = 1) AS paid_m1,
               pg_catalog.sum(c.paid_amount) FILTER (WHERE c.milestone_value = 5) AS paid_m5,
               pg_catalog.sum(c.paid_amount) FILTER (WHERE c.milestone_value = 25) AS paid_m25
        FROM ops.cabinet_claims AS c
        WHERE (p_persons IS NULL OR c.person_key = ANY (p_persons))
        GROUP BY c.person_key
    ),
    desired AS MATERIALIZED (
        SELECT cab.source_pk AS lead_source_pk, cab.person_key, cab.event_date AS lead_date,
               cab.driver_id, cab.driver_name,
               COALESCE(w.trips_14d, 0) AS trips_14d,
               COALESCE(w.trips_14d >= 1, false) AS reached_m1,
               COALESCE(w.trips_14d >= 5, false) AS reached_m5,
               COALESCE(w.trips_14d >= 25, false) AS reached_m25,
               COALESCE(cl.expected_m1, 0) AS expected_m1, COALESCE(cl.expected_m5, 0) AS expected_m5,
               COALESCE(cl.expected_m25, 0) AS expected_m25,
               COALESCE(cl.paid_m1, 0) AS paid_m1, COALESCE(cl.paid_m5, 0) AS paid_m5,
               COALESCE(cl.paid_m25, 0) AS paid_m25,
               CASE WHEN cab.driver_id IS NULL THEN 'NO_DRIVER'
                    WHEN COALESCE(w.trips_14d, 0) = 0 THEN 'NO_TRIPS_14D'
                    ELSE 'OK' END AS funnel_stage
        FROM cab_driver AS cab
        -- trips in [lead_date, lead_date + 14), each day once: the cumulative count reaches N within
        -- the window exactly when this sum does (same figures as v_conversion_metrics.trips_14d)
        LEFT JOIN LATERAL (
            SELECT pg_catalog.sum(t.trips) AS trips_14d  -- bigint: a sum of integers can exceed integer
            FROM observational.driver_daily_trips AS t
            WHERE t.driver_id = cab.driver_id
              AND t.trip_date >= cab.event_date AND t.trip_date < cab.event_date + 14
        ) AS w ON true
        LEFT JOIN claims AS cl ON cl.person_key = cab.person_key
        UNION ALL
        SELECT e.source_pk, NULL, e.event_date, NULL, NULL, 0, false, false, false, 0, 0, 0, 0, 0, 0,
               'NO_IDENTITY'
        FROM observational.lead_events AS e
        WHERE e.origin = 'cabinet' AND e.person_key IS NULL
          AND (p_persons IS NULL OR e.source_pk = ANY (p_leads))
    ),
    upserted AS (
        INSERT INTO ops.cabinet_receivable AS r
            (lead_source_pk, person_key, lead_date, iso_week, driver_id, driver_name, trips_14d,
             reached_m1, reached_m5, reached_m25, expected_m1, expected_m5, expected_m25,
             paid_m1, paid_m5, paid_m25, due_date, funnel_stage)
        SELECT d.lead_source_pk, d.person_key, d.lead_date, pg_catalog.to_char(d.lead_date, 'IYYY-"W"IW'),
               d.driver_id, d.driver_name, d.trips_14d, d.reached_m1, d.reached_m5, d.reached_m25,
               d.expected_m1, d.expected_m5, d.expected_m25, d.paid_m1, d.paid_m5, d.paid_m25,
               d.lead_date + 14, d.funnel_stage
        FROM desired AS d
        ON CONFLICT (lead_source_pk) DO UPDATE
            SET person_key = EXCLUDED.person_key, lead_date = EXCLUDED.lead_date,
                iso_week = EXCLUDED.iso_week, driver_id = EXCLUDED.driver_id,
                driver_name = EXCLUDED.driver_name, trips_14d = EXCLUDED.trips_14d,
                reached_m1 = EXCLUDED.reached_m1, reached_m5 = EXCLUDED.reached_m5,
                reached_m25 = EXCLUDED.reached_m25, expected_m1 = EXCLUDED.expected_m1,
                expected_m5 = EXCLUDED.expected_m5, expected_m25 = EXCLUDED.expected_m25,
                paid_m1 = EXCLUDED.paid_m1, paid_m5 = EXCLUDED.paid_m5, paid_m25 = EXCLUDED.paid_m25,
                due_date = EXCLUDED.due_date, funnel_stage = EXCLUDED.funnel_stage,
                refreshed_at = pg_catalog.now()
            WHERE (r.person_key, r.lead_date, r.iso_week, r.driver_id, r.driver_name, r.trips_14d,
                   r.reached_m1, r.reached_m5, r.reached_m25, r.expected_m1, r.expected_m5,
                   r.expected_m25, r.paid_m1, r.paid_m5, r.paid_m25, r.due_date, r.funnel_stage)
                  IS DISTINCT FROM
                  (EXCLUDED.person_key, EXCLUDED.lead_date, EXCLUDED.iso_week, EXCLUDED.driver_id,
                   EXCLUDED.driver_name, EXCLUDED.trips_14d, EXCLUDED.reached_m1, EXCLUDED.reached_m5,
                   EXCLUDED.reached_m25, EXCLUDED.expected_m1, EXCLUDED.expected_m5,
                   EXCLUDED.expected_m25, EXCLUDED.paid_m1, EXCLUDED.paid_m5, EXCLUDED.paid_m25,
                   EXCLUDED.due_date, EXCLUDED.funnel_stage)
        RETURNING (r.xmax = 0) AS inserted
    ),
    deleted AS (
        DELETE FROM ops.cabinet_receivable AS r
        WHERE (p_persons IS NULL OR r.person_key = ANY (p_persons) OR r.lead_source_pk = ANY (p_leads))
          AND NOT EXISTS (SELECT FROM desired AS d WHERE d.lead_source_pk = r.lead_source_pk)
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM desired),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE u.inserted),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE NOT u.inserted),
           (SELECT pg_catalog.count(*) FROM deleted)
    INTO v_rows, v_inserted, v_updated, v_deleted;

    -- a first fill or a large change: fresh statistics, or the next run's anti-join plans on 0 rows
    IF v_inserted + v_deleted > 10000 THEN
        ANALYZE ops.cabinet_receivable;
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'scope', CASE WHEN p_persons IS NULL THEN 'all' ELSE 'persons' END,
        'rows', v_rows,
        'inserted', v_inserted,
        'updated', v_updated,
        'deleted', v_deleted,
        'unchanged', v_rows - v_inserted - v_updated);
END;
$$;
COMMENT ON FUNCTION ops.refresh_cabinet_receivable(uuid[], text[]) IS 'ops.refresh_cabinet_receivable(p_persons uuid[], p_leads text[]) -> jsonb: recompute the rows of ops.v_cabinet_financial_14d of these persons and person-less leads (p_persons NULL: every row)';

-- Every row (the full recompute).
CREATE OR REPLACE FUNCTION ops.refresh_cabinet_receivable()
RETURNS jsonb
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ops.refresh_cabinet_receivable(NULL::uuid[], NULL::text[]);
$$;
COMMENT ON FUNCTION ops.refresh_cabinet_receivable() IS 'ops.refresh_cabinet_receivable() -> jsonb: recompute the rows of ops.v_cabinet_financial_14d from metrics and claims';
