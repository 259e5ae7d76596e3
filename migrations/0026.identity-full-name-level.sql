-- depends: 0025.identity-link-history
-- The name level SAME_FULL_NAME (the same three or more name tokens: a given name and two surnames) as
-- data: a new weights version, a copy of the version in use with that level added (docs/identity.md).
-- m = 0.5 (half of a human's record pairs carry the full name twice, set by hand); u = 0.00002: the share
-- of pairs of two different persons sharing a full name, counted exactly over the persons of the
-- sample generator's development seeds 1 and 2 at scale 1 (0.0000143 and 0.0000169, rounded up).
-- A random sample of pairs cannot measure a share that small, hence data chosen on those seeds.
SET lock_timeout = '10s';

INSERT INTO canon.match_weight_versions (version, method, prior_milli, note)
SELECT v.version + 1, 'seed', v.prior_milli,
       'version ' || v.version || ' with the name level SAME_FULL_NAME (u counted over persons, development seeds 1 and 2)'
FROM canon.match_weight_versions AS v
ORDER BY v.version DESC
LIMIT 1;

INSERT INTO canon.match_weights (version, field, level, level_order, m, u, weight_milli, pairs, source)
SELECT n.version, w.field, w.level,
       CASE WHEN w.field = 'name' AND w.level <> 'MISSING' THEN w.level_order + 1 ELSE w.level_order END,
       w.m, w.u, w.weight_milli, w.pairs, w.source
FROM canon.match_weights AS w
CROSS JOIN (SELECT pg_catalog.max(version) AS version FROM canon.match_weight_versions) AS n
WHERE w.version = n.version - 1
UNION ALL
SELECT pg_catalog.max(version), 'name', 'SAME_FULL_NAME', 2, 0.5, 0.00002,
       pg_catalog.round(1000 * pg_catalog.log(2.0, 0.5 / 0.00002))::integer, NULL, 'seed'
FROM canon.match_weight_versions;
