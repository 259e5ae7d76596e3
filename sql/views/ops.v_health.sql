-- ops.health() as a view, worst first: SELECT * FROM ops.v_health WHERE status <> 'OK';
CREATE VIEW ops.v_health AS
SELECT h."check", h.subject, h.status, h.observed, h.threshold, h.detail, h.hint
FROM ops.health() AS h
ORDER BY CASE h.status WHEN 'CRIT' THEN 0 WHEN 'WARN' THEN 1 ELSE 2 END;

COMMENT ON VIEW ops.v_health IS 'ops.v_health: the rows of ops.health() (check, subject, status, observed, threshold, detail, hint), CRIT first';
GRANT SELECT ON ops.v_health TO lead_attribution_reader;
