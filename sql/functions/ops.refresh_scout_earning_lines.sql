-- Recompute the scout earning lines (docs/money.md): for every person attributed to a scout, the lines
-- of the scout rules that ops.v_payment_calculation computes (achieved or not, achieved_date,
-- payable_date = lead_date + window, amount), with the ISO week of payable_date, so that one week of
-- ops.v_scout_statement reads one index range. Nothing here depends on today: whether a line is
-- payable is judged when it is read. Unchanged lines are not touched; lines no longer computed (the
-- person lost its scout, merged away, or a rule ended) are removed.
-- p_persons: recompute only these persons' lines (the incremental refresh of ops.refresh_money_chain:
-- one indexed look-up per person); NULL: every person, set-based.
CREATE OR REPLACE FUNCTION ops.refresh_scout_earning_lines(p_persons uuid[])
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
    WITH calc AS MATERIALIZED (
        SELECT c.person_key, c.rule_id, c.origin, c.lead_date, c.scout_id, c.driver_id, c.milestone_type,
               c.milestone_value, c.window_days, c.achieved_date, c.payable_date, c.rule_amount,
               c.amount_payable, c.currency
        FROM ops.v_payment_calculation AS c
        WHERE p_persons IS NULL AND c.scope = 'scout' AND c.scout_id IS NOT NULL
        UNION ALL
        -- the same rows, person by person: OFFSET 0 keeps the subquery apart, so the person_key
        -- reaches the views' index look-ups (lead_events, identity_links, driver_daily_trips)
        SELECT c.person_key, c.rule_id, c.origin, c.lead_date, c.scout_id, c.driver_id, c.milestone_type,
               c.milestone_value, c.window_days, c.achieved_date, c.payable_date, c.rule_amount,
               c.amount_payable, c.currency
        FROM pg_catalog.unnest(p_persons) AS d (person_key)
        CROSS JOIN LATERAL (
            SELECT c.*
            FROM ops.v_payment_calculation AS c
            WHERE c.person_key = d.person_key AND c.scope = 'scout' AND c.scout_id IS NOT NULL
            OFFSET 0
        ) AS c
    ),
    first_lead AS MATERIALIZED (
        SELECT DISTINCT ON (e.person_key, e.origin) e.person_key, e.origin, e.source_pk
        FROM observational.lead_events AS e
        JOIN (SELECT DISTINCT c.person_key, c.origin FROM calc AS c) AS k
          ON k.person_key = e.person_key AND k.origin = e.origin
        ORDER BY e.person_key, e.origin, e.event_date, e.source_pk
    ),
    desired AS MATERIALIZED (
        SELECT c.person_key, c.rule_id, c.origin, c.lead_date, f.source_pk AS lead_source_pk, c.scout_id,
               c.driver_id, c.milestone_type, c.milestone_value, c.window_days, c.achieved_date,
               c.payable_date, c.rule_amount, c.amount_payable, c.currency,
               pg_catalog.to_char(c.payable_date, 'IYYY-"W"IW') AS iso_week
        FROM calc AS c
        LEFT JOIN first_lead AS f ON f.person_key = c.person_key AND f.origin = c.origin
    ),
    upserted AS (
        INSERT INTO ops.scout_earning_lines AS l
            (person_key, rule_id, origin, lead_date, lead_source_pk, scout_id, driver_id, milestone_type,
             milestone_value, window_days, achieved_date, payable_date, rule_amount, amount_payable,
             currency, iso_week)
        SELECT d.person_key, d.rule_id, d.origin, d.lead_date, d.lead_source_pk, d.scout_id, d.driver_id,
               d.milestone_type, d.milestone_value, d.window_days, d.achieved_date, d.payable_date,
               d.rule_amount, d.amount_payable, d.currency, d.iso_week
        FROM desired AS d
        ON CONFLICT (person_key, rule_id) DO UPDATE
            SET origin = EXCLUDED.origin, lead_date = EXCLUDED.lead_date,
                lead_source_pk = EXCLUDED.lead_source_pk, scout_id = EXCLUDED.scout_id,
                driver_id = EXCLUDED.driver_id, milestone_type = EXCLUDED.milestone_type,
                milestone_value = EXCLUDED.milestone_value, window_days = EXCLUDED.window_days,
                achieved_date = EXCLUDED.achieved_date, payable_date = EXCLUDED.payable_date,
                rule_amount = EXCLUDED.rule_amount, amount_payable = EXCLUDED.amount_payable,
                currency = EXCLUDED.currency, iso_week = EXCLUDED.iso_week, updated_at = pg_catalog.now()
            WHERE (l.origin, l.lead_date, l.lead_source_pk, l.scout_id, l.driver_id, l.milestone_type,
                   l.milestone_value, l.window_days, l.achieved_date, l.payable_date, l.rule_amount,
                   l.amount_payable, l.currency, l.iso_week)
                  IS DISTINCT FROM
                  (EXCLUDED.origin, EXCLUDED.lead_date, EXCLUDED.lead_source_pk, EXCLUDED.scout_id,
                   EXCLUDED.driver_id, EXCLUDED.milestone_type, EXCLUDED.milestone_value,
                   EXCLUDED.window_days, EXCLUDED.achieved_date, EXCLUDED.payable_date,
                   EXCLUDED.rule_amount, EXCLUDED.amount_payable, EXCLUDED.currency, EXCLUDED.iso_week)
        RETURNING (l.xmax = 0) AS inserted
    ),
    deleted AS (
        DELETE FROM ops.scout_earning_lines AS l
        WHERE (p_persons IS NULL OR l.person_key = ANY (p_persons))
          AND NOT EXISTS (SELECT FROM desired AS d
                          WHERE d.person_key = l.person_key AND d.rule_id = l.rule_id)
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM desired),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE u.inserted),
           (SELECT pg_catalog.count(*) FROM upserted AS u WHERE NOT u.inserted),
           (SELECT pg_catalog.count(*) FROM deleted)
    INTO v_desired, v_inserted, v_updated, v_deleted;

    -- a first fill or a large change: fresh statistics, or the next run's anti-join plans on 0 rows
    IF v_inserted + v_deleted > 10000 THEN
        ANALYZE ops.scout_earning_lines;
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'scope', CASE WHEN p_persons IS NULL THEN 'all' ELSE 'persons' END,
        'lines', v_desired,
        'inserted', v_inserted,
        'updated', v_updated,
        'deleted', v_deleted,
        'unchanged', v_desired - v_inserted - v_updated);
END;
$$;
COMMENT ON FUNCTION ops.refresh_scout_earning_lines(uuid[]) IS 'ops.refresh_scout_earning_lines(p_persons uuid[]) -> jsonb: recompute the scout earning lines of these persons (NULL: everyone) from ops.v_payment_calculation';
