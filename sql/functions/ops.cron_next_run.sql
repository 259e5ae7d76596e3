-- The first time after p_after at which a five-field cron schedule fires, in UTC (pg_cron's default
-- cron.timezone), looking up to eight days ahead; NULL when the schedule is not one
-- ops.cron_field_matches reads. Day of month and day of week both restricted: either matches (cron).
CREATE OR REPLACE FUNCTION ops.cron_next_run(p_schedule text, p_after timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.min(t.at) AT TIME ZONE 'UTC'
    FROM (SELECT pg_catalog.regexp_split_to_array(pg_catalog.btrim(p_schedule), '\s+') AS f) AS s,
         LATERAL (SELECT pg_catalog.date_trunc('minute', p_after AT TIME ZONE 'UTC')
                         + pg_catalog.make_interval(mins => g) AS at
                  FROM pg_catalog.generate_series(1, 8 * 1440) AS g) AS t
    WHERE pg_catalog.cardinality(s.f) = 5
      AND ops.cron_field_matches(s.f[1], pg_catalog.date_part('minute', t.at)::integer)
      AND ops.cron_field_matches(s.f[2], pg_catalog.date_part('hour', t.at)::integer)
      AND ops.cron_field_matches(s.f[4], pg_catalog.date_part('month', t.at)::integer)
      AND CASE WHEN s.f[3] <> '*' AND s.f[5] <> '*'
               THEN ops.cron_field_matches(s.f[3], pg_catalog.date_part('day', t.at)::integer)
                    OR ops.cron_field_matches(s.f[5], pg_catalog.date_part('dow', t.at)::integer)
               ELSE ops.cron_field_matches(s.f[3], pg_catalog.date_part('day', t.at)::integer)
                    AND ops.cron_field_matches(s.f[5], pg_catalog.date_part('dow', t.at)::integer) END;
$$;
COMMENT ON FUNCTION ops.cron_next_run(text, timestamptz) IS 'ops.cron_next_run(p_schedule text, p_after timestamptz) -> timestamptz: first time after p_after a five-field cron schedule fires (UTC), NULL if unreadable';
