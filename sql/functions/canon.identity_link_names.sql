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
-- Steps: canon.identity_name_tokens, canon.identity_name_blocks, canon.identity_name_pairs, the ranking here, canon.identity_name_write.
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
    v_subjects bigint;
    v_looked_back bigint;
    v_pairs bigint;
    v_blocks jsonb;
    v_written jsonb;
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

    -- the token dictionary, blocks, pairs of a strong name level, compared and weighed: steps of their
    -- own (docs/identity.md)
    PERFORM canon.identity_name_tokens(p_run_id);
    v_blocks := canon.identity_name_blocks(p_days, p_max_block);
    v_pairs := canon.identity_name_pairs(p_weights, p_threshold, p_days);
    PERFORM 'PRAGMA:TABLE: identity_name_pair (node_id integer, source_table text, source_pk text, person_key uuid, other_table text, other_pk text, levels text[], weight_milli bigint, veto text, strong boolean)';

    -- persons ranked per record: the best strong pair; a vetoed pair removes the person
    PERFORM 'PRAGMA:TABLE: identity_name_decision (node_id integer, source_table text, source_pk text, person_key uuid, best bigint, second bigint, probability numeric, other_table text, other_pk text, rn bigint, decision text)';
    CREATE TEMP TABLE identity_name_decision ON COMMIT DROP AS
    WITH vetoed AS (  -- a veto against any record of a candidate person (lead record or driver) removes it
        SELECT DISTINCT c.node_id, c.person_key
        FROM (SELECT DISTINCT p.node_id, p.person_key FROM pg_temp.identity_name_pair AS p WHERE p.strong) AS c
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = c.node_id
        JOIN canon.v_person_records AS r ON r.person_key = c.person_key
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                  n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames, n.two_surnames, n.lead_date,
                  n.car_key, r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given, r.surnames, r.two_surnames,
                  r.record_date, r.car_key, p_threshold) AS levels OFFSET 0) AS cmp
        WHERE canon.pair_veto(cmp.levels) IS NOT NULL
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

    v_written := canon.identity_name_write(p_run_id, p_link_threshold);
    DROP TABLE pg_temp.identity_name_decision;
    DROP TABLE pg_temp.identity_name_pair;
    DROP TABLE pg_temp.identity_name_key;
    DROP TABLE pg_temp.identity_name_block;
    DROP TABLE pg_temp.identity_name_cand;
    DROP TABLE pg_temp.identity_name_record_variant;
    DROP TABLE pg_temp.identity_name_subject;
    RETURN pg_catalog.jsonb_build_object('subjects', v_subjects, 'looked_back', v_looked_back, 'pairs', v_pairs) || v_blocks || v_written;
END;
$$;
COMMENT ON FUNCTION canon.identity_link_names(bigint, jsonb, numeric, numeric, numeric, numeric, integer, integer) IS 'canon.identity_link_names(p_run_id bigint, p_weights jsonb, p_threshold numeric, p_link_threshold numeric, p_review_threshold numeric, p_margin numeric, p_max_block integer, p_days integer) -> jsonb {subjects, looked_back, pairs, pairs_left_out, blocks_left_out, linked, needs_review, multiple_candidates}: NAME+DATE links and queue rows (stage of canon.run_identity)';
