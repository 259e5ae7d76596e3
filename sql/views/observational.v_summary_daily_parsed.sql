-- public.summary_daily with date_file parsed (DD-MM-YYYY, or YYYY-MM-DD): trip_date is NULL when the
-- text is not a real calendar date from 2000 to 2099 (such rows are ignored by metrics and counted by
-- health checks). Parsing is one hash join on a generated calendar of both spellings of every day:
-- no exception can be raised by bad text, and millions of rows parse in one scan.
CREATE VIEW observational.v_summary_daily_parsed AS
WITH calendar AS (
    SELECT g.d::date AS trip_date, f.date_text
    FROM pg_catalog.generate_series('2000-01-01'::timestamp, '2099-12-31'::timestamp, '1 day'::interval) AS g (d)
    CROSS JOIN LATERAL (VALUES (pg_catalog.to_char(g.d, 'DD-MM-YYYY')),
                               (pg_catalog.to_char(g.d, 'YYYY-MM-DD'))) AS f (date_text)
)
SELECT NULLIF(pg_catalog.btrim(s.driver_id), '') AS driver_id,
       s.date_file,
       c.trip_date,
       GREATEST(COALESCE(s.count_orders_completed, 0), 0) AS trips,
       GREATEST(COALESCE(s.sum_work_time_seconds, 0), 0) AS work_seconds,
       s.created_at
FROM public.summary_daily AS s
LEFT JOIN calendar AS c ON c.date_text = pg_catalog.btrim(s.date_file);

COMMENT ON VIEW observational.v_summary_daily_parsed IS 'observational.v_summary_daily_parsed: public.summary_daily with trip_date parsed from date_file (NULL = unparseable)';
