-- NAME+DATE pairs (docs/identity.md), a step of canon.identity_link_names after canon.identity_name_blocks.
-- A subject and a candidate record of a kept block at most p_days apart form a pair; the pairs counted
-- (made distinct) are those whose names pass the names test: the same three or more tokens, or one side's
-- two or more surnames each among the other's tokens exactly or as a token one letter longer or shorter
-- sharing its first or last letter. Of these, only the pairs whose names can reach a strong name level of
-- canon.compare_levels are compared field by field: the same three or more tokens (SAME_FULL_NAME), or,
-- neither SAME_TOKENS nor SUBSET, a given name found among the other's tokens up to a typo (or the two given
-- names one typo apart) and one side's surnames all found so (GIVEN_BOTH_SURNAMES), "up to a typo" read from
-- the tokens one typo apart over the distinct tokens of both sides (pg_temp.identity_name_near). The compared
-- pairs are weighed with p_weights (a full name held by f distinct persons weighs log2(f) bits less) and
-- checked for a veto (canon.pair_veto); the strong ones, the only ones NAME+DATE decides on, go to
-- pg_temp.identity_name_pair. Returns the number of pairs that passed the names test.
CREATE OR REPLACE FUNCTION canon.identity_name_pairs(p_weights jsonb, p_threshold numeric, p_days integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_pairs bigint;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_name_subject (node_id integer, source_table text, source_pk text, lead_date date, phone text, id_keys text[], plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, car_key text)';
    PERFORM 'PRAGMA:TABLE: identity_name_cand (source_table text, source_pk text, person_key uuid, lead_date date, name_tokens text[], surnames text[], given text, surname text, key text, bucket integer)';
    PERFORM 'PRAGMA:TABLE: identity_name_key (node_id integer, key text, bucket integer)';
    PERFORM 'PRAGMA:TABLE: identity_name_block (key text, bucket integer, kept boolean, records bigint)';
    PERFORM 'PRAGMA:TABLE: identity_name_record_variant (token text, variant text)';

    -- tokens one typo apart, a subject's and a candidate record's (canon.name_tokens_close, or a letter
    -- dropped from a three-letter token as canon.compare_levels allows between given names), found over the
    -- distinct tokens only: a shared canon.name_token_variants variant (a hash join; the records' tokens and
    -- variants are those of canon.identity_name_blocks), then the typo test.
    -- A subject's token (side 'S') reaches itself and the candidate records' tokens one typo from it, a
    -- record's token (side 'R') itself and the subjects' tokens one typo from it; a token with none is absent.
    PERFORM 'PRAGMA:TABLE: identity_name_near (token text, side text, reach text[])';
    CREATE TEMP TABLE identity_name_near ON COMMIT DROP AS
    WITH subject_variants AS MATERIALIZED (
        SELECT t.token, v.variant
        FROM (SELECT DISTINCT pg_catalog.unnest(n.name_tokens || n.surnames || n.name_given) AS token
              FROM pg_temp.identity_name_subject AS n) AS t
        CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
    ),
    close AS (
        SELECT DISTINCT s.token AS subject_token, r.token AS record_token
        FROM subject_variants AS s
        JOIN pg_temp.identity_name_record_variant AS r ON r.variant = s.variant AND r.token <> s.token
        WHERE canon.name_tokens_close(s.token, r.token)
           OR LEAST(pg_catalog.length(s.token), pg_catalog.length(r.token)) = 3
    )
    SELECT x.token, x.side, x.token || pg_catalog.array_agg(x.other) AS reach
    FROM (SELECT c.subject_token AS token, 'S' AS side, c.record_token AS other FROM close AS c
          UNION ALL
          SELECT c.record_token, 'R', c.subject_token FROM close AS c) AS x
    GROUP BY x.token, x.side;
    ANALYZE pg_temp.identity_name_near;

    -- per subject: its tokens as codes of (first letter, length within one) and (last letter, length within
    -- one), letter * 2^22 + 2 * length (+ 1 for the last letter): a candidate record's surname passes the
    -- names test against the subject's tokens when one of its own two codes is among them (an array
    -- operator per pair instead of a sub-query over the subject's tokens); and what its given name and its
    -- surnames reach (identity_name_near)
    -- (and each of two surnames' codes alone, against a record's tokens' codes: canon.name_token_codes);
    -- with the subject's columns the pairs below read, so that the pairs meet one subject table (joined
    -- with the subjects and then their reach, the pairs' wide rows were hashed into batches twice)
    PERFORM 'PRAGMA:TABLE: identity_name_reach (node_id integer, source_table text, source_pk text, lead_date date, name_tokens text[], surnames text[], codes bigint[], surname1_codes bigint[], surname2_codes bigint[], given_reach text[], surname1_reach text[], surname2_reach text[])';
    CREATE TEMP TABLE identity_name_reach ON COMMIT DROP AS
    WITH codes AS (
        SELECT n.node_id, pg_catalog.array_agg(x.code) FILTER (WHERE t.part = 0) AS codes,
               pg_catalog.array_agg(x.code) FILTER (WHERE t.part = 1) AS surname1_codes,
               pg_catalog.array_agg(x.code) FILTER (WHERE t.part = 2) AS surname2_codes
        FROM pg_temp.identity_name_subject AS n
        CROSS JOIN LATERAL (SELECT u.token, 0 FROM pg_catalog.unnest(n.name_tokens) AS u (token)
                            UNION ALL VALUES (n.surnames[1], 1), (n.surnames[2], 2)) AS t (token, part)
        CROSS JOIN LATERAL (VALUES (-1), (0), (1)) AS d (step)
        CROSS JOIN LATERAL (VALUES (pg_catalog.ascii(t.token)::bigint * 4194304 + 2 * (pg_catalog.length(t.token) + d.step)),
                                   (pg_catalog.ascii(pg_catalog.right(t.token, 1))::bigint * 4194304
                                    + 2 * (pg_catalog.length(t.token) + d.step) + 1)) AS x (code)
        GROUP BY n.node_id
    )
    SELECT n.node_id, n.source_table, n.source_pk, n.lead_date, n.name_tokens, n.surnames,
           e.codes, e.surname1_codes, e.surname2_codes, COALESCE(g.reach, ARRAY[n.name_given]) AS given_reach,
           COALESCE(s1.reach, n.surnames[1:1]) AS surname1_reach, COALESCE(s2.reach, n.surnames[2:2]) AS surname2_reach
    FROM pg_temp.identity_name_subject AS n
    LEFT JOIN codes AS e ON e.node_id = n.node_id
    LEFT JOIN pg_temp.identity_name_near AS g ON g.token = n.name_given AND g.side = 'S'
    LEFT JOIN pg_temp.identity_name_near AS s1 ON s1.token = n.surnames[1] AND s1.side = 'S'
    LEFT JOIN pg_temp.identity_name_near AS s2 ON s2.token = n.surnames[2] AND s2.side = 'S';
    ANALYZE pg_temp.identity_name_reach (node_id);  -- joined on it; its arrays only meet other columns

    -- the pairs and their names test: a table of its own, analyzed, so that the comparisons below are
    -- planned on its true size (estimated from the keys' join, it came out a few rows and was nested-looped).
    -- The names test runs on the join's rows (the record's surnames by their codes first, the subject's
    -- surnames against the record's tokens only when they fail), the pairs passing it are made distinct;
    -- "compared" says whether the pair can reach a strong name level (given name and surnames of each side
    -- looked up in identity_name_near; more than two surnames are passed on untested).
    PERFORM 'PRAGMA:TABLE: identity_name_hit (node_id integer, source_table text, source_pk text, person_key uuid, compared boolean)';
    CREATE TEMP TABLE identity_name_hit ON COMMIT DROP AS
    -- the candidate rows of the kept blocks the subjects' keys meet, each with its codes for the names test
    -- below, computed once per row rather than for each of its pairs (a full resolve at scale 100 tests
    -- 1.0 M pairs of 0.47 M rows: 6.7 s, 5.6 s so): its tokens' (canon.name_token_codes, names of up to six
    -- tokens) and each of its two surnames' (first letter with the length, last letter with the length)
    WITH cand AS MATERIALIZED (
        SELECT c.source_table, c.source_pk, c.person_key, c.lead_date, c.name_tokens, c.surnames, c.given,
               c.key, c.bucket,
               CASE WHEN pg_catalog.cardinality(c.name_tokens) <= 6 THEN canon.name_token_codes(c.name_tokens) END
                   AS codes,
               ARRAY[pg_catalog.ascii(c.surnames[1])::bigint * 4194304 + 2 * pg_catalog.length(c.surnames[1]),
                     pg_catalog.ascii(pg_catalog.right(c.surnames[1], 1))::bigint * 4194304
                     + 2 * pg_catalog.length(c.surnames[1]) + 1] AS surname1_codes,
               ARRAY[pg_catalog.ascii(c.surnames[2])::bigint * 4194304 + 2 * pg_catalog.length(c.surnames[2]),
                     pg_catalog.ascii(pg_catalog.right(c.surnames[2], 1))::bigint * 4194304
                     + 2 * pg_catalog.length(c.surnames[2]) + 1] AS surname2_codes
        FROM pg_temp.identity_name_cand AS c
        WHERE (c.key, c.bucket) IN (SELECT s.key, s.bucket
                                    FROM pg_temp.identity_name_key AS s
                                    JOIN pg_temp.identity_name_block AS b
                                      ON b.key = s.key AND b.bucket = s.bucket AND b.kept)
    )
    SELECT DISTINCT s.node_id, c.source_table, c.source_pk, c.person_key,
           CASE WHEN r.name_tokens = c.name_tokens THEN pg_catalog.cardinality(r.name_tokens) >= 3
                -- never strong: one side's two or more tokens all among the other's (SUBSET, or a veto level)
                WHEN LEAST(pg_catalog.cardinality(r.name_tokens), pg_catalog.cardinality(c.name_tokens)) >= 2
                     AND (r.name_tokens <@ c.name_tokens OR c.name_tokens <@ r.name_tokens) THEN false
                ELSE (CASE pg_catalog.cardinality(r.surnames)  -- the surnames first: the given name mostly agrees
                          WHEN 2 THEN r.surname1_reach && c.name_tokens AND r.surname2_reach && c.name_tokens
                          ELSE pg_catalog.cardinality(r.surnames) > 2 END
                      OR CASE pg_catalog.cardinality(c.surnames)
                          WHEN 2 THEN COALESCE(cs1.reach, c.surnames[1:1]) && r.name_tokens
                                      AND COALESCE(cs2.reach, c.surnames[2:2]) && r.name_tokens
                          ELSE pg_catalog.cardinality(c.surnames) > 2 END)
                     AND (r.given_reach && c.name_tokens OR c.given = ANY (r.given_reach)
                          OR COALESCE(cg.reach, ARRAY[c.given]) && r.name_tokens) END AS compared
    FROM pg_temp.identity_name_key AS s
    JOIN cand AS c ON c.key = s.key AND c.bucket = s.bucket
    JOIN pg_temp.identity_name_reach AS r ON r.node_id = s.node_id
    LEFT JOIN pg_temp.identity_name_near AS cg ON cg.token = c.given AND cg.side = 'R'
    LEFT JOIN pg_temp.identity_name_near AS cs1 ON cs1.token = c.surnames[1] AND cs1.side = 'R'
    LEFT JOIN pg_temp.identity_name_near AS cs2 ON cs2.token = c.surnames[2] AND cs2.side = 'R'
    WHERE abs(c.lead_date - r.lead_date) <= p_days
      AND (c.source_table, c.source_pk) IS DISTINCT FROM (r.source_table, r.source_pk)
      AND ((r.name_tokens = c.name_tokens AND pg_catalog.cardinality(r.name_tokens) >= 3)
           OR (pg_catalog.cardinality(c.surnames) >= 2
               AND CASE WHEN pg_catalog.cardinality(c.surnames) = 2 THEN  -- the codes (identity_name_reach)
                            c.surname1_codes && r.codes AND c.surname2_codes && r.codes
                        ELSE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.surnames) AS x (token)
                                         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(r.name_tokens) AS y (token)
                                                           WHERE y.token = x.token
                                                              OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                                  AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                                       OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))) END)
           OR (pg_catalog.cardinality(r.surnames) >= 2
               AND CASE WHEN pg_catalog.cardinality(r.surnames) = 2 AND pg_catalog.cardinality(c.name_tokens) <= 6 THEN
                            -- the codes (each surname's against the record's tokens'): no sub-query per pair
                            r.surname1_codes && c.codes AND r.surname2_codes && c.codes
                        ELSE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(r.surnames) AS x (token)
                                         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(c.name_tokens) AS y (token)
                                                           WHERE y.token = x.token
                                                              OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                                  AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                                       OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))) END));
    GET DIAGNOSTICS v_pairs = ROW_COUNT;
    ANALYZE pg_temp.identity_name_hit;

    PERFORM 'PRAGMA:TABLE: identity_name_pair (node_id integer, source_table text, source_pk text, person_key uuid, other_table text, other_pk text, levels text[], weight_milli bigint, veto text, strong boolean)';
    CREATE TEMP TABLE identity_name_pair ON COMMIT DROP AS
    WITH
    compared AS (
        SELECT h.node_id, n.source_table, n.source_pk, n.name_tokens, h.person_key, k.source_table AS other_table,
               k.source_pk AS other_pk,
               canon.compare_levels(n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames,
                                    n.two_surnames, n.lead_date, n.car_key, k.phone, k.id_keys, k.plate,
                                    k.name_tokens, k.name_given, k.surnames, k.two_surnames, k.lead_date,
                                    k.car_key, p_threshold) AS levels
        FROM pg_temp.identity_name_hit AS h
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = h.node_id
        JOIN canon.lead_keys AS k ON k.source_table = h.source_table AND k.source_pk = h.source_pk
        WHERE h.compared
        OFFSET 0  -- kept apart: pulled up, the comparison ran once per reference
    ),
    -- distinct persons holding the exact name of each subject with a SAME_FULL_NAME pair (the only level
    -- it weighs), found by the name key's index (every subject's name against every record and link
    -- was 4.6 s of a replay at scale 1000)
    freq AS (
        SELECT k.name_tokens, pg_catalog.count(DISTINCT l.person_key) AS persons
        FROM (SELECT DISTINCT pg_catalog.array_to_string(c.name_tokens, ' ') AS name_key
              FROM compared AS c
              WHERE c.levels[4] = 'SAME_FULL_NAME') AS x
        JOIN canon.lead_keys AS k ON k.name_key = x.name_key
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        GROUP BY k.name_tokens
    )
    SELECT c.node_id, c.source_table, c.source_pk, c.person_key, c.other_table, c.other_pk, c.levels,
           -- term frequency: a full name held by f distinct persons weighs log2(f) bits less
           canon.levels_weight(c.levels, p_weights)::bigint
             - CASE WHEN c.levels[4] = 'SAME_FULL_NAME' THEN canon.name_frequency_weight(f.persons) ELSE 0 END
             AS weight_milli,
           canon.pair_veto(c.levels) AS veto,
           c.levels[4] IN ('SAME_FULL_NAME', 'GIVEN_BOTH_SURNAMES') AS strong
    FROM compared AS c  -- with the subject's columns from its one join with the subjects
    LEFT JOIN freq AS f ON f.name_tokens = c.name_tokens;
    DELETE FROM pg_temp.identity_name_pair AS p WHERE NOT p.strong;  -- the decision reads strong pairs only
    ANALYZE pg_temp.identity_name_pair;  -- the veto check of the decision is planned from it
    DROP TABLE pg_temp.identity_name_hit;
    DROP TABLE pg_temp.identity_name_near;
    DROP TABLE pg_temp.identity_name_reach;
    RETURN v_pairs;
END;
$$;
COMMENT ON FUNCTION canon.identity_name_pairs(jsonb, numeric, integer) IS 'canon.identity_name_pairs(p_weights jsonb, p_threshold numeric, p_days integer) -> bigint pairs that passed the names test: NAME+DATE pairs that can reach a strong name level, compared and weighed, as a temporary table (step of canon.identity_link_names)';
