-- The comparison weights in use (docs/identity.md): the highest version of canon.match_weights, with
-- an operator's override (canon.match_weight_overrides) in place of a level's weight. weight_milli is
-- thousandths of a bit (log2(m/u)); the prior of that version is in canon.match_weight_versions.
CREATE VIEW canon.v_match_weights AS
SELECT w.version, w.field, w.level, w.level_order, w.m, w.u, w.weight_milli AS version_weight_milli,
       COALESCE(o.weight_milli, w.weight_milli) AS weight_milli, o.weight_milli IS NOT NULL AS overridden,
       v.prior_milli
FROM canon.match_weights AS w
JOIN canon.match_weight_versions AS v ON v.version = w.version
LEFT JOIN canon.match_weight_overrides AS o ON o.field = w.field AND o.level = w.level
WHERE w.version = (SELECT pg_catalog.max(x.version) FROM canon.match_weight_versions AS x);
COMMENT ON VIEW canon.v_match_weights IS 'canon.v_match_weights (version, field, level, level_order, m, u, version_weight_milli, weight_milli, overridden, prior_milli): the comparison weights in use';
