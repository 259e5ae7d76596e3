-- Stage 5 of canon.run_identity: each record's outcome from its candidates (canon.identity_work_pair) by
-- probability (docs/identity.md "Decisions"). The driver a migration names links DRIVER_DIRECT. Every
-- other candidate entity (a person, or an unlinked driver 'D:<driver_id>') scores the total weight of
-- its best compared pair; an entity with a vetoed pair, or a person any of whose records (lead records
-- and drivers) carries a veto against the record, is out. The best entity links when its probability
-- (prior of p_weights) reaches p_link and no other is within p_margin bits (inside the margin the target
-- park's driver rows win over other parks' ones); two or more within the margin, or two persons both
-- reaching p_link (the record bridges them), queue MULTIPLE_CANDIDATES, a best between p_review and
-- p_link NEEDS_REVIEW. Below p_review the record is
-- NONE (a new person, or one with the records of the run it shares a key with: canon.identity_cluster)
-- when it carries a usable phone, a licence / DNI or a plate; NAME_ONLY when it carries a name of three
-- or more tokens (canon.run_identity founds it after NAME+DATE); else MISSING_IDENTIFIERS, or
-- DRIVER_NOT_FOUND when it names a driver nobody knows. Ties: weight, then tier, then entity. Two records
-- of the run linking to one entity with a veto between them: the weaker is queued NEEDS_REVIEW.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_decide_rules(p_threshold numeric, p_weights jsonb, p_link numeric,
                                                       p_review numeric, p_margin numeric, p_high numeric)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prior bigint := (p_weights ->> 'prior')::bigint;
