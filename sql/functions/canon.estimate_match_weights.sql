-- Re-estimate the comparison weights from this database's own records into a new version of
-- canon.match_weights (docs/identity.md); the highest version is the one identity uses from its next
-- run. Never called by a pipeline run: an operator calls it, and it waits for a running identity run.
--   u (share of a level among pairs of two humans): p_sample pairs of records drawn deterministically,
--     each record (ordered by md5 of its key) paired with the one half the list further on; the levels
--     whose share no sample can measure are counted exactly instead: the SAME and DIFFERENT levels of phone,
--     licence / DNI and plate over the pairs of records of two persons that both carry the field (an
--     unlinked record is a person of its own), and name SAME_FULL_NAME over persons: pairs of two
--     persons holding one full name (three or more tokens) over all pairs of named persons;
--   m (share among pairs of one human): pairs confirmed by an identifier other than the field estimated
--     (a shared licence / DNI key for phone, plate, name, date and car; a shared phone with the same
--     name tokens for the document field), at most p_sample of each, drawn by md5 order;
--   smoothing: one pseudo-pair per level; a field whose confirmed, sampled or counted pairs (MISSING and IGNORED
--     levels apart) number fewer than p_min_pairs keeps the previous version's values ('kept'). MISSING and IGNORED levels weigh 0.
--   prior: log2 odds that two records are one human, from the persons of canon.identity_links.
-- The same data gives the same weights (no random()). Returns {version, pairs: {random, document,
-- phone}, persons, same_full_name_pairs, identifier_pairs: {phone|document|plate: {same, pairs}},
-- prior_milli, kept: [fields]}.
CREATE OR REPLACE FUNCTION canon.estimate_match_weights(p_sample integer DEFAULT 20000, p_min_pairs integer DEFAULT 30)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off  -- the sample's estimated cost makes JIT compile for seconds (measured: 5.4 s of 6.8 s at scale 1)
AS $$
DECLARE
    v_threshold numeric := ops.get_setting('name_similarity_threshold')::numeric;
    v_previous integer;
    v_version integer;
    v_prior integer;
    v_counts jsonb;
    v_kept jsonb;
    v_records numeric;
    v_same_pairs numeric;
    v_persons numeric;
    v_full_name_pairs numeric;
    v_exact jsonb;
