-- Car + name candidates (R4) of canon.identity_block, after the identifier pairs: the records to decide
-- that no identifier, plate or driver met, against the target park's drivers of the same car model whose
-- name shares a name block (the whole name, or all its tokens but one) with theirs. Every step works on
-- (car, name block) rows kept in analyzed temporary tables: as CTEs of one statement, their counts were
-- estimated (7.5 M records' rows for 1.9 M, 166 M pairs for 1.2 M at scale 1000), and the join was
-- planned as sorts on disk and merge joins. A block held by more than p_max_block name groups is left out
-- and counted. The pairs are compared field by field (canon.compare_levels), weighed with p_weights (a
-- common full name weighs less), checked for a veto (canon.pair_veto) and written to
-- canon.identity_work_pair; a pair below p_link_threshold is weak.
-- Returns {pairs_left_out, blocks_left_out}, as canon.identity_name_blocks reports its cap.
-- A step of canon.identity_block (docs/identity.md), run inside canon.run_identity's transaction and lock
-- as the owner; not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_car_name(p_target text, p_threshold numeric, p_weights jsonb,
                                                   p_link_threshold numeric, p_max_block integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pairs_out bigint;
    v_blocks_out bigint;
BEGIN
    -- the pairs written before decide which records still need it: their statistics first, or the
    -- anti-join below is planned from a former run's and may turn into a loop over every driver per record
    ANALYZE canon.identity_work_pair;
    -- the records' (car, name block) rows; block = car and name block in one column, so that the join
    -- below is estimated on one column's distinct values rather than on two taken as independent
    PERFORM 'PRAGMA:TABLE: identity_car_todo (node_id integer, car_key text, name_tokens text[], key text, block text, n_tokens integer, n_key integer)';
    CREATE TEMP TABLE identity_car_todo ON COMMIT DROP AS
    SELECT s.node_id, s.car_key, s.name_tokens, b.key, s.car_key || '|' || b.key AS block,
           pg_catalog.cardinality(s.name_tokens) AS n_tokens,
           -- the tokens of the block: the whole name, or all its tokens but one
           pg_catalog.cardinality(s.name_tokens)
           - CASE WHEN b.key = pg_catalog.array_to_string(s.name_tokens, ' ') THEN 0 ELSE 1 END AS n_key
    FROM canon.identity_work_subject AS s
    CROSS JOIN LATERAL pg_catalog.unnest(s.name_blocks) AS b (key)
    WHERE s.car_key IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                      WHERE p.node_id = s.node_id AND p.dropped IS NULL AND p.match_rule <> 'WEAK');
    ANALYZE pg_temp.identity_car_todo;

    -- the drivers holding a (car, name block) of the records, with their persons and the records' rows
    -- per block: the blocks of the drivers of the records' cars, expanded, joined on the one block column
    -- with the records' blocks counted (the join can only follow the expansion; tested on the block key
    -- first and materialized, the drivers' rows were 4.7 M written for 2.3 M kept at scale 1000, and on
    -- two columns the planner once joined on the car alone before expanding: 23 M rows for a 1 % run)
    PERFORM 'PRAGMA:TABLE: identity_car_holder (driver_id text, person_key uuid, block text, name_tokens text[], n_tokens integer, holder text, records bigint)';
    CREATE TEMP TABLE identity_car_holder ON COMMIT DROP AS
    SELECT x.driver_id, l.person_key, x.block, x.name_tokens, pg_catalog.cardinality(x.name_tokens) AS n_tokens,
           COALESCE(l.person_key::text, 'D:' || x.driver_id) AS holder, t.records
    FROM (SELECT t.block, pg_catalog.count(*) AS records FROM pg_temp.identity_car_todo AS t GROUP BY t.block) AS t
    JOIN (SELECT d.driver_id, d.name_tokens, d.car_key || '|' || b.key AS block
          FROM canon.drivers_index AS d
          CROSS JOIN LATERAL pg_catalog.unnest(d.name_blocks) AS b (key)
          WHERE d.removed_at IS NULL AND d.park_id = p_target AND d.car_key IS NOT NULL
            AND d.car_key IN (SELECT t0.car_key FROM pg_temp.identity_car_todo AS t0)) AS x ON x.block = t.block
    LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = x.driver_id;

    -- a (car, name block) held by more than max_block_size name groups is no evidence (a common model and
    -- a common name): left out, so that no block grows with the square of the data. The block's key is
    -- the name, which no longer tells its holders apart: a holder's name group is its person (an unlinked
    -- driver is its own). Counted in distinct names, a common name held by ten times the drivers at ten
    -- times the data stayed one group, and its pairs grew a hundredfold (docs/identity.md, "Plans that
    -- stay linear"). What is left out is counted as NAME+DATE counts it: the blocks, and for each record's
    -- row in one of them the drivers it would have been paired with
    PERFORM 'PRAGMA:TABLE: identity_car_crowded (block text, pairs bigint)';
    CREATE TEMP TABLE identity_car_crowded ON COMMIT DROP AS
    SELECT c.block, pg_catalog.count(*) * pg_catalog.max(c.records) AS pairs
    FROM pg_temp.identity_car_holder AS c
    GROUP BY c.block
    HAVING pg_catalog.count(DISTINCT c.holder) > p_max_block;
    SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(c.pairs), 0) INTO v_blocks_out, v_pairs_out
    FROM pg_temp.identity_car_crowded AS c;
    DELETE FROM pg_temp.identity_car_holder AS h USING pg_temp.identity_car_crowded AS c WHERE h.block = c.block;
    ANALYZE pg_temp.identity_car_holder;

    -- A shared block is the whole name or all its tokens but one on each side (names are sets of distinct
    -- tokens), so two different names share one block K at most, have exactly |K| tokens in common and
    -- their similarity follows from the three sizes (canon.name_overlap_score); identical names
    -- share every block and keep them all (one may be crowded, not another). Pairs whose similarity is
    -- below p_threshold are never compared (their levels stay NULL, no stage reads them): left out at the
    -- join, before they are counted, deduplicated and written. Most pairs are two two-token names sharing
    -- one token (0.42), and their number grows with the square of the drivers per car and name
    -- (docs/identity.md, "Plans that stay linear"). The same sizes give the pair's similarity, which
    -- canon.name_similarity would compute again from the tokens (1 for the same name)
    WITH hits AS (
        SELECT DISTINCT t.node_id, h.driver_id, h.person_key, t.car_key,
               CASE WHEN t.name_tokens = h.name_tokens THEN 1.0000
                    ELSE canon.name_overlap_score(t.n_key, t.n_tokens, h.n_tokens) END AS similarity
        FROM pg_temp.identity_car_todo AS t
        JOIN pg_temp.identity_car_holder AS h ON h.block = t.block
        WHERE t.name_tokens = h.name_tokens  -- every block of the same name: its whole name may be crowded
           OR canon.name_overlap_score(t.n_key, t.n_tokens, h.n_tokens) >= p_threshold
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
    )
    -- same car and a similar name is weak evidence: it links only when the whole comparison (phones and
    -- plates that differ, dates far apart) still reaches p_link_threshold without a veto
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
          LEFT JOIN freq AS f ON f.name_key = h.name_key) AS x;

    DROP TABLE pg_temp.identity_car_todo, pg_temp.identity_car_holder, pg_temp.identity_car_crowded;
    RETURN pg_catalog.jsonb_build_object('pairs_left_out', v_pairs_out, 'blocks_left_out', v_blocks_out);
END;
$$;
COMMENT ON FUNCTION canon.identity_car_name(text, numeric, jsonb, numeric, integer) IS 'canon.identity_car_name(p_target text, p_threshold numeric, p_weights jsonb, p_link_threshold numeric, p_max_block integer) -> jsonb {pairs_left_out, blocks_left_out}: car + name candidate pairs into canon.identity_work_pair (step of canon.identity_block)';
