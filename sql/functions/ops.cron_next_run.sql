-- The first time after p_after at which a five-field cron schedule fires, in UTC (pg_cron's default
-- cron.timezone), looking up to eight days ahead; NULL when the schedule is not one
-- ops.cron_field_matches reads. Day of month and day of week both restricted: either matches (cron).
-- Matches each field over its own values (60 minutes, 24 hours, 9 days), not minute by minute.
CREATE OR REPLACE FUNCTION ops.cron_next_run(p_schedule text, p_after timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH f AS (
        SELECT pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_schedule), '\s+') AS f,
               (p_after AT TIME ZONE 'UTC') AS after_utc
    ),
    minutes AS (SELECT m FROM f, pg_catalog.generate_series(0, 59) AS m WHERE ops.cron_field_matches(f.f[1], m)),
    hours AS (SELECT h FROM f, pg_catalog.generate_series(0, 23) AS h WHERE ops.cron_field_matches(f.f[2], h)),
    days AS (
        SELECT d.day
        FROM f, LATERAL (SELECT pg_catalog.date_trunc('day', f.after_utc) + pg_catalog.make_interval(days => g) AS day
                         FROM pg_catalog.generate_series(0, 8) AS g) AS d
        WHERE ops.cron_field_matches(f.f[4], pg_catalog.date_part('month', d.day)::integer)
          AND CASE WHEN f.f[3] <> '*' AND f.f[5] <> '*'
                   THEN ops.cron_field_matches(f.f[3], pg_catalog.date_part('day', d.day)::integer)
                        OR ops.cron_field_matches(f.f[5], pg_catalog.date_part('dow', d.day)::integer)
                   ELSE ops.cron_field_matches(f.f[3], pg_catalog.date_part('day', d.day)::integer)
                        AND ops.cron_field_matches(f.f[5], pg_catalog.date_part('dow', d.day)::integer) END
    )
    SELECT pg_catalog.min(d.day + pg_catalog.make_interval(hours => h.h, mins => m.m)) AT TIME ZONE 'UTC'
    FROM f, days AS d, hours AS h, minutes AS m
    WHERE pg_catalog.cardinality(f.f) = 5
      AND d.day + pg_catalog.make_interval(hours => h.h, mins => m.m) > f.after_utc;
$$;
COMMENT ON FUNCTION ops.cron_next_run(text, timestamptz) IS 'ops.cron_next_run(p_schedule text, p_after timestamptz) -> timestamptz: first time after p_after a five-field cron schedule fires (UTC), NULL if unreadable';
