-- Today's date in the business time zone (setting business_timezone, America/Lima).
CREATE OR REPLACE FUNCTION ops.today()
RETURNS date
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (pg_catalog.now() AT TIME ZONE ops.get_setting('business_timezone'))::date;
$$;
COMMENT ON FUNCTION ops.today() IS 'ops.today() -> date: today in the business_timezone setting';
