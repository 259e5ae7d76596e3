-- NAME+DATE writes (docs/identity.md), the last step of canon.identity_link_names: from the ranked
-- persons in pg_temp.identity_name_decision, the decision LINK becomes a NAME+DATE link (and the record
-- leaves the queue); NEEDS_REVIEW and MULTIPLE_CANDIDATES queue the record with its first five candidates
-- (person and source keys, probabilities; never an identifier). Queue rows an operator closed stay as they
-- are. Returns {linked, needs_review, multiple_candidates}.
CREATE OR REPLACE FUNCTION canon.identity_name_write(p_run_id bigint, p_link_threshold numeric)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_high numeric := ops.get_setting('high_confidence_threshold')::numeric;
    v_linked bigint;
    v_review bigint;
    v_multiple bigint;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_name_decision (node_id integer, source_table text, source_pk text, person_key uuid, best bigint, second bigint, probability numeric, other_table text, other_pk text, rn bigint, decision text)';
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
    RETURN pg_catalog.jsonb_build_object('linked', v_linked, 'needs_review', v_review, 'multiple_candidates', v_multiple);
END;
$$;
COMMENT ON FUNCTION canon.identity_name_write(bigint, numeric) IS 'canon.identity_name_write(p_run_id bigint, p_link_threshold numeric) -> jsonb {linked, needs_review, multiple_candidates}: NAME+DATE links and queue rows from the ranked persons (step of canon.identity_link_names)';
