-- docs/rules.md §6: one row per (person_key, origin). lead_date = the person's earliest event of that origin;
-- production = the person's driver's days in observational.driver_daily_trips from lead_date on,
-- each day counted once. trip_N_date = first day the cumulative trips since lead_date reach N, so
-- trip_1_date <= trip_5_date <= trip_25_date always. Windows are half-open [lead_date, lead_date + N).
CREATE VIEW observational.v_conversion_metrics AS
WITH leads AS (
    SELECT e.person_key, e.origin, pg_catalog.min(e.event_date) AS lead_date
    FROM observational.lead_events AS e
    WHERE e.person_key IS NOT NULL
    GROUP BY e.person_key, e.origin
)
SELECT l.person_key,
       l.origin,
       l.lead_date,
       lg.attributed_scout_id AS scout_id,
       pd.driver_id,
       pd.hire_date,
       p.first_connection_date,
       p.trip_1_date,
       p.trip_5_date,
       p.trip_25_date,
       p.first_connection_date - l.lead_date AS time_to_first_connection_days,
       p.trip_1_date - l.lead_date AS time_to_trip_1_days,
       p.trip_5_date - l.lead_date AS time_to_trip_5_days,
       p.trip_25_date - l.lead_date AS time_to_trip_25_days,
       COALESCE(p.trips_7d, 0) AS trips_7d,
       COALESCE(p.trips_14d, 0) AS trips_14d,
       COALESCE(p.trips_30d, 0) AS trips_30d
FROM leads AS l
LEFT JOIN observational.lead_ledger AS lg ON lg.person_key = l.person_key
LEFT JOIN observational.v_person_driver AS pd ON pd.person_key = l.person_key
LEFT JOIN LATERAL (
    SELECT pg_catalog.min(c.trip_date) FILTER (WHERE c.trips > 0 OR c.work_seconds > 0) AS first_connection_date,
           pg_catalog.min(c.trip_date) FILTER (WHERE c.cumulative >= 1) AS trip_1_date,
           pg_catalog.min(c.trip_date) FILTER (WHERE c.cumulative >= 5) AS trip_5_date,
           pg_catalog.min(c.trip_date) FILTER (WHERE c.cumulative >= 25) AS trip_25_date,
           pg_catalog.sum(c.trips) FILTER (WHERE c.trip_date < l.lead_date + 7)::bigint AS trips_7d,
           pg_catalog.sum(c.trips) FILTER (WHERE c.trip_date < l.lead_date + 14)::bigint AS trips_14d,
           pg_catalog.sum(c.trips) FILTER (WHERE c.trip_date < l.lead_date + 30)::bigint AS trips_30d
    FROM (SELECT t.trip_date, t.trips, t.work_seconds,
                 pg_catalog.sum(t.trips) OVER (ORDER BY t.trip_date) AS cumulative
          FROM observational.driver_daily_trips AS t
          WHERE t.driver_id = pd.driver_id AND t.trip_date >= l.lead_date) AS c
) AS p ON true;

COMMENT ON VIEW observational.v_conversion_metrics IS 'observational.v_conversion_metrics: per (person_key, origin) lead_date, scout, driver, first connection, M1/M5/M25 dates and trips in 7/14/30 days';
GRANT SELECT ON observational.v_conversion_metrics TO lead_attribution_reader;
