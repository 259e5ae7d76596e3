-- Stage 4 of canon.run_identity: candidate pairs of the records to decide, into canon.identity_work_pair.
-- Entities are existing persons and unlinked drivers ('D:<driver_id>'); candidates come only from equal
-- keys: the driver a migration names, phone and licence/document (drivers and persons' records), plate +
-- a name token, car model + name blocks. Every pair is compared field by field (canon.compare_levels),
-- weighed (canon.levels_weight with p_weights, canon.match_weight_map) and checked for a veto
-- (canon.pair_veto): a vetoed pair is dropped, and a car + name pair below p_link_threshold is weak.
-- Returns {pairs: phone/licence/document pairs, car_name_pairs_left_out, car_name_blocks_left_out: what
-- the car + name blocks' cap left out}.
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
    v_pairs_out bigint;
    v_blocks_out bigint;
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

    -- R4: same car brand+model and similar name, target park drivers, blocked on name keys. The pairs
    -- written above decide which records still need it: their statistics first, or the anti-join below
    -- is planned from a former run's and may turn into a loop over every driver per record
    ANALYZE canon.identity_work_pair;
    -- Both sides are expanded to (car, name block) rows before the join, so that it is one hash join on
    -- both columns: left to the planner, it joined on the car alone and matched the blocks of each pair
    -- after (7.1 M pairs for 986 records of a 1 % run at scale 100, 20 s)
    WITH todo AS MATERIALIZED (
        SELECT s.node_id, s.car_key, s.name_tokens, b.key, pg_catalog.cardinality(s.name_tokens) AS n_tokens,
               -- the tokens of the block: the whole name, or all its tokens but one
               pg_catalog.cardinality(s.name_tokens)
               - CASE WHEN b.key = pg_catalog.array_to_string(s.name_tokens, ' ') THEN 0 ELSE 1 END AS n_key
        FROM canon.identity_work_subject AS s
        CROSS JOIN LATERAL pg_catalog.unnest(s.name_blocks) AS b (key)
        WHERE s.car_key IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                          WHERE p.node_id = s.node_id AND p.dropped IS NULL AND p.match_rule <> 'WEAK')
    ),
    -- the (car, name block) rows of the drivers of the records' cars whose block a record holds: small
    -- rows, read once (every block of the cars of a 1 % run was 650 k rows written to disk, 0.4 s). The
    -- block alone is tested here: a test on (car, block) was planned as a join on the car before the
    -- blocks were expanded (23 M rows for a 1 % run, 24 s); the join below matches both
    blocks AS MATERIALIZED (
        SELECT d.driver_id, d.car_key, b.key
        FROM canon.drivers_index AS d
        CROSS JOIN LATERAL pg_catalog.unnest(d.name_blocks) AS b (key)
        WHERE d.removed_at IS NULL AND d.park_id = p_target AND d.car_key IS NOT NULL
          AND d.car_key IN (SELECT t.car_key FROM todo AS t)
          AND b.key IN (SELECT t.key FROM todo AS t)
    ),
    -- the drivers holding a (car, name block) of the records, with their persons: the links, names and
    -- block counts below are read for them alone, not for every driver of the cars (3.4 s of a 1 % run
    -- at scale 100). Joined on both columns from materialized rows: as a semi-join on the driver table,
    -- the planner joined on the car alone before expanding the blocks (22 M rows, 40 s)
    holders AS MATERIALIZED (
        SELECT x.driver_id, l.person_key, x.car_key, d.name_tokens, x.key,
               pg_catalog.cardinality(d.name_tokens) AS n_tokens,
               COALESCE(l.person_key::text, 'D:' || x.driver_id) AS holder, t.records
        FROM (SELECT t.car_key, t.key, pg_catalog.count(*) AS records FROM todo AS t GROUP BY t.car_key, t.key) AS t
        JOIN blocks AS x ON x.car_key = t.car_key AND x.key = t.key
        JOIN canon.drivers_index AS d ON d.driver_id = x.driver_id
        LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = x.driver_id
    ),
    -- a (car, name block) held by more than max_block_size name groups is no evidence (a common model and
    -- a common name): left out, so that no block grows with the square of the data. The block's key is
    -- the name, which no longer tells its holders apart: a holder's name group is its person (an unlinked
    -- driver is its own). Counted in distinct names, a common name held by ten times the drivers at ten
    -- times the data stayed one group, and its pairs grew a hundredfold (docs/identity.md, "Plans that
    -- stay linear")
    crowded AS (
        SELECT h.car_key, h.key, pg_catalog.count(*) * pg_catalog.max(h.records) AS pairs FROM holders AS h
        GROUP BY h.car_key, h.key
        HAVING pg_catalog.count(DISTINCT h.holder) > v_max_block
    ),
    -- A shared block is the whole name or all its tokens but one on each side (names are sets of distinct
    -- tokens), so two different names share one block K at most, have exactly |K| tokens in common and
    -- their similarity follows from the three sizes (canon.name_overlap_score); identical names
    -- share every block and keep them all (one may be crowded, not another). Pairs whose similarity is
    -- below p_threshold are never compared (their levels stay NULL, no stage reads them): left out at the
    -- join, before they are counted, deduplicated and written. Most pairs are two two-token names sharing
    -- one token (0.42), and their number grows with the square of the drivers per car and name
    -- (docs/identity.md, "Plans that stay linear"). The same sizes give the pair's similarity, which
    -- canon.name_similarity would compute again from the tokens (1 for the same name)
    hits AS (
        SELECT DISTINCT t.node_id, h.driver_id, h.person_key, t.car_key,
               CASE WHEN t.name_tokens = h.name_tokens THEN 1.0000
                    ELSE canon.name_overlap_score(t.n_key, t.n_tokens, h.n_tokens) END AS similarity
        FROM todo AS t
        JOIN holders AS h ON h.car_key = t.car_key AND h.key = t.key
        WHERE (t.name_tokens = h.name_tokens  -- every block of the same name: its whole name may be crowded
               OR canon.name_overlap_score(t.n_key, t.n_tokens, h.n_tokens) >= p_threshold)
          AND NOT EXISTS (SELECT 1 FROM crowded AS c WHERE c.car_key = h.car_key AND c.key = h.key)
    ),
    scored AS MATERIALIZED (  -- compared only when the name is similar: a weak candidate never links anyway
        SELECT x.*, CASE WHEN x.similarity >= p_threshold THEN canon.compare_levels(
                   s.phone, s.id_keys, s.plate, s.name_tokens, s.name_given, s.surnames, s.two_surnames, s.lead_date,
                   s.car_key, d.phone, d.id_keys, d.plate, d.name_tokens, d.name_given, d.surnames, d.two_surnames,
                   d.hire_date, d.car_key, p_threshold) END AS levels, d.name_key
        FROM hits AS x
        JOIN canon.identity_work_subject AS s ON s.node_id = x.node_id
        JOIN canon.drivers_index AS d ON d.driver_id = x.driver_id
    ),
    -- term frequency, as NAME+DATE weighs it: a full name held by f distinct persons (an unlinked driver
    -- row is one) weighs log2(f) bits less. Most wrong car + name links of a large fleet are a common
    -- full name on a common model (docs/identity.md, "Rules and confidence"); found by the name key's
    -- indexes, for the names of SAME_FULL_NAME pairs only
    freq AS (
        SELECT n.name_key, pg_catalog.count(DISTINCT h.holder) AS holders
        FROM (SELECT DISTINCT c.name_key FROM scored AS c WHERE c.levels[4] = 'SAME_FULL_NAME') AS n
        CROSS JOIN LATERAL (
            SELECT COALESCE(l.person_key::text, 'D:' || d.driver_id) AS holder
            FROM canon.drivers_index AS d
            LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.name_key = n.name_key AND d.removed_at IS NULL
            UNION ALL
            SELECT l.person_key::text
            FROM canon.lead_keys AS k
            JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
            WHERE k.name_key = n.name_key) AS h
        GROUP BY n.name_key
    ),
    -- same car and a similar name is weak evidence: it links only when the whole comparison (phones and
    -- plates that differ, dates far apart) still reaches p_link_threshold without a veto
    written AS (
        INSERT INTO canon.identity_work_pair
            (node_id, match_rule, entity, person_key, driver_id, tier, similarity, key_kind, key_value, levels,
             weight_milli, veto)
        SELECT x.node_id,
               CASE WHEN x.similarity < p_threshold OR x.veto IS NOT NULL
                         OR canon.match_probability(x.weight_milli, (p_weights ->> 'prior')::bigint) < p_link_threshold
                    THEN 'WEAK' ELSE 'R4_CAR_NAME' END,
               COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key, x.driver_id, 1, x.similarity,
               'car', x.car_key, x.levels, x.weight_milli, x.veto
        FROM (SELECT h.*, canon.levels_weight(h.levels, p_weights)
                          - CASE WHEN h.levels[4] = 'SAME_FULL_NAME' THEN canon.name_frequency_weight(f.holders) ELSE 0 END
                          AS weight_milli,
                     canon.pair_veto(h.levels) AS veto
              FROM scored AS h
              LEFT JOIN freq AS f ON f.name_key = h.name_key) AS x
    )
    -- what the cap left out, as NAME+DATE reports it: the crowded blocks the records met, and for each
    -- record's row in one of them the drivers it would have been paired with
    SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(c.pairs), 0)
    INTO v_blocks_out, v_pairs_out
    FROM crowded AS c;
    ANALYZE canon.identity_work_pair;
    RETURN pg_catalog.jsonb_build_object('pairs', v_rows, 'car_name_pairs_left_out', v_pairs_out,
                                         'car_name_blocks_left_out', v_blocks_out);
END;
$$;
COMMENT ON FUNCTION canon.identity_block(bigint, text, numeric, jsonb, numeric) IS 'canon.identity_block(p_run_id bigint, p_target text, p_threshold numeric, p_weights jsonb, p_link_threshold numeric) -> jsonb {pairs, car_name_pairs_left_out, car_name_blocks_left_out}: candidate pairs into canon.identity_work_pair (stage of canon.run_identity)';
