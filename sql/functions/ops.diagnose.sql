-- The health report for a person at psql (SELECT ops.diagnose(); or psql -At -c ...): a summary line
-- with the package version,
-- then every WARN and CRIT worst first - what is wrong, since when (from ops.health_history: the first
-- snapshot of the current streak of that status), how much money is affected where known, what to run -
-- and the OK checks in one line.
CREATE OR REPLACE FUNCTION ops.diagnose()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH current AS MATERIALIZED (
        SELECT pg_catalog.row_number() OVER () AS ord, c.*
        FROM ops.health_checks() AS c
    ),
    problems AS (
        SELECT n.*,
               (SELECT pg_catalog.min(h.checked_at) FROM ops.health_history AS h
                WHERE h."check" = n."check" AND h.subject = n.subject AND h.status = n.status
                  AND h.checked_at > COALESCE((SELECT pg_catalog.max(o.checked_at) FROM ops.health_history AS o
                                               WHERE o."check" = n."check" AND o.subject = n.subject
                                                 AND o.status <> n.status), '-infinity')) AS since
        FROM current AS n
        WHERE n.status <> 'OK'
    ),
    summary AS (
        SELECT pg_catalog.count(*) FILTER (WHERE n.status = 'CRIT') AS crit,
               pg_catalog.count(*) FILTER (WHERE n.status = 'WARN') AS warn,
               pg_catalog.count(*) FILTER (WHERE n.status = 'OK') AS ok,
               pg_catalog.sum(n.amount_pen) FILTER (WHERE n.status <> 'OK') AS money,
               pg_catalog.string_agg(DISTINCT n."check", ', ') FILTER (WHERE n.status = 'OK') AS ok_checks
        FROM current AS n
    )
    SELECT pg_catalog.concat_ws(E'\n',
               format('lead-attribution health at %s (version %s): %s CRIT, %s WARN, %s OK%s',
                      pg_catalog.to_char(pg_catalog.now(), 'YYYY-MM-DD HH24:MI:SS TZ'), ops.version(),
                      s.crit, s.warn, s.ok,
                      CASE WHEN s.money > 0
                           THEN format(' - money affected: S/ %s', pg_catalog.to_char(s.money, 'FM999,999,999,990.00')) END),
               CASE WHEN s.crit + s.warn = 0 THEN 'Nothing to do: every check is OK.' END,
               (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(E'\n',
                           '',
                           format('%s  %s / %s', p.status, p."check", p.subject),
                           format('    what:  %s (threshold: %s)', p.observed, p.threshold),
                           format('    why:   %s', p.detail),
                           format('    since: %s', COALESCE(pg_catalog.to_char(p.since, 'YYYY-MM-DD HH24:MI TZ'),
                                                          'now (no earlier snapshot in ops.health_history)')),
                           CASE WHEN p.amount_pen > 0
                                THEN format('    money: S/ %s', pg_catalog.to_char(p.amount_pen, 'FM999,999,999,990.00')) END,
                           CASE WHEN p.hint IS NOT NULL THEN format('    run:   %s', p.hint) END),
                       E'\n' ORDER BY CASE p.status WHEN 'CRIT' THEN 0 ELSE 1 END, p.ord)
                FROM problems AS p),
               '',
               format('OK: %s', COALESCE(s.ok_checks, '-')),
               'Details: SELECT * FROM ops.v_health;  History: SELECT * FROM ops.health_history ORDER BY checked_at DESC;')
    FROM summary AS s;
$$;
COMMENT ON FUNCTION ops.diagnose() IS 'ops.diagnose() -> text: psql report of every WARN and CRIT check, worst first, since when, money affected and what to run';
