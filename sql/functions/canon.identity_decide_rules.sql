-- Stage 5 of canon.run_identity: each record's outcome from its candidate pairs
-- (canon.identity_work_pair), strongest evidence first: the driver a migration names, phone / licence,
-- plate + name, car + name; then weak candidates, a new person or nothing usable.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_decide_rules(p_threshold numeric, p_margin numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- DRIVER_DIRECT
    UPDATE canon.identity_work_subject AS s
    SET outcome = 'LINK', entity = p.entity, match_rule = 'DRIVER_DIRECT', match_score = 100,
        confidence_level = 'HIGH'
    FROM (SELECT DISTINCT ON (p0.node_id) p0.node_id, p0.entity
          FROM canon.identity_work_pair AS p0 WHERE p0.match_rule = 'DRIVER_DIRECT'
          ORDER BY p0.node_id, p0.entity) AS p
    WHERE p.node_id = s.node_id;

    -- R1 / R2: one distinct entity among the best tier links, two or more are ambiguous
    WITH strong AS (
        SELECT p.node_id, p.entity, p.match_rule, p.tier,
               pg_catalog.min(p.tier) OVER (PARTITION BY p.node_id) AS best_tier
        FROM canon.identity_work_pair AS p
        WHERE p.match_rule IN ('R1_PHONE_EXACT', 'R2_LICENSE_EXACT') AND p.dropped IS NULL
    ),
    per_entity AS (
        SELECT st.node_id, st.entity, pg_catalog.bool_or(st.match_rule = 'R1_PHONE_EXACT') AS by_phone
        FROM strong AS st WHERE st.tier = st.best_tier
        GROUP BY st.node_id, st.entity
    ),
    per_node AS (
        SELECT e.node_id, pg_catalog.count(*) AS entities, pg_catalog.min(e.entity) AS entity,
               pg_catalog.bool_or(e.by_phone) AS by_phone
        FROM per_entity AS e GROUP BY e.node_id
    )
    UPDATE canon.identity_work_subject AS s
    SET outcome = CASE WHEN n.entities = 1 THEN 'LINK' ELSE 'MULTIPLE_CANDIDATES' END,
        entity = CASE WHEN n.entities = 1 THEN n.entity END,
        match_rule = CASE WHEN n.by_phone THEN 'R1_PHONE_EXACT' ELSE 'R2_LICENSE_EXACT' END,
        match_score = CASE WHEN n.by_phone THEN 95 ELSE 92 END,
        confidence_level = 'HIGH'
    FROM per_node AS n
    WHERE n.node_id = s.node_id AND s.outcome IS NULL;

    -- fuzzy rules in order: the best entity wins when alone or ahead of the second by the margin
    WITH fuzzy AS (
        SELECT p.node_id, p.match_rule, p.entity, pg_catalog.max(p.similarity) AS similarity
        FROM canon.identity_work_pair AS p
        WHERE p.match_rule IN ('R3_PLATE_NAME', 'R3B_PLATE_NAME_ANY_DATE', 'R4_CAR_NAME') AND p.dropped IS NULL
        GROUP BY 1, 2, 3
    ),
    first_rule AS (
        SELECT f.*, pg_catalog.dense_rank() OVER (
                   PARTITION BY f.node_id
                   ORDER BY CASE f.match_rule WHEN 'R3_PLATE_NAME' THEN 1
                                              WHEN 'R3B_PLATE_NAME_ANY_DATE' THEN 2 ELSE 3 END) AS rule_rank
        FROM fuzzy AS f
    ),
    ranked AS (
        SELECT f.*, pg_catalog.row_number() OVER (PARTITION BY f.node_id ORDER BY f.similarity DESC, f.entity) AS rn,
               pg_catalog.lead(f.similarity) OVER (PARTITION BY f.node_id ORDER BY f.similarity DESC, f.entity) AS second
        FROM first_rule AS f WHERE f.rule_rank = 1
    )
    UPDATE canon.identity_work_subject AS s
    SET outcome = CASE WHEN r.second IS NULL OR r.similarity - r.second >= p_margin
                       THEN 'LINK' ELSE 'MULTIPLE_CANDIDATES' END,
        entity = CASE WHEN r.second IS NULL OR r.similarity - r.second >= p_margin THEN r.entity END,
        match_rule = r.match_rule,
        match_score = CASE r.match_rule WHEN 'R3_PLATE_NAME' THEN 85 WHEN 'R4_CAR_NAME' THEN 75
                                        ELSE pg_catalog.round(r.similarity * 100, 2) END,
        confidence_level = CASE WHEN r.match_rule = 'R4_CAR_NAME' THEN 'LOW' ELSE 'MEDIUM' END,
        similarity = r.similarity
    FROM ranked AS r
    WHERE r.node_id = s.node_id AND r.rn = 1 AND s.outcome IS NULL;

    -- nothing linked: weak candidates, a new person, or nothing usable. A record with weak candidates
    -- that carries a strong key goes into the clustering like one without candidates: sharing that
    -- key with another record of the run is R1/R2 evidence; alone in its cluster it is WEAK_MATCH_ONLY
    UPDATE canon.identity_work_subject AS s
    SET outcome = CASE
            WHEN s.driver_id IS NULL
                 AND (s.phone_usable OR pg_catalog.cardinality(s.id_keys) > 0
                      OR (s.plate IS NOT NULL AND pg_catalog.cardinality(s.name_tokens) > 0)) THEN 'NONE'
            WHEN EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                         WHERE p.node_id = s.node_id AND p.match_rule = 'WEAK') THEN 'WEAK_MATCH_ONLY'
            WHEN s.driver_id IS NOT NULL THEN 'DRIVER_NOT_FOUND'
            ELSE 'MISSING_IDENTIFIERS' END
    WHERE s.outcome IS NULL;
END;
$$;
COMMENT ON FUNCTION canon.identity_decide_rules(numeric, numeric) IS 'canon.identity_decide_rules(p_threshold numeric, p_margin numeric) -> void: each record''s outcome in canon.identity_work_subject (stage of canon.run_identity)';
