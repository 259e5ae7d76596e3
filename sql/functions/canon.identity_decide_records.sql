-- Stage 7 of canon.run_identity: one statement decides every record from its outcome and cluster and
-- builds its evidence (links) and details/candidates (queue), into the temporary table identity_decision
-- that stage 8 (canon.identity_write) reads and drops. Records outside the graph (no identifier) keep
-- their outcome and only get their evidence.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_decide_records(p_prior_milli bigint, p_link numeric, p_high numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- one statement decides every record and builds its evidence (links) and details/candidates
    -- (queue) from the decided values, into a temporary table that the writes below read: an UPDATE
    -- of every record (a new version of each wide row) took 10.4 s instead of 6.2 s at scale 100.
    -- Records outside the graph (no identifier) keep their outcome and only get their evidence.
    PERFORM 'PRAGMA:TABLE: identity_decision (source_table text, source_pk text, person_key uuid, new_person boolean, match_rule text, match_score numeric, confidence_level text, outcome text, evidence jsonb, candidates jsonb, phone text, license text, document text, name_key text, match_probability numeric)';
    CREATE TEMP TABLE identity_decision ON COMMIT DROP AS
    WITH components AS (
        SELECT n.label, pg_catalog.count(DISTINCT COALESCE(e.person_key, e.new_person_key)) AS entities,
               pg_catalog.min(e.node_id) AS entity_node,
               pg_catalog.count(*) FILTER (WHERE e.node_id IS NULL) AS size  -- its records (the other nodes are entities)
        FROM canon.identity_work_node AS n
        LEFT JOIN canon.identity_work_entity AS e ON e.node_id = n.node_id
        GROUP BY n.label
    ),
    fresh AS (
        SELECT c.label, pg_catalog.gen_random_uuid() AS person_key
        FROM components AS c WHERE c.entities = 0
    ),
    via AS (  -- strongest edge of each record without a candidate of its own
        SELECT DISTINCT ON (e.node_a) e.node_a, e.match_rule, e.weight_milli
        FROM canon.identity_work_edge AS e
        JOIN canon.identity_work_subject AS s ON s.node_id = e.node_a AND s.outcome = 'NONE'
        ORDER BY e.node_a, e.weight_milli DESC, e.node_b
    ),
    -- The joins below have no NULL key and none repeated beyond a cluster's size; the records meet
    -- them on node_id, unique on both sides. Joining the records to their cluster on
    -- label (NULL for the records outside the graph) or to their entity (NULL unless linked) let the
    -- planner hash the records on that key: PostgreSQL 15 cannot split a hash batch of equal keys
    -- and kept doubling the batch count, each batch file taking 8 kB of the query's memory
    -- (504 k of them, 4.2 GB, at scale 1000: the backfill's peak, measured).
    single AS (  -- the entity of each cluster that reaches exactly one
        SELECT c.label, e.person_key, e.new_person_key
        FROM components AS c
        JOIN canon.identity_work_entity AS e ON e.node_id = c.entity_node
        WHERE c.entities = 1
    ),
    graph AS (  -- the records and entities in the graph, with their cluster
        SELECT n.node_id, n.label, c.entities, c.size, f.person_key AS fresh_key,
               one.person_key AS one_person, one.new_person_key AS one_new
        FROM canon.identity_work_node AS n
        JOIN components AS c ON c.label = n.label
        LEFT JOIN fresh AS f ON f.label = c.label
        LEFT JOIN single AS one ON one.label = c.label
    ),
    owner AS (  -- the entity each linked record links to
        SELECT s.node_id, e.person_key, e.new_person_key
        FROM canon.identity_work_subject AS s
        JOIN canon.identity_work_entity AS e ON e.entity = s.entity
        WHERE s.outcome = 'LINK'
    ),
    decided AS (
        SELECT s.node_id, n.node_id IS NOT NULL AS in_graph, n.label, n.entities, n.size, n.fresh_key,
               v.match_rule AS via_rule, canon.match_probability(v.weight_milli, p_prior_milli) AS via_probability,
               s.probability AS old_probability,
               own.person_key AS own_person, own.new_person_key AS own_new,
               n.one_person, n.one_new,
               s.outcome AS old_outcome, s.match_rule AS old_rule, s.match_score AS old_score,
               s.confidence_level AS old_confidence, s.id_keys, s.phone_usable, s.plate
        FROM canon.identity_work_subject AS s
        LEFT JOIN graph AS n ON n.node_id = s.node_id
        LEFT JOIN owner AS own ON own.node_id = s.node_id
        LEFT JOIN via AS v ON v.node_a = s.node_id
    ),
    final AS (  -- the decided values of every record; one outside the graph gets no person
        SELECT d.node_id,
               d.label,
               d.size,
               CASE WHEN NOT d.in_graph THEN NULL
                    WHEN d.old_outcome = 'LINK' THEN COALESCE(d.own_person, d.own_new)
                    WHEN d.entities = 0 THEN d.fresh_key
                    WHEN d.entities = 1 THEN COALESCE(d.one_person, d.one_new) END AS person_key,
               CASE WHEN NOT d.in_graph THEN false
                    WHEN d.old_outcome = 'LINK' THEN d.own_person IS NULL
                    WHEN d.entities = 0 THEN true
                    WHEN d.entities = 1 THEN d.one_person IS NULL
                    ELSE false END AS new_person,
               CASE WHEN NOT d.in_graph THEN d.old_rule
                    WHEN d.old_outcome = 'NONE' AND d.entities = 0 THEN 'NEW_PERSON'
                    WHEN d.old_outcome = 'NONE' AND d.entities = 1 THEN d.via_rule
                    ELSE d.old_rule END AS match_rule,
               CASE WHEN NOT d.in_graph THEN d.old_score
                    WHEN d.old_outcome <> 'NONE' THEN d.old_score
                    WHEN d.entities = 0 THEN 100
                    ELSE pg_catalog.round(d.via_probability * 100, 2) END AS match_score,
               -- probability cut-offs (canon.confidence_of); a record founding a person has no
               -- probability: HIGH with a licence / DNI, MEDIUM with a phone or a plate, else LOW
               CASE WHEN NOT d.in_graph THEN d.old_confidence
                    WHEN d.old_outcome <> 'NONE' THEN d.old_confidence
                    WHEN d.entities = 1 THEN canon.confidence_of(d.via_probability, p_link, p_high)
                    WHEN pg_catalog.cardinality(d.id_keys) > 0 THEN 'HIGH'
                    WHEN d.phone_usable OR d.plate IS NOT NULL THEN 'MEDIUM' ELSE 'LOW' END AS confidence_level,
               CASE WHEN NOT d.in_graph THEN d.old_probability
                    WHEN d.old_outcome <> 'NONE' THEN d.old_probability
                    WHEN d.entities = 1 THEN d.via_probability END AS probability,
               CASE WHEN NOT d.in_graph THEN d.old_outcome
                    WHEN d.old_outcome = 'NONE' AND d.entities > 1 THEN 'MULTIPLE_CANDIDATES'
                    WHEN d.old_outcome = 'NONE' AND d.entities = 1 THEN 'CLUSTER'
                    ELSE d.old_outcome END AS outcome
        FROM decided AS d
    )
    SELECT s.source_table, s.source_pk, z.person_key, z.new_person, z.match_rule, z.match_score,
        z.confidence_level, z.outcome,
        -- evidence (links) and details/candidates (queue): masked identifiers, never raw ones
        pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
            'rule', z.match_rule,
            'probability', z.probability,
            'matched', z.matched,
            'levels', z.levels,
            'runner_up', CASE WHEN s.runner_up IS NOT NULL THEN pg_catalog.jsonb_build_object(
                'candidate', s.runner_up, 'probability', canon.match_probability(s.runner_up_weight, p_prior_milli)) END,
            'dropped', z.dropped,
            'shared_phone', CASE WHEN s.phone IS NOT NULL AND NOT s.phone_usable THEN true END,
            'cluster', CASE WHEN z.outcome = 'CLUSTER' OR z.match_rule = 'NEW_PERSON' THEN z.size END,
            'cluster_veto', s.cluster_veto,
            'driver_id_unknown', CASE WHEN z.outcome = 'DRIVER_NOT_FOUND' THEN true END)) AS evidence,
        -- ranked candidates: person_key, driver_id when a driver, probability, evidence, masked keys;
        -- a group with a veto inside lists its other records
        CASE WHEN s.cluster_veto IS NOT NULL THEN COALESCE(s.cluster_members, '[]'::jsonb)
             WHEN z.outcome IN ('MULTIPLE_CANDIDATES', 'NEEDS_REVIEW') THEN COALESCE((
            SELECT pg_catalog.jsonb_agg(c.candidate ORDER BY c.best DESC NULLS LAST, c.entity)
            FROM (SELECT p.entity, pg_catalog.max(p.weight_milli) AS best,
                         pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                             'person_key', pg_catalog.min(p.person_key::text),
                             'driver_id', pg_catalog.min(p.driver_id),
                             'probability', canon.match_probability(pg_catalog.max(p.weight_milli), p_prior_milli),
                             'rule', (pg_catalog.array_agg(canon.match_rule_of(p.levels) ORDER BY p.weight_milli DESC, p.key_kind, p.key_value))[1],
                             'veto', pg_catalog.min(p.veto),
                             'keys', pg_catalog.array_agg(DISTINCT p.key_kind || ' ' || canon.mask_identifier(p.key_value))))
                             AS candidate
                  FROM canon.identity_work_pair AS p
                  WHERE p.node_id = s.node_id AND p.levels IS NOT NULL
                  GROUP BY p.entity
                  ORDER BY 2 DESC NULLS LAST, 1
                  LIMIT 5) AS c), '[]'::jsonb) ELSE '[]'::jsonb END AS candidates,
        CASE WHEN s.phone_usable THEN s.phone END AS phone, s.license, s.document, s.name_key,
        CASE WHEN z.person_key IS NOT NULL THEN z.probability END AS match_probability
    FROM canon.identity_work_subject AS s
    JOIN (SELECT x.*, m.matched, m.levels, d.dropped
          FROM final AS x
          -- one grouped pass over the pairs instead of two sub-queries per record
          LEFT JOIN (SELECT p.node_id, pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                                'key', p.key_kind, 'value', canon.mask_identifier(p.key_value))) AS matched,
                            (pg_catalog.array_agg(pg_catalog.array_to_json(p.levels)::jsonb
                                                  ORDER BY p.weight_milli DESC, p.key_kind, p.key_value))[1] AS levels
                     FROM canon.identity_work_pair AS p
                     JOIN canon.identity_work_subject AS o2 ON o2.node_id = p.node_id AND o2.entity = p.entity
                     WHERE p.levels IS NOT NULL OR p.match_rule = 'DRIVER_DIRECT'
                     GROUP BY p.node_id) AS m ON m.node_id = x.node_id
          LEFT JOIN (SELECT p.node_id, pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                                'reason', p.veto, 'candidate', p.entity,
                                'value', canon.mask_identifier(p.key_value))) AS dropped
                     FROM canon.identity_work_pair AS p
                     WHERE p.veto IS NOT NULL
                     GROUP BY p.node_id) AS d ON d.node_id = x.node_id) AS z
      ON z.node_id = s.node_id;
    -- planner statistics for the writes below (without them the queue DELETE was planned as a nested
    -- loop: 12.6 s at scale 10, measured): the columns they join, filter and group on (not the evidence
    -- and candidates documents, which no plan reads and which cost most of the statistics)
    ANALYZE pg_temp.identity_decision (source_table, source_pk, person_key, new_person, outcome);
END;
$$;
COMMENT ON FUNCTION canon.identity_decide_records(bigint, numeric, numeric) IS 'canon.identity_decide_records(p_prior_milli bigint, p_link numeric, p_high numeric) -> void: the decision of every record into pg_temp.identity_decision (stage of canon.run_identity)';
