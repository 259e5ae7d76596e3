-- Stage 10 of canon.run_identity: NAME+DATE candidates (docs/identity.md). The records of the run still
-- unlinked after the writes (queued MISSING_IDENTIFIERS, WEAK_MATCH_ONLY or NEEDS_REVIEW, never RESOLVED /
-- IGNORED, nor queued for review by this run's identifier candidates or clustering) are blocked on name keys (given name + one surname, canon.parse_name; and the same with the
-- given name or the surname replaced by a token one typo from it, canon.name_token_variants) against the
-- lead records of existing persons whose lead date is at most p_days away (dates bucketed by p_days, each
-- bucket joined with its neighbours: an equi-join). A block (key, bucket) holding more than p_max_block
-- distinct names is left out and its pairs counted. Each pair is compared (canon.compare_levels), weighed with
-- p_weights and checked for a veto (canon.pair_veto); only a strong name level counts (given name and
-- both surnames, or the same three or more tokens; a full name held by f distinct persons weighs log2(f)
-- bits less); a person with a vetoed pair, or any of whose
-- records (lead records and drivers) carries a veto against the record, is no candidate.
-- The best person links as NAME+DATE at probability >= p_link_threshold when the runner-up is at least
-- p_margin bits weaker; a runner-up within the margin queues MULTIPLE_CANDIDATES; a best person between
-- p_review_threshold and p_link_threshold queues NEEDS_REVIEW. Candidates list person and source keys only.
-- Returns {subjects, looked_back, pairs, pairs_left_out, blocks_left_out, linked, needs_review, multiple_candidates}.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_link_names(p_run_id bigint, p_weights jsonb, p_threshold numeric,
                                                     p_link_threshold numeric, p_review_threshold numeric,
                                                     p_margin numeric, p_max_block integer, p_days integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prior bigint := (p_weights ->> 'prior')::bigint;
    v_high numeric := ops.get_setting('high_confidence_threshold')::numeric;
    v_subjects bigint;
    v_looked_back bigint;
    v_pairs bigint;
    v_left_out bigint;
    v_blocks_out bigint;
    v_linked bigint;
    v_review bigint;
    v_multiple bigint;
    v_from date;
    v_to date;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_name_subject (node_id integer, source_table text, source_pk text, lead_date date, phone text, id_keys text[], plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, car_key text)';
    PERFORM 'PRAGMA:TABLE: identity_name_pair (node_id integer, source_table text, source_pk text, person_key uuid, other_table text, other_pk text, levels text[], weight_milli bigint, veto text, strong boolean)';
    CREATE TEMP TABLE identity_name_subject ON COMMIT DROP AS
    SELECT s.node_id, s.source_table, s.source_pk, s.lead_date, s.phone, s.id_keys, s.plate, s.name_tokens,
           s.name_given, s.surnames, s.two_surnames, s.car_key
    FROM canon.identity_work_subject AS s
    JOIN canon.identity_unmatched AS u ON u.source_table = s.source_table AND u.source_pk = s.source_pk
    WHERE u.status = 'OPEN' AND u.reason_code IN ('MISSING_IDENTIFIERS', 'WEAK_MATCH_ONLY', 'NEEDS_REVIEW')
      AND s.name_given IS NOT NULL AND pg_catalog.cardinality(s.surnames) > 0 AND s.lead_date IS NOT NULL
      -- queued by this run's identifier candidates or as a group with a veto inside: an operator decides
      AND COALESCE(s.outcome, '') NOT IN ('NEEDS_REVIEW', 'MULTIPLE_CANDIDATES')
      AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                      WHERE l.source_table = s.source_table AND l.source_pk = s.source_pk);
    GET DIAGNOSTICS v_subjects = ROW_COUNT;
    -- looking back: the name-only records earlier runs queued that this run's links may reach
    -- (canon.identity_name_lookback, docs/identity.md "Stability")
    INSERT INTO pg_temp.identity_name_subject
        (node_id, source_table, source_pk, lead_date, phone, id_keys, plate, name_tokens, name_given, surnames,
         two_surnames, car_key)
    SELECT -pg_catalog.row_number() OVER (ORDER BY k.source_table, k.source_pk)::integer,  -- apart from the run's nodes
           k.source_table, k.source_pk, k.lead_date, k.phone, k.id_keys, k.plate, k.name_tokens, k.name_given,
           k.surnames, k.two_surnames, k.car_key
    FROM canon.identity_name_lookback(p_run_id, p_days) AS b
    JOIN canon.lead_keys AS k ON k.source_table = b.source_table AND k.source_pk = b.source_pk;
    GET DIAGNOSTICS v_looked_back = ROW_COUNT;
    v_subjects := v_subjects + v_looked_back;
    ANALYZE pg_temp.identity_name_subject;  -- unanalyzed, the pair query below joined it in a nested loop
    SELECT pg_catalog.min(n.lead_date) - p_days, pg_catalog.max(n.lead_date) + p_days INTO v_from, v_to
    FROM pg_temp.identity_name_subject AS n;

    -- each subject's name keys (given name + one surname) in its date bucket and both neighbours; with
    -- the typo-tolerant keys: the given name or the surname replaced by a token one typo from it
    -- (canon.name_tokens_close) that some lead record of the date range holds. Close tokens are found
    -- over the distinct tokens only, by equal one-letter deletions (canon.name_token_variants): the lead
    -- records' own keys stay exact, so blocks and their cap are the same as without typos.
    PERFORM 'PRAGMA:TABLE: identity_name_key (node_id integer, key text, bucket integer, typo boolean)';
    CREATE TEMP TABLE identity_name_key ON COMMIT DROP AS
    WITH parts AS MATERIALIZED (
        SELECT DISTINCT n.node_id, n.name_given AS given, sn.surname, (n.lead_date - DATE '2000-01-01') / p_days AS bucket
        FROM pg_temp.identity_name_subject AS n
        CROSS JOIN LATERAL pg_catalog.unnest(n.surnames) AS sn (surname)
    ),
    subject_variants AS MATERIALIZED (  -- each distinct token of the subjects, with its variants
        SELECT t.token, v.variant
        FROM (SELECT DISTINCT x.token
              FROM parts AS p CROSS JOIN LATERAL (VALUES (p.given), (p.surname)) AS x (token)) AS t
        CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
    ),
    range_variants AS MATERIALIZED (  -- the given names and surnames of the date range's lead records
        SELECT t.token, v.variant
        FROM (SELECT DISTINCT x.token
              FROM canon.lead_keys AS k
              CROSS JOIN LATERAL pg_catalog.unnest(k.name_given || k.surnames) AS x (token)
              WHERE k.lead_date BETWEEN v_from AND v_to AND k.name_given IS NOT NULL) AS t
        CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
    ),
    close_tokens AS MATERIALIZED (  -- a shared variant first (a hash join), then the typo test
        SELECT DISTINCT s.token, r.token AS close_token
        FROM subject_variants AS s
        JOIN range_variants AS r ON r.variant = s.variant AND r.token <> s.token
        WHERE canon.name_tokens_close(s.token, r.token)
    ),
    keys AS (
        SELECT p.node_id, p.given || ' ' || p.surname AS key, p.bucket, false AS typo FROM parts AS p
        UNION ALL
        SELECT p.node_id, c.close_token || ' ' || p.surname, p.bucket, true
        FROM parts AS p JOIN close_tokens AS c ON c.token = p.given
        UNION ALL
        SELECT p.node_id, p.given || ' ' || c.close_token, p.bucket, true
        FROM parts AS p JOIN close_tokens AS c ON c.token = p.surname
    )
    SELECT k.node_id, k.key, k.bucket + d.step AS bucket, pg_catalog.bool_and(k.typo) AS typo
    FROM keys AS k
    CROSS JOIN (VALUES (-1), (0), (1)) AS d (step)
    GROUP BY 1, 2, 3;
    ANALYZE pg_temp.identity_name_key;

    -- the lead records of existing persons in the subjects' blocks (key, bucket), and the blocks: tables
    -- of their own, analyzed, read by the candidate pairs and by the count of the pairs the cap left out
    PERFORM 'PRAGMA:TABLE: identity_name_cand (source_table text, source_pk text, person_key uuid, lead_date date, name_tokens text[], surnames text[], key text, bucket integer)';
    CREATE TEMP TABLE identity_name_cand ON COMMIT DROP AS
    SELECT c.* FROM (
        SELECT k.source_table, k.source_pk, l.person_key, k.lead_date, k.name_tokens, k.surnames,
               k.name_given || ' ' || sn.surname AS key, (k.lead_date - DATE '2000-01-01') / p_days AS bucket
        FROM canon.lead_keys AS k
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        CROSS JOIN LATERAL pg_catalog.unnest(k.surnames) AS sn (surname)
        WHERE k.lead_date BETWEEN v_from AND v_to
          -- the given names of the subjects' keys, typo variants included (a key is 'GIVEN SURNAME')
          AND k.name_given IN (SELECT pg_catalog.split_part(x.key, ' ', 1) FROM pg_temp.identity_name_key AS x)
        OFFSET 0) AS c  -- kept apart: the join below hashes on (key, bucket) once they are computed
    JOIN (SELECT DISTINCT x.key, x.bucket FROM pg_temp.identity_name_key AS x) AS sb
      ON sb.key = c.key AND sb.bucket = c.bucket;
    ANALYZE pg_temp.identity_name_cand;
    PERFORM 'PRAGMA:TABLE: identity_name_block (key text, bucket integer, kept boolean, records bigint)';
    CREATE TEMP TABLE identity_name_block ON COMMIT DROP AS
    SELECT c.key, c.bucket, pg_catalog.count(DISTINCT c.name_tokens) <= p_max_block AS kept,
           pg_catalog.count(*) AS records
    FROM pg_temp.identity_name_cand AS c GROUP BY c.key, c.bucket;
    ANALYZE pg_temp.identity_name_block;

    -- the candidate records: a table of its own, analyzed, so that the comparisons below are planned on
    -- its true size (estimated from the keys' join, it came out a few rows and was nested-looped)
    PERFORM 'PRAGMA:TABLE: identity_name_hit (node_id integer, source_table text, source_pk text, person_key uuid)';
    CREATE TEMP TABLE identity_name_hit ON COMMIT DROP AS
    WITH skeys AS (
        SELECT x.node_id, x.key, x.bucket FROM pg_temp.identity_name_key AS x
    ),
    hits AS (
        SELECT DISTINCT s.node_id, c.source_table, c.source_pk, c.person_key
        FROM skeys AS s
        JOIN pg_temp.identity_name_block AS b ON b.key = s.key AND b.bucket = s.bucket AND b.kept
        JOIN pg_temp.identity_name_cand AS c ON c.key = s.key AND c.bucket = s.bucket
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = s.node_id
        WHERE abs(c.lead_date - n.lead_date) <= p_days
          AND (c.source_table, c.source_pk) IS DISTINCT FROM (n.source_table, n.source_pk)
          -- only a strong name level counts (below): a pair whose names cannot reach one is not compared.
          -- A superset of compare_levels' SAME_FULL_NAME and GIVEN_BOTH_SURNAMES: the same three or more
          -- tokens, or one side's two or more surnames each among the other's tokens exactly or as a token
          -- one letter longer or shorter sharing its first or last letter (compare_levels' pre-test)
          AND ((n.name_tokens = c.name_tokens AND pg_catalog.cardinality(n.name_tokens) >= 3)
               OR (pg_catalog.cardinality(n.surnames) >= 2
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(n.surnames) AS x (token)
                                   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.name_tokens) AS y (token)
                                                     WHERE y.token = x.token
                                                        OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                            AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                                 OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))))
               OR (pg_catalog.cardinality(c.surnames) >= 2
                   AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.surnames) AS x (token)
                                   WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(n.name_tokens) AS y (token)
                                                     WHERE y.token = x.token
                                                        OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                            AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                                 OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1)))))))
    )
    SELECT h.node_id, h.source_table, h.source_pk, h.person_key FROM hits AS h;
    ANALYZE pg_temp.identity_name_hit;

    CREATE TEMP TABLE identity_name_pair ON COMMIT DROP AS
    WITH
    compared AS (
        SELECT h.*, k.source_table AS other_table, k.source_pk AS other_pk,
               canon.compare_levels(n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames,
                                    n.two_surnames, n.lead_date, n.car_key, k.phone, k.id_keys, k.plate,
                                    k.name_tokens, k.name_given, k.surnames, k.two_surnames, k.lead_date,
                                    k.car_key, p_threshold) AS levels
        FROM pg_temp.identity_name_hit AS h
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = h.node_id
        JOIN canon.lead_keys AS k ON k.source_table = h.source_table AND k.source_pk = h.source_pk
        OFFSET 0  -- kept apart: pulled up, the comparison ran once per reference
    ),
    freq AS (  -- distinct persons holding each subject's exact name
        SELECT k.name_tokens, pg_catalog.count(DISTINCT l.person_key) AS persons
        FROM canon.lead_keys AS k
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        WHERE k.name_tokens IN (SELECT x.name_tokens FROM pg_temp.identity_name_subject AS x)
        GROUP BY k.name_tokens
    )
    SELECT c.node_id, n.source_table, n.source_pk, c.person_key, c.other_table, c.other_pk, c.levels,
           -- term frequency: a full name held by f distinct persons weighs log2(f) bits less
           canon.levels_weight(c.levels, p_weights)::bigint
             - CASE WHEN c.levels[4] = 'SAME_FULL_NAME' AND f.persons > 1
                    THEN pg_catalog.round(1000 * pg_catalog.log(2.0, f.persons::numeric))::bigint ELSE 0 END AS weight_milli,
           canon.pair_veto(c.levels) AS veto,
           c.levels[4] IN ('SAME_FULL_NAME', 'GIVEN_BOTH_SURNAMES') AS strong
    FROM compared AS c
    JOIN pg_temp.identity_name_subject AS n ON n.node_id = c.node_id
    LEFT JOIN freq AS f ON f.name_tokens = n.name_tokens;
    GET DIAGNOSTICS v_pairs = ROW_COUNT;
    ANALYZE pg_temp.identity_name_pair;  -- the veto check below is planned from it (about a minute at scale 1000)

    -- the pairs the capped blocks left out
    SELECT COALESCE(pg_catalog.sum(b.records), 0), pg_catalog.count(DISTINCT (b.key, b.bucket))
    INTO v_left_out, v_blocks_out
    FROM pg_temp.identity_name_key AS s
    JOIN pg_temp.identity_name_block AS b ON b.key = s.key AND b.bucket = s.bucket
    WHERE NOT b.kept;

    -- persons ranked per record: the best strong pair; a vetoed pair removes the person
    PERFORM 'PRAGMA:TABLE: identity_name_decision (node_id integer, source_table text, source_pk text, person_key uuid, best bigint, second bigint, probability numeric, other_table text, other_pk text, rn bigint, decision text)';
    CREATE TEMP TABLE identity_name_decision ON COMMIT DROP AS
    WITH vetoed AS (  -- a veto against any record of a candidate person (lead record or driver) removes it
        SELECT DISTINCT c.node_id, c.person_key
        FROM (SELECT DISTINCT p.node_id, p.person_key FROM pg_temp.identity_name_pair AS p WHERE p.strong) AS c
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = c.node_id
        JOIN canon.v_person_records AS r ON r.person_key = c.person_key
        WHERE canon.pair_veto(canon.compare_levels(
                  n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames, n.two_surnames, n.lead_date,
                  n.car_key, r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given, r.surnames, r.two_surnames,
                  r.record_date, r.car_key, p_threshold)) IS NOT NULL
    ),
    per_person AS (
        SELECT p.node_id, p.source_table, p.source_pk, p.person_key,
               pg_catalog.max(p.weight_milli) FILTER (WHERE p.strong) AS best,
               (pg_catalog.array_agg(p.other_table ORDER BY p.weight_milli DESC, p.other_table, p.other_pk)
                    FILTER (WHERE p.strong))[1] AS other_table,
               (pg_catalog.array_agg(p.other_pk ORDER BY p.weight_milli DESC, p.other_table, p.other_pk)
                    FILTER (WHERE p.strong))[1] AS other_pk
        FROM pg_temp.identity_name_pair AS p
        WHERE NOT EXISTS (SELECT 1 FROM vetoed AS v WHERE v.node_id = p.node_id AND v.person_key = p.person_key)
        GROUP BY p.node_id, p.source_table, p.source_pk, p.person_key
        HAVING pg_catalog.bool_or(p.strong)
    ),
    ranked AS (
        SELECT r.*, pg_catalog.row_number() OVER w AS rn, pg_catalog.lead(r.best) OVER w AS second,
               canon.match_probability(r.best, v_prior) AS probability
        FROM per_person AS r
        WINDOW w AS (PARTITION BY r.node_id ORDER BY r.best DESC, r.person_key)
    )
    SELECT r.node_id, r.source_table, r.source_pk, r.person_key, r.best, r.second, r.probability,
           r.other_table, r.other_pk, r.rn,
           CASE WHEN r.rn > 1 THEN NULL
                WHEN r.probability < p_review_threshold THEN NULL
                WHEN r.second IS NOT NULL AND r.best - r.second < p_margin * 1000 THEN 'MULTIPLE_CANDIDATES'
                WHEN r.probability >= p_link_threshold THEN 'LINK'
                ELSE 'NEEDS_REVIEW' END AS decision
    FROM ranked AS r;

    INSERT INTO canon.identity_links
        (person_key, source_table, source_pk, match_rule, match_score, match_probability, confidence_level,
         evidence, run_id)
    SELECT d.person_key, d.source_table, d.source_pk, 'NAME+DATE', pg_catalog.round(d.probability * 100, 2),
           d.probability, canon.confidence_of(d.probability, p_link_threshold, v_high),
           pg_catalog.jsonb_build_object('rule', 'NAME+DATE', 'probability', d.probability,
                                         'matched', pg_catalog.jsonb_build_object('source_table', d.other_table,
                                                                                  'source_pk', d.other_pk)),
           p_run_id
    FROM pg_temp.identity_name_decision AS d
    WHERE d.decision = 'LINK'
    ON CONFLICT (source_table, source_pk) DO NOTHING;
    GET DIAGNOSTICS v_linked = ROW_COUNT;

    DELETE FROM canon.identity_unmatched AS u
    USING pg_temp.identity_name_decision AS d
    WHERE d.decision = 'LINK' AND u.source_table = d.source_table AND u.source_pk = d.source_pk
      AND u.status = 'OPEN';

    -- the queue: ranked candidates (person and source keys, probabilities; never an identifier)
    -- (aggregated once per record: a sub-select per record scanned the whole table each time)
    INSERT INTO canon.identity_unmatched AS u (source_table, source_pk, reason_code, details, candidates, run_id)
    SELECT d.source_table, d.source_pk, d.decision,
           pg_catalog.jsonb_build_object('rule', 'NAME+DATE', 'probability', d.probability), c.candidates, p_run_id
    FROM pg_temp.identity_name_decision AS d
    JOIN (SELECT c0.node_id,
                 pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                     'person_key', c0.person_key, 'probability', c0.probability, 'rules', pg_catalog.jsonb_build_array('NAME+DATE'),
                     'matched', pg_catalog.jsonb_build_object('source_table', c0.other_table, 'source_pk', c0.other_pk))
                 ORDER BY c0.rn) AS candidates
          FROM pg_temp.identity_name_decision AS c0
          WHERE c0.rn <= 5 AND c0.node_id IN (SELECT d0.node_id FROM pg_temp.identity_name_decision AS d0
                                              WHERE d0.decision IN ('NEEDS_REVIEW', 'MULTIPLE_CANDIDATES'))
          GROUP BY c0.node_id) AS c ON c.node_id = d.node_id
    WHERE d.decision IN ('NEEDS_REVIEW', 'MULTIPLE_CANDIDATES')
    ON CONFLICT (source_table, source_pk) DO UPDATE
    SET reason_code = EXCLUDED.reason_code, details = EXCLUDED.details, candidates = EXCLUDED.candidates,
        run_id = EXCLUDED.run_id
    WHERE u.status = 'OPEN'
      AND (u.reason_code, u.details, u.candidates) IS DISTINCT FROM
          (EXCLUDED.reason_code, EXCLUDED.details, EXCLUDED.candidates);

    SELECT pg_catalog.count(*) FILTER (WHERE d.decision = 'NEEDS_REVIEW'),
           pg_catalog.count(*) FILTER (WHERE d.decision = 'MULTIPLE_CANDIDATES')
    INTO v_review, v_multiple
    FROM pg_temp.identity_name_decision AS d;
    DROP TABLE pg_temp.identity_name_decision;
    DROP TABLE pg_temp.identity_name_pair;
    DROP TABLE pg_temp.identity_name_key;
    DROP TABLE pg_temp.identity_name_hit;
    DROP TABLE pg_temp.identity_name_block;
    DROP TABLE pg_temp.identity_name_cand;
    DROP TABLE pg_temp.identity_name_subject;
    RETURN pg_catalog.jsonb_build_object('subjects', v_subjects, 'looked_back', v_looked_back, 'pairs', v_pairs, 'pairs_left_out', v_left_out,
                                         'blocks_left_out', v_blocks_out, 'linked', v_linked,
                                         'needs_review', v_review, 'multiple_candidates', v_multiple);
END;
$$;
COMMENT ON FUNCTION canon.identity_link_names(bigint, jsonb, numeric, numeric, numeric, numeric, integer, integer) IS 'canon.identity_link_names(p_run_id bigint, p_weights jsonb, p_threshold numeric, p_link_threshold numeric, p_review_threshold numeric, p_margin numeric, p_max_block integer, p_days integer) -> jsonb {subjects, looked_back, pairs, pairs_left_out, blocks_left_out, linked, needs_review, multiple_candidates}: NAME+DATE links and queue rows (stage of canon.run_identity)';
