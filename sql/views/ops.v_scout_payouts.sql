-- What the park owes each scout, per ISO week of payable_date (the day the lead's window closes), for
-- the lines already payable (payable_date <= today, ops.v_business_today; lines earned but not yet
-- payable are in ops.v_scout_statement): achieved scout-rule items of the persons attributed to the
-- scout by observational.lead_ledger, their amounts (from ops.payment_rules through
-- v_payment_calculation, materialized in ops.scout_earning_lines) and the drivers behind them. Persons
-- without an attributed scout (conflict, unassigned) are not paid here. What was already paid is in ops.v_scout_statement.
CREATE VIEW ops.v_scout_payouts AS
SELECT c.scout_id,
       sl.name::text AS scout_name,
       c.iso_week,
       c.payable_date - (EXTRACT(ISODOW FROM c.payable_date)::integer - 1) AS week_start,
       pg_catalog.count(*) AS items,
       pg_catalog.count(*) FILTER (WHERE c.milestone_type = 'connection') AS connection_items,
       pg_catalog.count(*) FILTER (WHERE c.milestone_type = 'trips') AS trip_items,
       pg_catalog.count(DISTINCT c.person_key) AS persons,
       pg_catalog.count(DISTINCT c.driver_id) AS drivers,
       pg_catalog.sum(c.amount_payable) AS amount,
       c.currency,
       pg_catalog.array_agg(DISTINCT c.driver_id ORDER BY c.driver_id) AS driver_ids
FROM ops.scout_earning_lines AS c
CROSS JOIN ops.v_business_today AS t
LEFT JOIN public.module_ct_scouts_list AS sl ON sl.scout_id = c.scout_id
WHERE c.achieved_date IS NOT NULL AND c.payable_date <= t.today
GROUP BY c.scout_id, sl.name, c.iso_week,
         c.payable_date - (EXTRACT(ISODOW FROM c.payable_date)::integer - 1), c.currency;

COMMENT ON VIEW ops.v_scout_payouts IS 'ops.v_scout_payouts: per scout and ISO week of payable_date, the lines payable today (payable_date <= today): achieved items, persons, drivers and amount';
GRANT SELECT ON ops.v_scout_payouts TO lead_attribution_reader;
