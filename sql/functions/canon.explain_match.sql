-- Operator: why is a record (not) one person with others (docs/identity.md). One row per compared field
-- (item 'comparison': field, level, weight in bits) of the record's best pair with its person (or, when
-- unlinked, with its best candidate person), then the prior, the total, the probability, the veto if
-- any, the runner-up person, and the link as stored ('link': match_rule and the probability it was
-- linked with; a link made by the first design's rules says it carries no comparisons of its own; an
-- unlinked record names its queue reason). Candidates are the persons holding a record
-- that shares a phone, a licence / DNI key, a plate, or the given name and a surname with this record.
-- Weights: canon.v_match_weights (the version in use and the operator's overrides).
CREATE OR REPLACE FUNCTION canon.explain_match(p_source_table text, p_source_pk text)
RETURNS TABLE (item text, field text, level text, weight_bits numeric, detail text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_threshold numeric := ops.get_setting('name_similarity_threshold')::numeric;
    v_prior integer;
    v_rec record;
    v_best record;
    v_second record;
    v_link record;
BEGIN
    IF p_source_table IS NULL OR p_source_pk IS NULL THEN
        RAISE EXCEPTION 'explain_match needs a source_table and a source_pk'
            USING ERRCODE = '22004',
                  DETAIL = 'p_source_table or p_source_pk is NULL.',
                  HINT = 'Pass the record, e.g. SELECT * FROM canon.explain_match(''module_ct_scouting_daily'', ''123'');';
    END IF;
    IF p_source_table NOT IN ('module_ct_cabinet_leads', 'module_ct_scouting_daily', 'module_ct_migrations', 'drivers') THEN
        RAISE EXCEPTION 'unknown source_table %', p_source_table
            USING ERRCODE = '22023',
                  DETAIL = 'Identity resolves the three lead sources and drivers.',
                  HINT = 'Use module_ct_cabinet_leads, module_ct_scouting_daily, module_ct_migrations or drivers.';
    END IF;
    SELECT r.* INTO v_rec FROM canon.v_identity_records AS r
    WHERE r.source_table = p_source_table AND r.source_pk = p_source_pk;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'record %/% is not known to identity', p_source_table, p_source_pk
            USING ERRCODE = '22023',
                  DETAIL = 'Neither canon.lead_keys nor canon.drivers_index holds it: it was never resolved, or it is rejected.',
                  HINT = 'Run canon.run_identity over its lead date, or check observational.v_source_leads.reject_reason.';
    END IF;
    SELECT pg_catalog.min(w.prior_milli) INTO v_prior FROM canon.v_match_weights AS w;

    -- candidates: the records of persons sharing a blocking key with this record, or of its own person
    PERFORM 'PRAGMA:TABLE: explain_pairs (person_key uuid, source_table text, source_pk text, levels text[], total_milli bigint, veto text, own boolean)';
    CREATE TEMP TABLE IF NOT EXISTS explain_pairs (person_key uuid, source_table text, source_pk text,
        levels text[], total_milli bigint, veto text, own boolean) ON COMMIT DROP;
    TRUNCATE pg_temp.explain_pairs;
    INSERT INTO pg_temp.explain_pairs (person_key, source_table, source_pk, levels, own)
    SELECT c.person_key, c.source_table, c.source_pk,
           canon.compare_levels(v_rec.phone, v_rec.id_keys, v_rec.plate, v_rec.name_tokens, v_rec.given_name,
                                v_rec.surnames, v_rec.two_surnames, v_rec.record_date, v_rec.car_key,
                                c.phone, c.id_keys, c.plate, c.name_tokens, c.given_name, c.surnames,
                                c.two_surnames, c.record_date, c.car_key, v_threshold),
           c.person_key IS NOT DISTINCT FROM v_rec.person_key
    FROM canon.v_identity_records AS c
    WHERE c.person_key IS NOT NULL
      AND (c.source_table, c.source_pk) <> (p_source_table, p_source_pk)
      AND (c.person_key = v_rec.person_key OR c.phone = v_rec.phone OR c.id_keys && v_rec.id_keys
           OR c.plate = v_rec.plate
           OR (c.given_name = v_rec.given_name AND c.surnames && v_rec.surnames));
    UPDATE pg_temp.explain_pairs AS p
    SET total_milli = (SELECT pg_catalog.sum(COALESCE(w.weight_milli, 0))
                       FROM ROWS FROM (pg_catalog.unnest(ARRAY['phone', 'document', 'plate', 'name', 'date', 'car']),
                                      pg_catalog.unnest(p.levels)) AS x (f, l)
                       LEFT JOIN canon.v_match_weights AS w ON w.field = x.f AND w.level = x.l),
        veto = canon.pair_veto(p.levels);

    -- the best pair of each person; the record's own person first, then by weight (total order)
    SELECT p.* INTO v_best FROM pg_temp.explain_pairs AS p
    ORDER BY p.own DESC, p.total_milli DESC, p.person_key, p.source_table, p.source_pk LIMIT 1;
    SELECT p.* INTO v_second FROM pg_temp.explain_pairs AS p
    WHERE p.person_key IS DISTINCT FROM v_best.person_key
    ORDER BY p.total_milli DESC, p.person_key, p.source_table, p.source_pk LIMIT 1;

    IF v_best.person_key IS NOT NULL THEN
        RETURN QUERY
        SELECT 'comparison'::text, x.f, x.l, pg_catalog.round(COALESCE(w.weight_milli, 0) / 1000.0, 3),
               CASE WHEN x.n = 1 THEN pg_catalog.format('with %s/%s of person %s', v_best.source_table,
                                                        v_best.source_pk, v_best.person_key) END
        FROM ROWS FROM (pg_catalog.unnest(ARRAY['phone', 'document', 'plate', 'name', 'date', 'car']),
                        pg_catalog.unnest(v_best.levels)) WITH ORDINALITY AS x (f, l, n)
        LEFT JOIN canon.v_match_weights AS w ON w.field = x.f AND w.level = x.l
        ORDER BY x.n;
    END IF;
    RETURN QUERY SELECT 'prior'::text, NULL::text, NULL::text, pg_catalog.round(v_prior / 1000.0, 3),
                        'log2 of the prior odds (weights version in use)'::text;
    RETURN QUERY SELECT 'total'::text, NULL::text, NULL::text,
                        pg_catalog.round((v_prior + v_best.total_milli) / 1000.0, 3), 'prior + weights, in bits'::text;
    RETURN QUERY SELECT 'probability'::text, NULL::text, NULL::text,
                        canon.match_probability(v_best.total_milli, v_prior),
                        CASE WHEN v_best.person_key IS NULL THEN 'no candidate person' END;
    RETURN QUERY SELECT 'veto'::text, NULL::text, v_best.veto, NULL::numeric,
                        CASE WHEN v_best.veto IS NULL THEN 'none' ELSE 'a vetoed pair never links automatically' END;
    RETURN QUERY SELECT 'runner_up'::text, NULL::text, NULL::text,
                        canon.match_probability(v_second.total_milli, v_prior),
                        CASE WHEN v_second.person_key IS NULL THEN 'no other candidate person'
                             ELSE pg_catalog.format('person %s (via %s/%s)%s', v_second.person_key, v_second.source_table,
                                                    v_second.source_pk, ', veto ' || v_second.veto) END;
    -- the link as stored: a decision by probability keeps the probability it was linked with; a legacy
    -- rule of the first design (R1_.. to R4_..) has none; an unlinked record shows its queue reason
    SELECT l.match_probability, l.confidence_level, u.reason_code INTO v_link
    FROM (SELECT 1) AS one
    LEFT JOIN canon.identity_links AS l ON l.source_table = p_source_table AND l.source_pk = p_source_pk
    LEFT JOIN canon.identity_unmatched AS u ON u.source_table = p_source_table AND u.source_pk = p_source_pk;
    RETURN QUERY SELECT 'link'::text, NULL::text, v_rec.match_rule, v_link.match_probability,
                        CASE WHEN v_rec.person_key IS NULL
                             THEN 'not linked' || COALESCE('; queued ' || v_link.reason_code, '')
                             WHEN v_rec.match_rule ~ '^R[0-9]'
                             THEN pg_catalog.format('person %s; a legacy link of the first design''s rules: it carries no comparisons of its own, those above are computed now', v_rec.person_key)
                             WHEN v_link.match_probability IS NOT NULL
                             THEN pg_catalog.format('person %s; linked at probability %s (confidence %s); match_rule names the strongest agreeing evidence; the comparisons above are computed now',
                                                    v_rec.person_key, v_link.match_probability, v_link.confidence_level)
                             ELSE pg_catalog.format('person %s (confidence %s)', v_rec.person_key, v_link.confidence_level) END;
END;
$$;
COMMENT ON FUNCTION canon.explain_match(text, text) IS 'canon.explain_match(p_source_table text, p_source_pk text) -> SETOF (item, field, level, weight_bits, detail): the comparisons of a record''s best pair with its person, then prior, total, probability, veto, runner-up and the stored link';
