-- NAME+DATE pairs (docs/identity.md), a step of canon.identity_link_names after canon.identity_name_blocks.
-- A subject and a candidate record of a kept block at most p_days apart form a pair; a pair is compared when
-- its names can reach a strong name level: the same three or more tokens, or one side's two or more
-- surnames each among the other's tokens exactly or as a token one letter longer or shorter sharing its
-- first or last letter (a superset of canon.compare_levels' SAME_FULL_NAME and GIVEN_BOTH_SURNAMES).
-- The pairs are made distinct before that names test. Only the compared pairs that can be strong (not
-- SAME_TOKENS, not one side's tokens all among the other's) are compared field by field (canon.compare_levels),
-- weighed with p_weights (a full name held by f distinct persons weighs log2(f) bits less) and checked for
-- a veto (canon.pair_veto); the strong ones, the only ones NAME+DATE decides on, go to pg_temp.identity_name_pair.
-- Returns the number of pairs compared (the names test passed).
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

    -- the compared pairs: a table of its own, analyzed, so that the comparisons below are planned on its
    -- true size (estimated from the keys' join, it came out a few rows and was nested-looped). The pairs
    -- are made distinct first, the names test then runs once per pair.
    PERFORM 'PRAGMA:TABLE: identity_name_hit (node_id integer, source_table text, source_pk text, person_key uuid, name_tokens text[])';
    CREATE TEMP TABLE identity_name_hit ON COMMIT DROP AS
    SELECT h.node_id, h.source_table, h.source_pk, h.person_key, h.name_tokens
    FROM (SELECT DISTINCT s.node_id, c.source_table, c.source_pk, c.person_key, c.name_tokens, c.surnames
          FROM pg_temp.identity_name_key AS s
          JOIN pg_temp.identity_name_block AS b ON b.key = s.key AND b.bucket = s.bucket AND b.kept
          JOIN pg_temp.identity_name_cand AS c ON c.key = s.key AND c.bucket = s.bucket
          JOIN pg_temp.identity_name_subject AS n ON n.node_id = s.node_id
          WHERE abs(c.lead_date - n.lead_date) <= p_days
            AND (c.source_table, c.source_pk) IS DISTINCT FROM (n.source_table, n.source_pk)) AS h
    JOIN pg_temp.identity_name_subject AS n ON n.node_id = h.node_id
    WHERE (n.name_tokens = h.name_tokens AND pg_catalog.cardinality(n.name_tokens) >= 3)
       OR (pg_catalog.cardinality(n.surnames) >= 2
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(n.surnames) AS x (token)
                           WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(h.name_tokens) AS y (token)
                                             WHERE y.token = x.token
                                                OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                    AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                         OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))))
       OR (pg_catalog.cardinality(h.surnames) >= 2
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(h.surnames) AS x (token)
                           WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(n.name_tokens) AS y (token)
                                             WHERE y.token = x.token
                                                OR (abs(pg_catalog.length(y.token) - pg_catalog.length(x.token)) <= 1
                                                    AND (pg_catalog.left(y.token, 1) = pg_catalog.left(x.token, 1)
                                                         OR pg_catalog.right(y.token, 1) = pg_catalog.right(x.token, 1))))));
    GET DIAGNOSTICS v_pairs = ROW_COUNT;
    ANALYZE pg_temp.identity_name_hit;

    PERFORM 'PRAGMA:TABLE: identity_name_pair (node_id integer, source_table text, source_pk text, person_key uuid, other_table text, other_pk text, levels text[], weight_milli bigint, veto text, strong boolean)';
    CREATE TEMP TABLE identity_name_pair ON COMMIT DROP AS
    WITH
    compared AS (
        SELECT h.node_id, h.person_key, k.source_table AS other_table, k.source_pk AS other_pk,
               canon.compare_levels(n.phone, n.id_keys, n.plate, n.name_tokens, n.name_given, n.surnames,
                                    n.two_surnames, n.lead_date, n.car_key, k.phone, k.id_keys, k.plate,
                                    k.name_tokens, k.name_given, k.surnames, k.two_surnames, k.lead_date,
                                    k.car_key, p_threshold) AS levels
        FROM pg_temp.identity_name_hit AS h
        JOIN pg_temp.identity_name_subject AS n ON n.node_id = h.node_id
        JOIN canon.lead_keys AS k ON k.source_table = h.source_table AND k.source_pk = h.source_pk
        -- never strong (canon.compare_levels): equal tokens under three (SAME_TOKENS), or one side's two or
        -- more tokens all among the other's (SUBSET, or a veto level tested before it)
        WHERE CASE WHEN n.name_tokens = h.name_tokens THEN pg_catalog.cardinality(n.name_tokens) >= 3
                   ELSE NOT (LEAST(pg_catalog.cardinality(n.name_tokens), pg_catalog.cardinality(h.name_tokens)) >= 2
                             AND (n.name_tokens <@ h.name_tokens OR h.name_tokens <@ n.name_tokens)) END
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
    DELETE FROM pg_temp.identity_name_pair AS p WHERE NOT p.strong;  -- the decision reads strong pairs only
    ANALYZE pg_temp.identity_name_pair;  -- the veto check of the decision is planned from it
    DROP TABLE pg_temp.identity_name_hit;
    RETURN v_pairs;
END;
$$;
COMMENT ON FUNCTION canon.identity_name_pairs(jsonb, numeric, integer) IS 'canon.identity_name_pairs(p_weights jsonb, p_threshold numeric, p_days integer) -> bigint pairs compared: NAME+DATE pairs of a strong name level, compared and weighed, as a temporary table (step of canon.identity_link_names)';
