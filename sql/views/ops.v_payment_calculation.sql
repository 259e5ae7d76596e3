-- docs/rules.md §7: one row per (person_key, origin, active rule) whose validity holds the lead_date. A
-- milestone is achieved on the first day within [lead_date, lead_date + window_days) where the
-- cumulative trips (counted once per lead, from v_conversion_metrics) reach it, or the person first
-- connects for 'connection'. Monotone: a higher milestone achieved implies every lower one of the same
-- scope and type, on that date at the latest. Amounts come from ops.payment_rules only.
CREATE VIEW ops.v_payment_calculation AS
WITH raw AS (
    SELECT m.person_key, m.origin, m.lead_date, m.driver_id,
           r.id AS rule_id, r.scope, r.milestone_type, r.milestone_value, r.window_days,
           r.amount, r.currency,
           CASE WHEN r.scope = 'scout' THEN m.scout_id END AS scout_id,
           CASE WHEN d.reached_date < m.lead_date + r.window_days THEN d.reached_date END AS raw_achieved_date
    FROM observational.v_conversion_metrics AS m
    JOIN ops.payment_rules AS r
      ON r.origin = m.origin
     AND r.is_active
     AND m.lead_date >= r.valid_from
     AND (r.valid_to IS NULL OR m.lead_date <= r.valid_to)
    CROSS JOIN LATERAL (
        SELECT CASE WHEN r.milestone_type = 'connection' THEN m.first_connection_date
                    WHEN r.milestone_value = 1 THEN m.trip_1_date
                    WHEN r.milestone_value = 5 THEN m.trip_5_date
                    WHEN r.milestone_value = 25 THEN m.trip_25_date END AS reached_date
    ) AS d
),
monotone AS (
    SELECT raw.*,
           pg_catalog.min(raw.raw_achieved_date) OVER (
               PARTITION BY raw.person_key, raw.origin, raw.scope, raw.milestone_type
               ORDER BY raw.milestone_value DESC
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS achieved_date
    FROM raw
)
SELECT mo.person_key,
       mo.origin,
       mo.lead_date,
       mo.rule_id,
       mo.scope,
       mo.milestone_type,
       mo.milestone_value,
       mo.window_days,
       mo.driver_id,
       mo.scout_id,
       mo.achieved_date IS NOT NULL AS achieved,
       mo.achieved_date,
       mo.lead_date + mo.window_days AS payable_date,
       mo.amount AS rule_amount,
       CASE WHEN mo.achieved_date IS NOT NULL THEN mo.amount ELSE 0 END::numeric(12, 2) AS amount_payable,
       mo.currency
FROM monotone AS mo;

COMMENT ON VIEW ops.v_payment_calculation IS 'ops.v_payment_calculation: per (person_key, origin, payment rule valid at lead_date) achieved_date within the window, payable_date, amount and scout';
GRANT SELECT ON ops.v_payment_calculation TO lead_attribution_reader;
-- the rules table is published too (amounts explain every row of this view)
GRANT SELECT ON ops.payment_rules TO lead_attribution_reader;
