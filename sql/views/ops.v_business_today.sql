-- Today as the money views judge it, one row: the date pinned by SET lead_attribution.today, else the
-- date in the business_timezone setting - what ops.today() returns, read from ops.settings directly so
-- the views' readers need no EXECUTE on package functions. OFFSET 0 keeps it a one-row subquery
-- computed once per query, instead of the time zone conversion being inlined into every row read.
CREATE VIEW ops.v_business_today AS
SELECT COALESCE(NULLIF(pg_catalog.current_setting('lead_attribution.today', true), '')::date,
                (pg_catalog.now() AT TIME ZONE COALESCE(
                    (SELECT s.value FROM ops.settings AS s WHERE s.key = 'business_timezone'),
                    'America/Lima'))::date) AS today
OFFSET 0;

COMMENT ON VIEW ops.v_business_today IS 'ops.v_business_today: one row, today (pinned by lead_attribution.today or in the business time zone) as the money views judge due dates';
GRANT SELECT ON ops.v_business_today TO lead_attribution_reader;
