-- Stage 6 of canon.run_identity: the records linked to an entity and the records with no candidate,
-- connected by strong keys (usable phone without name conflict, licence/document, plate + similar name)
-- when the two records' comparison has no veto (canon.pair_veto);
-- unlinked drivers of one human grouped first. Connected components by canon.propagate_labels. Returns
-- the number of iterations of the records' clustering.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_cluster(p_subjects integer, p_threshold numeric, p_weights jsonb, p_link numeric)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_iterations integer;
    v_group_iterations integer;
    v_nestloop text;
BEGIN
    -- the columns stage 5 (canon.identity_decide_rules) wrote; the others' statistics are those of stage 3
    ANALYZE canon.identity_work_subject (outcome, entity, match_rule, match_score, confidence_level, weight_milli,
                                         probability, runner_up, runner_up_weight);
    INSERT INTO canon.identity_work_entity (node_id, entity, person_key, driver_id)
    SELECT p_subjects + pg_catalog.row_number() OVER (ORDER BY e.entity)::integer, e.entity,
           CASE WHEN e.entity NOT LIKE 'D:%' THEN e.entity::uuid END,
           CASE WHEN e.entity LIKE 'D:%' THEN pg_catalog.substr(e.entity, 3) END
    FROM (SELECT DISTINCT s.entity FROM canon.identity_work_subject AS s WHERE s.outcome = 'LINK') AS e;
    ANALYZE canon.identity_work_entity;  -- joined below: a former run's statistics may describe a few rows

    INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule, weight_milli)
    SELECT s.node_id, e.node_id, s.match_rule, s.weight_milli
    FROM canon.identity_work_subject AS s
    JOIN canon.identity_work_entity AS e ON e.entity = s.entity
    WHERE s.outcome = 'LINK';

    -- records of the run sharing a usable phone, a licence / DNI key or a plate, one of them without a
    -- person yet: an edge when their comparison has no veto and reaches p_link (docs/identity.md)
    INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule, weight_milli)
    WITH ids AS MATERIALIZED (
        SELECT s.node_id, s.outcome, k.key
        FROM canon.identity_work_subject AS s
        CROSS JOIN LATERAL pg_catalog.unnest(s.id_keys) AS k (key)
        WHERE s.outcome IN ('LINK', 'NONE')
    ),
    keyed AS (
        SELECT a.node_id AS node_a, b.node_id AS node_b
        FROM canon.identity_work_subject AS a
        JOIN canon.identity_work_subject AS b ON b.phone = a.phone AND b.node_id > a.node_id
        WHERE a.phone_usable AND b.phone_usable
          AND a.outcome IN ('LINK', 'NONE') AND b.outcome IN ('LINK', 'NONE')
          AND (a.outcome = 'NONE' OR b.outcome = 'NONE')
        UNION
        SELECT x.node_id, y.node_id
        FROM ids AS x
        JOIN ids AS y ON y.key = x.key AND y.node_id > x.node_id
        WHERE x.outcome = 'NONE' OR y.outcome = 'NONE'
        UNION
        SELECT a.node_id, b.node_id
        FROM canon.identity_work_subject AS a
        JOIN canon.identity_work_subject AS b ON b.plate = a.plate AND b.node_id > a.node_id
        WHERE a.outcome IN ('LINK', 'NONE') AND b.outcome IN ('LINK', 'NONE')
          AND (a.outcome = 'NONE' OR b.outcome = 'NONE')
    ),
    compared AS MATERIALIZED (
        SELECT k.node_a, k.node_b, canon.compare_levels(
                   a.phone, a.id_keys, a.plate, a.name_tokens, a.name_given, a.surnames, a.two_surnames, a.lead_date,
                   a.car_key, b.phone, b.id_keys, b.plate, b.name_tokens, b.name_given, b.surnames, b.two_surnames,
                   b.lead_date, b.car_key, p_threshold) AS levels
        FROM keyed AS k
        JOIN canon.identity_work_subject AS a ON a.node_id = k.node_a
        JOIN canon.identity_work_subject AS b ON b.node_id = k.node_b
    )
    SELECT c.node_a, c.node_b, canon.match_rule_of(c.levels), canon.levels_weight(c.levels, p_weights)
    FROM compared AS c
    WHERE canon.pair_veto(c.levels) IS NULL
      AND canon.match_probability(canon.levels_weight(c.levels, p_weights), (p_weights ->> 'prior')::bigint) >= p_link;

    -- an edge from a record without candidate to a linked record joins the linked record's entity: it
    -- is dropped when the record carries a veto against any record of that entity (the driver, or the
    -- person's records), not only against the linked record
    WITH ends AS (
        SELECT e.node_a, e.node_b, CASE WHEN a.outcome = 'NONE' THEN a.node_id ELSE b.node_id END AS free_node,
               CASE WHEN a.outcome = 'NONE' THEN b.entity ELSE a.entity END AS entity
        FROM canon.identity_work_edge AS e
        JOIN canon.identity_work_subject AS a ON a.node_id = e.node_a
        JOIN canon.identity_work_subject AS b ON b.node_id = e.node_b
        WHERE e.match_rule <> 'ENTITY' AND (a.outcome = 'LINK') <> (b.outcome = 'LINK')
    ),
    members AS (  -- the records of each such entity
        SELECT x.entity, d.phone, d.id_keys, d.plate, d.name_tokens, d.name_given, d.surnames, d.two_surnames,
               d.hire_date AS record_date, d.car_key
        FROM (SELECT DISTINCT n.entity FROM ends AS n WHERE n.entity LIKE 'D:%') AS x
        JOIN canon.drivers_index AS d ON d.driver_id = pg_catalog.substr(x.entity, 3)
        UNION ALL
        SELECT x.entity, r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given, r.surnames, r.two_surnames,
               r.record_date, r.car_key
        FROM (SELECT DISTINCT n.entity FROM ends AS n WHERE n.entity NOT LIKE 'D:%') AS x
        JOIN canon.v_person_records_all AS r ON r.person_key = x.entity::uuid  -- removed drivers kept
    ),
    vetoed AS (
        SELECT DISTINCT n.node_a, n.node_b
        FROM ends AS n
        JOIN canon.identity_work_subject AS f ON f.node_id = n.free_node
        JOIN members AS m ON m.entity = n.entity
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                  f.phone, f.id_keys, f.plate, f.name_tokens, f.name_given, f.surnames, f.two_surnames, f.lead_date,
                  f.car_key, m.phone, m.id_keys, m.plate, m.name_tokens, m.name_given, m.surnames, m.two_surnames,
                  m.record_date, m.car_key, p_threshold) AS levels OFFSET 0) AS cmp
        WHERE canon.pair_veto(cmp.levels) IS NOT NULL
    )
    DELETE FROM canon.identity_work_edge AS e
    USING vetoed AS v
    WHERE e.node_a = v.node_a AND e.node_b = v.node_b;

    INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule, weight_milli)
    SELECT e.node_b, e.node_a, e.match_rule, e.weight_milli FROM canon.identity_work_edge AS e;

    INSERT INTO canon.identity_work_node (node_id, label)
    SELECT s.node_id, s.node_id FROM canon.identity_work_subject AS s WHERE s.outcome IN ('LINK', 'NONE')
    UNION ALL
    SELECT e.node_id, e.node_id FROM canon.identity_work_entity AS e;
    ANALYZE canon.identity_work_edge;
    ANALYZE canon.identity_work_node;

    -- unlinked drivers that are one human become one new person: two driver entities of this run
    -- whose driver rows share a licence/document, or that a linked record matches both by R1/R2 (its
    -- best tier chose one, typically the target-park row, the other is the human's older row in
    -- another park). Groups are components over these edges only (first propagation pass); the
    -- records' clustering below does not use them.
    INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
    SELECT DISTINCT e1.node_id, e2.node_id, 'ENTITY'
    FROM canon.identity_work_subject AS s
    JOIN canon.identity_work_entity AS e1 ON e1.entity = s.entity AND e1.driver_id IS NOT NULL
    JOIN canon.identity_work_pair AS p ON p.node_id = s.node_id AND p.dropped IS NULL
         AND p.match_rule IN ('R1_PHONE_EXACT', 'R2_LICENSE_EXACT') AND p.entity <> s.entity
    JOIN canon.identity_work_entity AS e2 ON e2.entity = p.entity AND e2.driver_id IS NOT NULL
    -- the two drivers must be compatible with each other, not only with the record: a shared
    -- licence/document, or (one side without any) similar names that do not conflict. A phone
    -- shared by father and son (two documents) never joins them
    JOIN canon.drivers_index AS d1 ON d1.driver_id = e1.driver_id
    JOIN canon.drivers_index AS d2 ON d2.driver_id = e2.driver_id
    WHERE s.outcome = 'LINK'
      AND (d1.id_keys && d2.id_keys
           OR (NOT (pg_catalog.cardinality(d1.id_keys) > 0 AND pg_catalog.cardinality(d2.id_keys) > 0)
               AND NOT canon.names_conflict(d1.name_tokens, d2.name_tokens, d1.given_name, d2.given_name, p_threshold)
               AND canon.name_similarity(d1.name_tokens, d2.name_tokens) >= p_threshold))
    UNION
    SELECT a.node_id, b.node_id, 'ENTITY'
    FROM (SELECT e.node_id, k.key
          FROM canon.identity_work_entity AS e
          JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
          CROSS JOIN LATERAL pg_catalog.unnest(d.id_keys) AS k (key)) AS a
    JOIN (SELECT e.node_id, k.key
          FROM canon.identity_work_entity AS e
          JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
          CROSS JOIN LATERAL pg_catalog.unnest(d.id_keys) AS k (key)) AS b
      ON b.key = a.key AND b.node_id <> a.node_id;
    INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
    SELECT e.node_b, e.node_a, e.match_rule FROM canon.identity_work_edge AS e WHERE e.match_rule = 'ENTITY';
    v_group_iterations := canon.propagate_labels('ENTITY');
    -- a new person for every unlinked driver some record links to (one per group of drivers of one
    -- human), and (below) for every cluster of records without any entity. The groups without a person
    -- are estimated at a few rows (a HAVING), which made the update one index probe per driver entity
    -- (1.2 M at scale 1000, 30 s): the join is hashed, for this statement only
    v_nestloop := pg_catalog.current_setting('enable_nestloop');
    PERFORM pg_catalog.set_config('enable_nestloop', 'off', true);
    WITH grp AS (
        SELECT n.label, pg_catalog.gen_random_uuid() AS new_person_key
        FROM canon.identity_work_entity AS e
        JOIN canon.identity_work_node AS n ON n.node_id = e.node_id
        GROUP BY n.label
        HAVING pg_catalog.count(e.person_key) = 0
    )
    UPDATE canon.identity_work_entity AS e SET new_person_key = g.new_person_key
    FROM canon.identity_work_node AS n, grp AS g
    WHERE n.node_id = e.node_id AND g.label = n.label AND e.driver_id IS NOT NULL;
    PERFORM pg_catalog.set_config('enable_nestloop', v_nestloop, true);
    UPDATE canon.identity_work_entity AS e SET new_person_key = pg_catalog.gen_random_uuid()
    WHERE e.driver_id IS NOT NULL AND e.new_person_key IS NULL;
    -- the decisions and writes read the drivers' new persons: analyzed before they were set, the column
    -- was all NULL to the planner, and the new persons' drivers were read by one index probe each (120 k
    -- at scale 100; a hash join once the statistics know them)
    ANALYZE canon.identity_work_entity (new_person_key);
    DELETE FROM canon.identity_work_edge AS e WHERE e.match_rule = 'ENTITY';
    UPDATE canon.identity_work_node AS n SET label = n.node_id WHERE n.label <> n.node_id;

    -- connected components of the records and entities (every edge left: the ENTITY ones are gone)
    v_iterations := canon.propagate_labels(NULL);

    -- a group is merged only when no veto lies inside: every record of the run without a person is
    -- compared with every other member of its cluster (records of the run, and every record of the
    -- person or driver the cluster reaches), not only along the edges. A cluster with a veto inside
    -- keeps its links to existing persons; its records without one leave the graph and are queued
    -- NEEDS_REVIEW with the cluster's other records (docs/identity.md)
    WITH open_nodes AS MATERIALIZED (  -- the nodes of the clusters holding a record without a person
        SELECT n.node_id, n.label
        FROM canon.identity_work_node AS n
        WHERE n.label IN (SELECT n2.label
                          FROM canon.identity_work_node AS n2
                          JOIN canon.identity_work_subject AS s2 ON s2.node_id = n2.node_id AND s2.outcome = 'NONE')
    ),
    members AS MATERIALIZED (
        SELECT n.label, s.node_id, s.outcome, s.source_table, s.source_pk, s.phone, s.id_keys, s.plate,
               s.name_tokens, s.name_given, s.surnames, s.two_surnames, s.lead_date AS record_date, s.car_key
        FROM open_nodes AS n
        JOIN canon.identity_work_subject AS s ON s.node_id = n.node_id
        UNION ALL
        SELECT n.label, NULL, 'ENTITY', 'drivers', d.driver_id, d.phone, d.id_keys, d.plate, d.name_tokens,
               d.name_given, d.surnames, d.two_surnames, d.hire_date, d.car_key
        FROM open_nodes AS n
        JOIN canon.identity_work_entity AS e ON e.node_id = n.node_id AND e.driver_id IS NOT NULL
        JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
        UNION ALL
        SELECT n.label, NULL, 'ENTITY', r.source_table, r.source_pk, r.phone, r.id_keys, r.plate, r.name_tokens,
               r.name_given, r.surnames, r.two_surnames, r.record_date, r.car_key
        FROM open_nodes AS n
        JOIN canon.identity_work_entity AS e ON e.node_id = n.node_id AND e.person_key IS NOT NULL
        JOIN canon.v_person_records_all AS r ON r.person_key = e.person_key  -- removed drivers kept
    ),
    open_labels AS (  -- clusters holding a record without a person and another member
        SELECT m.label FROM members AS m
        GROUP BY m.label
        HAVING pg_catalog.bool_or(m.outcome = 'NONE') AND pg_catalog.count(*) > 1
    ),
    -- every pair of an open cluster's record without a person and another member, compared once: each
    -- cluster's veto, and the other members its queued records list
    pairs AS MATERIALIZED (
        SELECT a.label, a.node_id, m.source_table, m.source_pk, canon.pair_veto(cmp.levels) AS veto
        FROM open_labels AS o
        JOIN members AS a ON a.label = o.label AND a.outcome = 'NONE'
        JOIN members AS m ON m.label = o.label AND (m.source_table, m.source_pk) <> (a.source_table, a.source_pk)
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                   a.phone, a.id_keys, a.plate, a.name_tokens, a.name_given, a.surnames, a.two_surnames,
                   a.record_date, a.car_key, m.phone, m.id_keys, m.plate, m.name_tokens, m.name_given, m.surnames,
                   m.two_surnames, m.record_date, m.car_key, p_threshold) AS levels OFFSET 0) AS cmp
    ),
    vetoes AS (
        SELECT p.label, pg_catalog.min(p.veto) AS veto
        FROM pairs AS p
        GROUP BY p.label
        HAVING pg_catalog.min(p.veto) IS NOT NULL
    ),
    -- each queued record's other members from the pairs above (a sub-query per queued record read every
    -- member of every open cluster: 1,324 x 0.9 M rows, 150 s at scale 1000; joined again with the members,
    -- estimated at a few rows, a loop over every member per vetoed cluster: 423 x 0.9 M rows, 60 s)
    queued AS (
        SELECT p.node_id, v.veto,
               pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('source_table', p.source_table, 'source_pk', p.source_pk)
                                    ORDER BY p.source_table, p.source_pk) AS others
        FROM vetoes AS v
        JOIN pairs AS p ON p.label = v.label
        GROUP BY p.node_id, v.veto
    )
    UPDATE canon.identity_work_subject AS s
    SET outcome = 'NEEDS_REVIEW', cluster_veto = q.veto, cluster_members = q.others
    FROM queued AS q
    WHERE q.node_id = s.node_id;
    -- the queued records leave the graph: counted first, then one equi-join per end of an edge (joined on
    -- "node_a or node_b" with the queued records estimated at one, it was a loop over every edge per
    -- queued record, 504 s at scale 1000); only the columns the UPDATE above changed
    ANALYZE canon.identity_work_subject (outcome, cluster_veto, cluster_members);
    DELETE FROM canon.identity_work_edge AS e
    USING canon.identity_work_subject AS s
    WHERE s.cluster_veto IS NOT NULL AND e.node_a = s.node_id;
    DELETE FROM canon.identity_work_edge AS e
    USING canon.identity_work_subject AS s
    WHERE s.cluster_veto IS NOT NULL AND e.node_b = s.node_id;
    DELETE FROM canon.identity_work_node AS n
    USING canon.identity_work_subject AS s
    WHERE s.cluster_veto IS NOT NULL AND s.node_id = n.node_id;
    RETURN v_iterations;
END;
$$;
COMMENT ON FUNCTION canon.identity_cluster(integer, numeric, jsonb, numeric) IS 'canon.identity_cluster(p_subjects integer, p_threshold numeric, p_weights jsonb, p_link numeric) -> integer: cluster the records to decide (stage of canon.run_identity)';
