-- Stage 4 of canon.run_identity: candidate pairs of the records to decide, into canon.identity_work_pair.
-- Entities are existing persons and unlinked drivers ('D:<driver_id>'); candidates come only from equal
-- keys: the driver a migration names, phone and licence/document (drivers and persons' records), plate +
-- a name token, car model + name blocks. Every pair is compared field by field (canon.compare_levels),
-- weighed (canon.levels_weight with p_weights, canon.match_weight_map) and checked for a veto
-- (canon.pair_veto): a vetoed pair is dropped, and a car + name pair below p_link_threshold is weak.
-- Returns {pairs: phone/licence/document pairs, car_name: {pairs_left_out, blocks_left_out}, what the
-- car + name blocks' cap left out (canon.identity_car_name)}.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_block(p_run_id bigint, p_target text, p_threshold numeric,
                                                p_weights jsonb, p_link_threshold numeric)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rows bigint;
    v_max_block integer := ops.get_setting('max_block_size')::integer;  -- read once, not per block
    v_car jsonb;
BEGIN
    -- DRIVER_DIRECT: a migration names its driver
    INSERT INTO canon.identity_work_pair (node_id, match_rule, entity, person_key, driver_id, tier, key_kind, key_value)
    SELECT s.node_id, 'DRIVER_DIRECT', COALESCE(l.person_key::text, 'D:' || d.driver_id), l.person_key,
           d.driver_id, 1, 'driver_id', d.driver_id
    FROM canon.identity_work_subject AS s
    JOIN canon.drivers_index AS d ON d.driver_id = s.driver_id AND d.removed_at IS NULL
    LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id;

    -- R1 and R2 against drivers (target park tier 1, other parks tier 2) and persons' records (tier 1);
    -- an R1 hit on another member of the household is dropped (NAME_CONFLICT, or ID_CONFLICT when
    -- both sides carry documents that differ and the names are not similar)
    WITH skeys AS MATERIALIZED (
        SELECT s.node_id, pg_catalog.substr(k.key, 1, 1) AS kind, pg_catalog.substr(k.key, 3) AS value
        FROM canon.identity_work_subject AS s
        CROSS JOIN LATERAL pg_catalog.unnest(s.id_keys) AS k (key)
    ),
    dhits AS (  -- equi-joins on indexed driver columns, one per kind of evidence
        SELECT s.node_id, 'R1_PHONE_EXACT' AS match_rule, d.driver_id, 'phone' AS key_kind, s.phone AS key_value
        FROM canon.identity_work_subject AS s
        JOIN canon.drivers_index AS d ON d.phone = s.phone
        WHERE s.phone_usable AND d.removed_at IS NULL
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'license', k.value
        FROM skeys AS k JOIN canon.drivers_index AS d ON d.license = k.value
        WHERE k.kind = 'L' AND d.removed_at IS NULL
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'document', k.value
        FROM skeys AS k JOIN canon.drivers_index AS d ON d.document = k.value
        WHERE k.kind = 'N' AND d.removed_at IS NULL
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'document', k.value
        FROM skeys AS k JOIN canon.drivers_index AS d ON d.license_dni = k.value
        WHERE k.kind = 'N' AND d.removed_at IS NULL
    ),
    lhits AS (  -- the same against the records of existing persons
        SELECT s.node_id, 'R1_PHONE_EXACT' AS match_rule, r.source_table, r.source_pk, 'phone' AS key_kind,
               s.phone AS key_value
        FROM canon.identity_work_subject AS s
        JOIN canon.lead_keys AS r ON r.phone = s.phone
        WHERE s.phone_usable
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'license', k.value
        FROM skeys AS k JOIN canon.lead_keys AS r ON r.license = k.value
        WHERE k.kind = 'L'
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'document', k.value
        FROM skeys AS k JOIN canon.lead_keys AS r ON r.document = k.value
        WHERE k.kind = 'N'
        UNION
        SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'document', k.value
        FROM skeys AS k JOIN canon.lead_keys AS r ON r.license_dni = k.value
        WHERE k.kind = 'N'
    ),
    hits AS (
        SELECT h.node_id, h.match_rule, d.driver_id, l.person_key, d.id_keys, d.name_tokens, d.given_name,
               CASE WHEN d.park_id = p_target THEN 1 ELSE 2 END AS tier, h.key_kind, h.key_value,
               d.phone, d.plate, d.name_given, d.surnames, d.two_surnames, d.hire_date AS record_date, d.car_key
        FROM dhits AS h
        JOIN canon.drivers_index AS d ON d.driver_id = h.driver_id
        LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
        UNION ALL
        SELECT h.node_id, h.match_rule, NULL, l.person_key, r.id_keys, r.name_tokens, r.given_name, 1,
               h.key_kind, h.key_value, r.phone, r.plate, r.name_given, r.surnames, r.two_surnames, r.lead_date,
               r.car_key
        FROM lhits AS h
        JOIN canon.lead_keys AS r ON r.source_table = h.source_table AND r.source_pk = h.source_pk
        JOIN canon.identity_links AS l ON l.source_table = r.source_table AND l.source_pk = r.source_pk
    )
    INSERT INTO canon.identity_work_pair
        (node_id, match_rule, entity, person_key, driver_id, tier, similarity, dropped, key_kind, key_value,
         levels, weight_milli, veto)
    SELECT x.node_id, x.match_rule, COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key,
           x.driver_id, x.tier, x.similarity,
           CASE WHEN x.veto IS NOT NULL THEN x.veto
                WHEN x.match_rule = 'R1_PHONE_EXACT'
                     AND canon.names_conflict(x.subject_tokens, x.name_tokens, x.subject_given, x.given_name, p_threshold)
                THEN 'NAME_CONFLICT'
                WHEN x.match_rule = 'R1_PHONE_EXACT'
                     AND pg_catalog.cardinality(x.subject_ids) > 0 AND pg_catalog.cardinality(x.id_keys) > 0
                     AND NOT x.subject_ids && x.id_keys
                     AND x.similarity < p_threshold
                THEN 'ID_CONFLICT' END,
           x.key_kind, x.key_value, x.levels, canon.levels_weight(x.levels, p_weights), x.veto
    -- the subject's columns ride along from the one join with it (joined again, its wide rows were hashed
    -- a second time, a batched hash join of every subject; the name similarity is computed once: the stage
    -- took 0.6 s less in a full resolve at scale 100)
    FROM (SELECT h.*, canon.pair_veto(h.levels) AS veto
          FROM (SELECT h0.*, s0.name_tokens AS subject_tokens, s0.given_name AS subject_given,
                       s0.id_keys AS subject_ids, canon.name_similarity(s0.name_tokens, h0.name_tokens) AS similarity,
                       canon.compare_levels(
                           s0.phone, s0.id_keys, s0.plate, s0.name_tokens, s0.name_given, s0.surnames, s0.two_surnames,
                           s0.lead_date, s0.car_key, h0.phone, h0.id_keys, h0.plate, h0.name_tokens, h0.name_given,
                           h0.surnames, h0.two_surnames, h0.record_date, h0.car_key, p_threshold) AS levels
                FROM hits AS h0
                JOIN canon.identity_work_subject AS s0 ON s0.node_id = h0.node_id
                OFFSET 0) AS h) AS x;  -- kept apart: pulled up, the comparison ran once per reference (5x)
    GET DIAGNOSTICS v_rows = ROW_COUNT;

    -- R3 / R3B (same plate, similar name; drivers of the target park, R3B also persons' records) and
    -- weak plate candidates (same plate, a name token in common, below the threshold)
    -- the holders of the records' plates only: the links are read for them alone, not for every
    -- plate-bearing driver and lead record (1 s of a 1 % run at scale 100). The plates are read from the
    -- analyzed records, whose statistics count them: from a CTE the planner took them for 200 and probed
    -- the drivers' plate index once per plate in a full resolve (95 k probes at scale 100)
    WITH holders AS (
        SELECT d.driver_id, l.person_key, d.plate, d.name_tokens, d.hire_date, d.phone, d.id_keys, d.name_given,
               d.surnames, d.two_surnames, d.hire_date AS record_date, d.car_key
        FROM canon.drivers_index AS d
        LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
        WHERE d.removed_at IS NULL AND d.park_id = p_target
          AND d.plate IN (SELECT s0.plate FROM canon.identity_work_subject AS s0 WHERE s0.plate IS NOT NULL)
        UNION ALL
        SELECT NULL, l.person_key, k.plate, k.name_tokens, NULL, k.phone, k.id_keys, k.name_given, k.surnames,
               k.two_surnames, k.lead_date, k.car_key
        FROM canon.lead_keys AS k
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        WHERE k.plate IN (SELECT s0.plate FROM canon.identity_work_subject AS s0 WHERE s0.plate IS NOT NULL)
    ),
    hits AS (
        SELECT s.node_id, h.driver_id, h.person_key, s.plate,
               canon.name_similarity(s.name_tokens, h.name_tokens) AS similarity,
               h.hire_date BETWEEN s.lead_date - 90 AND s.lead_date + 30 AS hire_ok,
               -- a driver compared only when the name is similar (a weak driver candidate never links);
               -- a person's record always: the same plate is an edge of the clustering (stage 6) whenever
               -- the whole comparison reaches p_link, and a record meeting it a run later must see it too
               CASE WHEN canon.name_similarity(s.name_tokens, h.name_tokens) >= p_threshold OR h.driver_id IS NULL THEN
               canon.compare_levels(s.phone, s.id_keys, s.plate, s.name_tokens, s.name_given, s.surnames,
                                    s.two_surnames, s.lead_date, s.car_key, h.phone, h.id_keys, h.plate, h.name_tokens,
                                    h.name_given, h.surnames, h.two_surnames, h.record_date, h.car_key,
                                    p_threshold) END AS levels
        FROM canon.identity_work_subject AS s
        JOIN holders AS h ON h.plate = s.plate
        WHERE s.name_tokens && h.name_tokens
        OFFSET 0  -- kept apart: pulled up, the comparison ran once per reference
    )
    INSERT INTO canon.identity_work_pair
        (node_id, match_rule, entity, person_key, driver_id, tier, similarity, key_kind, key_value, levels,
         weight_milli, veto, dropped)
    SELECT x.node_id,
           CASE WHEN x.similarity < p_threshold THEN 'WEAK'
                WHEN x.hire_ok THEN 'R3_PLATE_NAME' ELSE 'R3B_PLATE_NAME_ANY_DATE' END,
           COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key, x.driver_id, 1, x.similarity,
           'plate', x.plate, x.levels, canon.levels_weight(x.levels, p_weights), canon.pair_veto(x.levels),
           canon.pair_veto(x.levels)
    FROM hits AS x;

    -- R4: same car brand+model and similar name, target park drivers, blocked on name keys, for the
    -- records the pairs above left without a candidate (a step of its own)
    v_car := canon.identity_car_name(p_target, p_threshold, p_weights, p_link_threshold, v_max_block);
    ANALYZE canon.identity_work_pair;
    RETURN pg_catalog.jsonb_build_object('pairs', v_rows, 'car_name', v_car);
END;
$$;
COMMENT ON FUNCTION canon.identity_block(bigint, text, numeric, jsonb, numeric) IS 'canon.identity_block(p_run_id bigint, p_target text, p_threshold numeric, p_weights jsonb, p_link_threshold numeric) -> jsonb {pairs, car_name: {pairs_left_out, blocks_left_out}}: candidate pairs into canon.identity_work_pair (stage of canon.run_identity)';