BEGIN
    IF p_sample IS NULL OR p_min_pairs IS NULL THEN
        RAISE EXCEPTION 'estimate_match_weights needs a sample size and a minimum count'
            USING ERRCODE = '22004', DETAIL = 'p_sample or p_min_pairs is NULL.',
                  HINT = 'Call it without arguments for the defaults: SELECT canon.estimate_match_weights();';
    END IF;
    IF p_sample < 100 OR p_min_pairs < 1 THEN
        RAISE EXCEPTION 'sample % or minimum % is too small', p_sample, p_min_pairs
            USING ERRCODE = '22023', DETAIL = 'Weights estimated from fewer than 100 pairs are noise.',
                  HINT = 'Use p_sample >= 100 and p_min_pairs >= 1.';
    END IF;
    -- never inside a run: wait for a running identity run, and keep runs out while estimating
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));
    SELECT pg_catalog.max(v.version) INTO v_previous FROM canon.match_weight_versions AS v;

    PERFORM 'PRAGMA:TABLE: estimate_pairs (kind text, levels text[])';
    CREATE TEMP TABLE estimate_pairs ON COMMIT DROP AS
    WITH recs AS MATERIALIZED (
        SELECT r.*, pg_catalog.row_number() OVER (ORDER BY pg_catalog.md5(r.source_table || ':' || r.source_pk), r.source_table, r.source_pk) AS rn,
               pg_catalog.count(*) OVER () AS n
        FROM canon.v_identity_records AS r
    ),
    random_pairs AS (
        SELECT a.*, b.phone AS b_phone, b.id_keys AS b_ids, b.plate AS b_plate, b.name_tokens AS b_tokens,
               b.given_name AS b_given, b.surnames AS b_surnames, b.two_surnames AS b_two,
               b.record_date AS b_date, b.car_key AS b_car
        FROM recs AS a
        JOIN recs AS b ON b.rn = a.rn + a.n / 2
        WHERE a.rn <= LEAST(a.n / 2, p_sample)
    ),
    keyed AS (
        SELECT r.source_table, r.source_pk, k.key FROM recs AS r
        CROSS JOIN LATERAL pg_catalog.unnest(r.id_keys) AS k (key)
    ),
    doc_pairs AS (
        SELECT DISTINCT ON (x.a_table, x.a_pk, x.b_table, x.b_pk) x.*
        FROM (SELECT a.source_table AS a_table, a.source_pk AS a_pk, b.source_table AS b_table, b.source_pk AS b_pk
              FROM keyed AS a
              JOIN keyed AS b ON b.key = a.key AND (b.source_table, b.source_pk) > (a.source_table, a.source_pk)) AS x
        ORDER BY x.a_table, x.a_pk, x.b_table, x.b_pk
    ),
    doc_sample AS (
        SELECT d.* FROM doc_pairs AS d
        ORDER BY pg_catalog.md5(d.a_table || ':' || d.a_pk || ':' || d.b_table || ':' || d.b_pk), d.a_table, d.a_pk, d.b_table, d.b_pk
        LIMIT p_sample
    ),
    phone_sample AS (
        SELECT a.source_table AS a_table, a.source_pk AS a_pk, b.source_table AS b_table, b.source_pk AS b_pk
        FROM recs AS a
        JOIN recs AS b
          ON b.phone = a.phone AND b.name_tokens = a.name_tokens AND (b.source_table, b.source_pk) > (a.source_table, a.source_pk)
        WHERE pg_catalog.cardinality(a.name_tokens) >= 2
        ORDER BY pg_catalog.md5(a.source_table || ':' || a.source_pk || ':' || b.source_table || ':' || b.source_pk), 1, 2, 3, 4
        LIMIT p_sample
    ),
    confirmed AS (
        SELECT 'document' AS kind, s.* FROM doc_sample AS s
        UNION ALL
        SELECT 'phone', s.* FROM phone_sample AS s
    )
    SELECT 'random' AS kind,
           canon.compare_levels(p.phone, p.id_keys, p.plate, p.name_tokens, p.given_name, p.surnames, p.two_surnames,
                                p.record_date, p.car_key, p.b_phone, p.b_ids, p.b_plate, p.b_tokens, p.b_given,
                                p.b_surnames, p.b_two, p.b_date, p.b_car, v_threshold) AS levels
    FROM random_pairs AS p
    UNION ALL
    SELECT c.kind,
           canon.compare_levels(a.phone, a.id_keys, a.plate, a.name_tokens, a.given_name, a.surnames, a.two_surnames,
                                a.record_date, a.car_key, b.phone, b.id_keys, b.plate, b.name_tokens, b.given_name,
                                b.surnames, b.two_surnames, b.record_date, b.car_key, v_threshold)
    FROM confirmed AS c
    JOIN recs AS a ON a.source_table = c.a_table AND a.source_pk = c.a_pk
    JOIN recs AS b ON b.source_table = c.b_table AND b.source_pk = c.b_pk;

    SELECT pg_catalog.jsonb_object_agg(x.kind, x.n) INTO v_counts
    FROM (SELECT k.kind, (SELECT pg_catalog.count(*) FROM pg_temp.estimate_pairs AS p WHERE p.kind = k.kind) AS n
          FROM (VALUES ('random'), ('document'), ('phone')) AS k (kind)) AS x;

    -- the prior: pairs of one human among all pairs of records, from the persons linked so far
    SELECT pg_catalog.count(*) INTO v_records FROM canon.v_identity_records AS r;
    SELECT COALESCE(pg_catalog.sum(g.n * (g.n - 1) / 2), 0) INTO v_same_pairs
    FROM (SELECT pg_catalog.count(*)::numeric AS n FROM canon.identity_links AS l GROUP BY l.person_key) AS g;
    IF v_records >= 2 AND v_same_pairs > 0 THEN
        v_prior := pg_catalog.round(1000 * pg_catalog.log(2.0, v_same_pairs / (v_records * (v_records - 1) / 2 - v_same_pairs)));
    ELSE
        SELECT v.prior_milli INTO v_prior FROM canon.match_weight_versions AS v WHERE v.version = v_previous;
    END IF;

    -- u of SAME_FULL_NAME over persons: a full name held by f distinct persons makes f (f - 1) / 2 pairs
    SELECT pg_catalog.count(DISTINCT r.person_key) INTO v_persons
    FROM canon.v_identity_records AS r
    WHERE r.person_key IS NOT NULL AND pg_catalog.cardinality(r.name_tokens) > 0;
    SELECT COALESCE(pg_catalog.sum(g.f * (g.f - 1) / 2), 0) INTO v_full_name_pairs
    FROM (SELECT pg_catalog.count(DISTINCT r.person_key)::numeric AS f
          FROM canon.v_identity_records AS r
          WHERE r.person_key IS NOT NULL AND pg_catalog.cardinality(r.name_tokens) >= 3
          GROUP BY r.name_tokens) AS g;

    -- u of the identifiers' SAME level (and DIFFERENT, the rest of the pairs carrying the field),
    -- counted: with a sample of p_sample pairs a value shared by two humans is never met once the
    -- records outnumber the sample several times, and the +1 smoothing then caps the weight near
    -- log2(m * p_sample) while the prior above keeps falling with the records (docs/identity.md,
    -- "Re-estimating the weights"). Counted from group sizes, never from pairs (a phone held by
    -- thousands of records is one group): pairs of two persons sharing a value = pairs sharing it -
    -- those inside one person. A record's licence / DNI keys share by any of them: inclusion-exclusion
    -- over the seven non-empty subsets of its at most three keys (a pair sharing a licence and the DNI
    -- in it counts once).
    PERFORM 'PRAGMA:TABLE: estimate_keys (field text, value text, sign integer, carrier boolean, grp text)';
    CREATE TEMP TABLE estimate_keys ON COMMIT DROP AS
    SELECT x.field, x.value, x.sign, x.carrier, r.grp
    FROM (SELECT COALESCE(r0.person_key::text, r0.source_table || ':' || r0.source_pk) AS grp,
                 r0.phone, r0.plate, r0.id_keys AS ids  -- at most three, sorted and distinct (canon.identity_index_*)
          FROM canon.v_identity_records AS r0) AS r
    CROSS JOIN LATERAL (VALUES ('phone', r.phone, 1, true), ('plate', r.plate, 1, true),
                               ('document', r.ids[1], 1, true), ('document', r.ids[2], 1, false),
                               ('document', r.ids[3], 1, false),
                               ('document', r.ids[1] || ' ' || r.ids[2], -1, false),
                               ('document', r.ids[1] || ' ' || r.ids[3], -1, false),
                               ('document', r.ids[2] || ' ' || r.ids[3], -1, false),
                               ('document', r.ids[1] || ' ' || r.ids[2] || ' ' || r.ids[3], 1, false))
                        AS x (field, value, sign, carrier)
    WHERE x.value IS NOT NULL;
    WITH carriers AS (  -- records carrying the field, per person
        SELECT k.field, pg_catalog.count(*)::numeric AS n
        FROM pg_temp.estimate_keys AS k WHERE k.carrier GROUP BY k.field, k.grp
    ),
    pairs AS (  -- pairs of records of two persons both carrying the field
        SELECT c.field, pg_catalog.sum(c.n) * (pg_catalog.sum(c.n) - 1) / 2 - pg_catalog.sum(c.n * (c.n - 1) / 2) AS n
        FROM carriers AS c GROUP BY c.field
    ),
    by_person AS (  -- records holding a value (or a set of licence / DNI keys), per person
        SELECT k.field, k.value, k.sign, pg_catalog.count(*)::numeric AS n
        FROM pg_temp.estimate_keys AS k GROUP BY k.field, k.value, k.sign, k.grp
    ),
    shared AS (  -- pairs of records of two persons sharing a value: all pairs holding it - those in one person
        SELECT v.field, pg_catalog.sum(v.sign * (v.n * (v.n - 1) / 2 - v.within)) AS n
        FROM (SELECT g.field, g.sign, pg_catalog.sum(g.n) AS n, pg_catalog.sum(g.n * (g.n - 1) / 2) AS within
              FROM by_person AS g GROUP BY g.field, g.value, g.sign) AS v
        GROUP BY v.field
    )
    SELECT pg_catalog.jsonb_object_agg(p.field, pg_catalog.jsonb_build_object('same', COALESCE(s.n, 0)::bigint, 'pairs', p.n::bigint))
    INTO v_exact
    FROM pairs AS p LEFT JOIN shared AS s ON s.field = p.field;
    DROP TABLE pg_temp.estimate_keys;

    v_version := v_previous + 1;
    INSERT INTO canon.match_weight_versions (version, method, prior_milli, details, note)
    VALUES (v_version, 'estimated', v_prior, pg_catalog.jsonb_build_object('pairs', v_counts, 'sample', p_sample,
                                                                            'min_pairs', p_min_pairs, 'persons', v_persons::bigint,
                                                                            'same_full_name_pairs', v_full_name_pairs::bigint,
                                                                            'identifier_pairs', COALESCE(v_exact, '{}'::jsonb)),
            'canon.estimate_match_weights()');

    WITH fields AS (
        SELECT f.field, f.n, f.m_kind FROM (VALUES ('phone', 1, 'document'), ('document', 2, 'phone'),
            ('plate', 3, 'document'), ('name', 4, 'document'), ('date', 5, 'document'), ('car', 6, 'document')) AS f (field, n, m_kind)
    ),
    levels AS (  -- every level of the previous version, with the pair counts of this sample
        SELECT w.field, w.level, w.level_order, w.m AS old_m, w.u AS old_u, w.weight_milli AS old_weight, f.m_kind,
               (SELECT pg_catalog.count(*) FROM pg_temp.estimate_pairs AS p WHERE p.kind = f.m_kind AND p.levels[f.n] = w.level) AS m_hits,
               (SELECT pg_catalog.count(*) FROM pg_temp.estimate_pairs AS p WHERE p.kind = f.m_kind AND p.levels[f.n] NOT IN ('MISSING', 'IGNORED')) AS m_total,
               (SELECT pg_catalog.count(*) FROM pg_temp.estimate_pairs AS p WHERE p.kind = 'random' AND p.levels[f.n] = w.level) AS u_hits,
               (SELECT pg_catalog.count(*) FROM pg_temp.estimate_pairs AS p WHERE p.kind = 'random' AND p.levels[f.n] NOT IN ('MISSING', 'IGNORED')) AS u_total,
               pg_catalog.count(*) FILTER (WHERE w.level NOT IN ('MISSING', 'IGNORED')) OVER (PARTITION BY w.field) AS k
        FROM canon.match_weights AS w
        JOIN fields AS f ON f.field = w.field
        WHERE w.version = v_previous
    ),
    counted AS (  -- the identifiers' SAME / DIFFERENT and SAME_FULL_NAME: u counted instead of sampled
        SELECT l.field, l.level, l.level_order, l.old_m, l.old_u, l.old_weight, l.m_kind, l.m_hits, l.m_total, l.k,
               CASE WHEN b.by_persons THEN v_full_name_pairs
                    WHEN x.pairs > 0 AND l.level = 'SAME' THEN x.same
                    WHEN x.pairs > 0 AND l.level = 'DIFFERENT' THEN x.pairs - x.same
                    ELSE l.u_hits END AS u_hits,
               CASE WHEN b.by_persons THEN v_persons * (v_persons - 1) / 2
                    WHEN x.pairs > 0 AND l.level IN ('SAME', 'DIFFERENT') THEN x.pairs
                    ELSE l.u_total END AS u_total
        FROM levels AS l
        CROSS JOIN LATERAL (SELECT l.field = 'name' AND l.level = 'SAME_FULL_NAME' AND v_persons >= 2 AS by_persons) AS b
        LEFT JOIN LATERAL (SELECT (v_exact -> l.field ->> 'same')::numeric AS same,
                                  (v_exact -> l.field ->> 'pairs')::numeric AS pairs) AS x ON true
    ),
    estimated AS (
        SELECT l.*, (l.m_hits + 1)::numeric / (l.m_total + l.k) AS m, (l.u_hits + 1)::numeric / (l.u_total + l.k) AS u,
               l.m_total < p_min_pairs OR l.u_total < p_min_pairs AS few
        FROM counted AS l
    )
    INSERT INTO canon.match_weights (version, field, level, level_order, m, u, weight_milli, pairs, source)
    SELECT v_version, e.field, e.level, e.level_order,
           CASE WHEN e.level IN ('MISSING', 'IGNORED') THEN 1 WHEN e.few THEN e.old_m ELSE pg_catalog.round(e.m, 6) END,
           CASE WHEN e.level IN ('MISSING', 'IGNORED') THEN 1 WHEN e.few THEN e.old_u ELSE pg_catalog.round(e.u, 9) END,
           CASE WHEN e.level IN ('MISSING', 'IGNORED') THEN 0
                WHEN e.few THEN e.old_weight
                ELSE pg_catalog.round(1000 * pg_catalog.log(2.0, e.m / e.u))::integer END,
           e.m_total,
           CASE WHEN e.level NOT IN ('MISSING', 'IGNORED') AND e.few THEN 'kept' ELSE 'estimated' END
    FROM estimated AS e;

    DROP TABLE pg_temp.estimate_pairs;
    SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT w.field), '[]'::jsonb) INTO v_kept
    FROM canon.match_weights AS w WHERE w.version = v_version AND w.source = 'kept';
    RETURN pg_catalog.jsonb_build_object('version', v_version, 'pairs', v_counts, 'persons', v_persons::bigint,
                                         'same_full_name_pairs', v_full_name_pairs::bigint,
                                         'identifier_pairs', COALESCE(v_exact, '{}'::jsonb), 'prior_milli', v_prior,
                                         'kept', v_kept);
END;
$$;
COMMENT ON FUNCTION canon.estimate_match_weights(integer, integer) IS 'canon.estimate_match_weights(p_sample integer DEFAULT 20000, p_min_pairs integer DEFAULT 30) -> jsonb {version, pairs, persons, same_full_name_pairs, identifier_pairs, prior_milli, kept}: re-estimate m, u and the prior into a new weights version';
