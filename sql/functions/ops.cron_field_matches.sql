-- Whether one field of a five-field cron schedule (minute, hour, day of month, month, day of week)
-- matches p_value: comma-separated parts, each *, */n, a, a-b or a-b/n. Anything else (names such as
-- MON, @daily) matches nothing, so a caller computing a next run gets NULL and keeps its usual status.
CREATE OR REPLACE FUNCTION ops.cron_field_matches(p_field text, p_value integer)
RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM pg_catalog.unnest(pg_catalog.string_to_array(p_field, ',')) AS part,
             LATERAL pg_catalog.regexp_match(part, '^(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?$') AS m
        WHERE m IS NOT NULL
          AND (m[1] = '*' OR p_value BETWEEN m[2]::integer AND COALESCE(m[3], CASE WHEN m[4] IS NULL THEN m[2] END, '99')::integer)
          AND (m[4] IS NULL OR (p_value - COALESCE(m[2]::integer, 0)) % m[4]::integer = 0));
$$;
COMMENT ON FUNCTION ops.cron_field_matches(text, integer) IS 'ops.cron_field_matches(p_field text, p_value integer) -> boolean: whether one cron schedule field (*, */n, a, a-b, a-b/n, lists) matches a value';