BEGIN
    -- DRIVER_DIRECT: a migration names its driver (probability 1)
    UPDATE canon.identity_work_subject AS s
    SET outcome = 'LINK', entity = p.entity, match_rule = 'DRIVER_DIRECT', match_score = 100,
        confidence_level = 'HIGH', probability = 1
    FROM (SELECT DISTINCT ON (p0.node_id) p0.node_id, p0.entity
          FROM canon.identity_work_pair AS p0 WHERE p0.match_rule = 'DRIVER_DIRECT'
          ORDER BY p0.node_id, p0.entity) AS p
    WHERE p.node_id = s.node_id;

    -- every other candidate entity by its best compared pair
    -- keyed: the entity is met by a phone, a licence / DNI key or a plate with a similar name (read by the
    -- driver fold below; looked up there per candidate, it was 1.4 M index probes at scale 1000)
    PERFORM 'PRAGMA:TABLE: identity_candidate (node_id integer, entity text, tier integer, best bigint, levels text[], vetoed boolean, keyed boolean)';
    CREATE TEMP TABLE identity_candidate ON COMMIT DROP AS
    SELECT DISTINCT ON (p.node_id, p.entity) p.node_id, p.entity,
           pg_catalog.min(p.tier) OVER w AS tier, p.weight_milli::bigint AS best, p.levels,
           pg_catalog.bool_or(p.veto IS NOT NULL) OVER w AS vetoed,
           pg_catalog.bool_or(p.dropped IS NULL AND (p.key_kind IN ('phone', 'license', 'document')
                                                     OR (p.key_kind = 'plate' AND p.match_rule <> 'WEAK'))) OVER w
               AS keyed
    FROM canon.identity_work_pair AS p
    JOIN canon.identity_work_subject AS s ON s.node_id = p.node_id AND s.outcome IS NULL
    WHERE p.match_rule <> 'DRIVER_DIRECT' AND p.levels IS NOT NULL
    WINDOW w AS (PARTITION BY p.node_id, p.entity)
    ORDER BY p.node_id, p.entity, p.weight_milli DESC, p.key_kind, p.key_value;
    ANALYZE pg_temp.identity_candidate;

    -- unlinked driver rows sharing a licence / DNI key are one candidate: the target park's row (then
    -- the heavier, then the smaller key) stands for the others (docs/identity.md "Drivers"). A driver
    -- is out when, under one of its keys, another driver of the record ranks before it: each (record,
    -- key) is ranked once, so the work follows the candidates' keys, not the square of the driver
    -- candidates per record (the self-join per record it replaces took 14.7 s at scale 1000, this 13.5 s:
    -- reading every driver candidate's keys by a hash join over every driver is most of either)
    WITH ranked AS (
        SELECT c.node_id, c.entity,
               pg_catalog.rank() OVER (PARTITION BY c.node_id, k.key
                                             ORDER BY c.tier, c.best DESC, c.entity) AS place
        FROM pg_temp.identity_candidate AS c
        JOIN canon.drivers_index AS d ON d.driver_id = pg_catalog.substr(c.entity, 3)
        CROSS JOIN LATERAL pg_catalog.unnest(d.id_keys) AS k (key)
        WHERE c.entity LIKE 'D:%'
    )
    DELETE FROM pg_temp.identity_candidate AS c
    USING (SELECT DISTINCT r.node_id, r.entity FROM ranked AS r WHERE r.place > 1) AS x
    WHERE x.node_id = c.node_id AND x.entity = c.entity;

    -- a veto against any record of a candidate person vetoes the person (only candidates that could
    -- matter: at or above p_review)
    WITH open_persons AS (
        SELECT c.node_id, c.entity
        FROM pg_temp.identity_candidate AS c
        WHERE NOT c.vetoed AND c.entity NOT LIKE 'D:%'
          AND canon.match_probability(c.best, v_prior) >= p_review
    ),
    vetoed AS (
        SELECT DISTINCT o.node_id, o.entity
        FROM open_persons AS o
        JOIN canon.identity_work_subject AS n ON n.node_id = o.node_id
        JOIN canon.v_person_records AS r ON r.person_key = o.entity::uuid
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                  n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames, n.two_surnames, n.lead_date,
                  n.car_key, r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given, r.surnames, r.two_surnames,
                  r.record_date, r.car_key, p_threshold) AS levels OFFSET 0) AS cmp
        WHERE canon.pair_veto(cmp.levels) IS NOT NULL
    )
    UPDATE pg_temp.identity_candidate AS c SET vetoed = true
    FROM vetoed AS v
    WHERE v.node_id = c.node_id AND v.entity = c.entity;
    ANALYZE pg_temp.identity_candidate;

    -- an unlinked driver and exactly one existing person both reaching p_link, the driver met by a phone, a
    -- licence / DNI key or a plate with a similar name (the keys of stage 9): the driver is no candidate, the record links to the person and the driver joins
    -- it in stage 9 through the record's key (a driver joining a person is no merge). The person's records
    -- came in an earlier run; one call over their dates too would have clustered them with the record and
    -- the driver (docs/identity.md "Stability"). Not when such a driver carries a veto against a record
    -- of the person.
    WITH reach AS (
        SELECT c.node_id, c.entity, c.entity LIKE 'D:%' AS driver
        FROM pg_temp.identity_candidate AS c
        WHERE NOT c.vetoed AND canon.match_probability(c.best, v_prior) >= p_link
          AND (c.entity NOT LIKE 'D:%' OR c.keyed)
    ),
    fold AS (
        SELECT r.node_id, pg_catalog.min(r.entity) FILTER (WHERE NOT r.driver)::uuid AS person_key
        FROM reach AS r
        GROUP BY r.node_id
        HAVING pg_catalog.count(*) FILTER (WHERE NOT r.driver) = 1 AND pg_catalog.bool_or(r.driver)
    ),
    clash AS (
        SELECT DISTINCT f.node_id
        FROM fold AS f
        JOIN reach AS r ON r.node_id = f.node_id AND r.driver
        JOIN canon.drivers_index AS d ON d.driver_id = pg_catalog.substr(r.entity, 3)
        JOIN canon.v_person_records AS x ON x.person_key = f.person_key
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                  d.phone, d.id_keys, d.plate, d.name_tokens, d.name_given, d.surnames, d.two_surnames, d.hire_date,
                  d.car_key, x.phone, x.id_keys, x.plate, x.name_tokens, x.name_given, x.surnames, x.two_surnames,
                  x.record_date, x.car_key, p_threshold) AS levels OFFSET 0) AS cmp
        WHERE canon.pair_veto(cmp.levels) IS NOT NULL
    )
    DELETE FROM pg_temp.identity_candidate AS c
    USING fold AS f, reach AS r
    WHERE r.node_id = f.node_id AND r.driver AND c.node_id = r.node_id AND c.entity = r.entity
      AND NOT EXISTS (SELECT 1 FROM clash AS x WHERE x.node_id = f.node_id);

    -- the winner: the best entity; inside the margin the lowest tier (target park) wins when it is
    -- alone there, otherwise the record is ambiguous. Every step orders a record's candidates one way
    -- (best first, then entity), so one sort serves them all: the margin's candidates are the first ones,
    -- the winner the first of them in the lowest tier, the runner-up the first other one (the best other
    -- entity). Written as CTEs over a scan read twice, the candidates were sorted four times, on disk at
    -- scale 1000 (about 1.4 GB)
    WITH ranked AS (
        SELECT c.node_id, c.entity, c.tier, c.best, c.levels,
               c.best >= pg_catalog.first_value(c.best) OVER w - pg_catalog.round(p_margin * 1000) AS close,
               pg_catalog.first_value(c.entity) OVER w AS first_entity,
               pg_catalog.first_value(c.best) OVER w AS first_best,
               pg_catalog.nth_value(c.entity, 2) OVER wf AS second_entity,
               pg_catalog.nth_value(c.best, 2) OVER wf AS second_best
        FROM pg_temp.identity_candidate AS c
        WHERE NOT c.vetoed
        WINDOW w AS (PARTITION BY c.node_id ORDER BY c.best DESC, c.entity
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
               wf AS (PARTITION BY c.node_id ORDER BY c.best DESC, c.entity
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    tiered AS (
        SELECT r.*, pg_catalog.min(r.tier) FILTER (WHERE r.close) OVER wf AS close_tier
        FROM ranked AS r
        WINDOW wf AS (PARTITION BY r.node_id ORDER BY r.best DESC, r.entity
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    picked AS (
        SELECT t.*,
               pg_catalog.count(*) FILTER (WHERE t.close AND t.tier = t.close_tier) OVER wf AS contenders,
               pg_catalog.count(*) FILTER (WHERE t.close AND t.tier = t.close_tier) OVER w AS picked_before
        FROM tiered AS t
        WINDOW w AS (PARTITION BY t.node_id ORDER BY t.best DESC, t.entity
                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
               wf AS (PARTITION BY t.node_id ORDER BY t.best DESC, t.entity
                      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ),
    winner AS (  -- with the best other entity (for the evidence and canon.explain_match)
        SELECT p.node_id, p.entity, p.best, p.levels, p.contenders,
               CASE WHEN p.entity = p.first_entity THEN p.second_entity ELSE p.first_entity END AS runner_entity,
               CASE WHEN p.entity = p.first_entity THEN p.second_best ELSE p.first_best END AS runner_best
        FROM picked AS p
        WHERE p.close AND p.tier = p.close_tier AND p.picked_before = 1
    ),
    decided AS (
        SELECT w.*, canon.match_probability(w.best, v_prior) AS probability, w.runner_entity AS runner_up,
               w.runner_best AS runner_up_weight,
               -- best and runner-up both existing persons, both at p_link: the record bridges two
               -- persons, and nothing merges two persons automatically, whatever the margin
               COALESCE(w.entity NOT LIKE 'D:%' AND w.runner_entity NOT LIKE 'D:%'
                        AND canon.match_probability(w.runner_best, v_prior) >= p_link, false) AS bridge
        FROM winner AS w
    )
    UPDATE canon.identity_work_subject AS s
    SET outcome = CASE WHEN d.contenders > 1 OR d.bridge THEN 'MULTIPLE_CANDIDATES'
                       WHEN d.probability >= p_link THEN 'LINK' ELSE 'NEEDS_REVIEW' END,
        entity = CASE WHEN d.contenders = 1 AND NOT d.bridge AND d.probability >= p_link THEN d.entity END,
        match_rule = canon.match_rule_of(d.levels),
        match_score = pg_catalog.round(d.probability * 100, 2),
        confidence_level = canon.confidence_of(d.probability, p_link, p_high),
        weight_milli = d.best, probability = d.probability,
        runner_up = d.runner_up, runner_up_weight = d.runner_up_weight
    FROM decided AS d
    WHERE d.node_id = s.node_id AND s.outcome IS NULL AND d.probability >= p_review;
    DROP TABLE pg_temp.identity_candidate;

    -- records of the run linking to one entity are compared with each other too: of two with a veto
    -- between them, the weaker (then the later in key order) is queued for review instead
    -- only entities that two or more records link to, in a table of their own, analyzed: as a CTE the
    -- self-join below was estimated at one row and planned as a nested loop over every linking record
    -- (50 s of a 68 s run at scale 10, measured)
    PERFORM 'PRAGMA:TABLE: identity_linked_shared (node_id integer, entity text, weight_milli bigint, phone text, id_keys text[], plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, lead_date date, car_key text)';
    CREATE TEMP TABLE identity_linked_shared ON COMMIT DROP AS
    SELECT x.node_id, x.entity, x.weight_milli, x.phone, x.id_keys, x.plate, x.name_tokens, x.name_given,
           x.surnames, x.two_surnames, x.lead_date, x.car_key
    FROM (SELECT s.*, pg_catalog.count(*) OVER (PARTITION BY s.entity) AS n
          FROM canon.identity_work_subject AS s
          WHERE s.outcome = 'LINK' AND s.match_rule <> 'DRIVER_DIRECT') AS x
    WHERE x.n > 1;
    ANALYZE pg_temp.identity_linked_shared (node_id, entity, weight_milli);  -- what the self-join below reads
    WITH beaten AS (
        SELECT DISTINCT b.node_id
        FROM pg_temp.identity_linked_shared AS a
        JOIN pg_temp.identity_linked_shared AS b ON b.entity = a.entity AND b.node_id <> a.node_id
            AND (a.weight_milli > b.weight_milli OR (a.weight_milli = b.weight_milli AND a.node_id < b.node_id))
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                  a.phone, a.id_keys, a.plate, a.name_tokens, a.name_given, a.surnames, a.two_surnames, a.lead_date,
                  a.car_key, b.phone, b.id_keys, b.plate, b.name_tokens, b.name_given, b.surnames, b.two_surnames,
                  b.lead_date, b.car_key, p_threshold) AS levels OFFSET 0) AS cmp
        WHERE canon.pair_veto(cmp.levels) IS NOT NULL
    )
    UPDATE canon.identity_work_subject AS s
    SET outcome = 'NEEDS_REVIEW', entity = NULL
    FROM beaten AS b
    WHERE b.node_id = s.node_id;
    DROP TABLE pg_temp.identity_linked_shared;

    -- below p_review: a new person (alone or with the records of the run it shares a key with), a
    -- name-only record founded after NAME+DATE, or nothing usable
    UPDATE canon.identity_work_subject AS s
    SET outcome = CASE
            WHEN s.driver_id IS NOT NULL THEN 'DRIVER_NOT_FOUND'
            WHEN s.phone_usable OR pg_catalog.cardinality(s.id_keys) > 0 OR s.plate IS NOT NULL THEN 'NONE'
            WHEN pg_catalog.cardinality(s.name_tokens) >= 3 THEN 'NAME_ONLY'
            ELSE 'MISSING_IDENTIFIERS' END
    WHERE s.outcome IS NULL;
END;
$$;
COMMENT ON FUNCTION canon.identity_decide_rules(numeric, jsonb, numeric, numeric, numeric, numeric) IS 'canon.identity_decide_rules(p_threshold numeric, p_weights jsonb, p_link numeric, p_review numeric, p_margin numeric, p_high numeric) -> void: each record''s outcome by probability in canon.identity_work_subject (stage of canon.run_identity)';
