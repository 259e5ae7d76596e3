-- Operator: decide again, in bulk, the links one rule made (docs/identity.md), e.g. the first design's
-- R4_CAR_NAME on an upgraded database. Each such record is compared with every record of its person
-- that the rule did not link, or, when the rule linked all of them (a lead and the driver that joined
-- it), with the others (canon.compare_levels, the weights in use); its best pair decides, and a veto
-- against any of them counts:
--   no veto and probability >= link_threshold (or no other record to compare with): the link stays, with
--     that probability in match_probability;
--   otherwise the record leaves its person: the link is deleted, its lead event loses the person, the
--     person's ledger row is dropped (the next populate recomputes it), a lead record is queued
--     NEEDS_REVIEW with the old person as ranked candidate (a driver row is never queued), and
--     canon.identity_link_history keeps the record, the old person, the rule and the note (UNLINK).
-- Returns {rule, links, kept, unlinked, queued}.
CREATE OR REPLACE FUNCTION canon.relink_by_rule(p_match_rule text, p_note text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    v_threshold numeric := ops.get_setting('name_similarity_threshold')::numeric;
    v_link numeric := ops.get_setting('link_threshold')::numeric;
    v_weights jsonb := canon.match_weight_map();
    v_links bigint;
    v_unlinked bigint;
    v_queued bigint;
BEGIN
    IF p_match_rule IS NULL THEN
        RAISE EXCEPTION 'relink_by_rule needs a match_rule'
            USING ERRCODE = '22004', DETAIL = 'p_match_rule is NULL.',
                  HINT = 'List the rules with SELECT match_rule, count(*) FROM canon.identity_links GROUP BY 1;';
    END IF;
    IF p_match_rule IN ('MANUAL', 'DRIVER_DIRECT') THEN
        RAISE EXCEPTION 'links of rule % are not decided again', p_match_rule
            USING ERRCODE = '22023',
                  DETAIL = 'MANUAL links are an operator''s decision and DRIVER_DIRECT links name their driver.',
                  HINT = 'Use canon.split_record for a single record.';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));

    PERFORM 'PRAGMA:TABLE: relink_decision (source_table text, source_pk text, person_key uuid, weight_milli integer, veto text, probability numeric, keep boolean)';
    CREATE TEMP TABLE relink_decision ON COMMIT DROP AS
    WITH todo AS MATERIALIZED (  -- anchored: the person holds a record the rule did not link
        SELECT r.*, EXISTS (SELECT 1 FROM canon.identity_links AS a
                            WHERE a.person_key = r.person_key AND a.match_rule IS DISTINCT FROM p_match_rule) AS anchored
        FROM canon.v_identity_records AS r WHERE r.match_rule = p_match_rule
    ),
    pairs AS (
        SELECT t.source_table, t.source_pk, t.person_key, x.levels, canon.levels_weight(x.levels, v_weights) AS weight_milli,
               canon.pair_veto(x.levels) AS veto, o.source_table AS other_table, o.source_pk AS other_pk
        FROM todo AS t
        JOIN canon.v_identity_records AS o
          ON o.person_key = t.person_key AND (o.source_table, o.source_pk) <> (t.source_table, t.source_pk)
         AND (o.match_rule IS DISTINCT FROM p_match_rule OR NOT t.anchored)
        CROSS JOIN LATERAL (SELECT canon.compare_levels(
                 t.phone, t.id_keys, t.plate, t.name_tokens, t.given_name, t.surnames, t.two_surnames, t.record_date, t.car_key,
                 o.phone, o.id_keys, o.plate, o.name_tokens, o.given_name, o.surnames, o.two_surnames, o.record_date, o.car_key,
                 v_threshold) AS levels OFFSET 0) AS x
    ),
    best AS (  -- the best pair of each record: a veto anywhere in its person counts against it
        SELECT DISTINCT ON (p.source_table, p.source_pk) p.source_table, p.source_pk, p.person_key, p.weight_milli,
               pg_catalog.min(p.veto) OVER (PARTITION BY p.source_table, p.source_pk) AS veto
        FROM pairs AS p
        ORDER BY p.source_table, p.source_pk, p.weight_milli DESC, p.other_table, p.other_pk
    )
    SELECT t.source_table, t.source_pk, t.person_key, b.weight_milli, b.veto,
           canon.match_probability(b.weight_milli, (v_weights ->> 'prior')::bigint) AS probability,
           b.source_pk IS NULL
           OR (b.veto IS NULL AND canon.match_probability(b.weight_milli, (v_weights ->> 'prior')::bigint) >= v_link) AS keep
    FROM todo AS t
    LEFT JOIN best AS b ON b.source_table = t.source_table AND b.source_pk = t.source_pk;
    SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE NOT d.keep) INTO v_links, v_unlinked
    FROM pg_temp.relink_decision AS d;

    UPDATE canon.identity_links AS l SET match_probability = d.probability
    FROM pg_temp.relink_decision AS d
    WHERE d.keep AND d.probability IS NOT NULL AND l.source_table = d.source_table AND l.source_pk = d.source_pk
      AND l.match_probability IS DISTINCT FROM d.probability;
    INSERT INTO canon.identity_link_history (source_table, source_pk, action, old_person_key, old_match_rule, note)
    SELECT d.source_table, d.source_pk, 'UNLINK', d.person_key, p_match_rule, p_note
    FROM pg_temp.relink_decision AS d WHERE NOT d.keep;
    DELETE FROM canon.identity_links AS l
    USING pg_temp.relink_decision AS d
    WHERE NOT d.keep AND l.source_table = d.source_table AND l.source_pk = d.source_pk;
    UPDATE observational.lead_events AS e SET person_key = NULL, updated_at = pg_catalog.now()
    FROM pg_temp.relink_decision AS d
    WHERE NOT d.keep AND e.source_table = d.source_table AND e.source_pk = d.source_pk;
    DELETE FROM observational.lead_ledger AS g
    USING pg_temp.relink_decision AS d
    WHERE NOT d.keep AND g.person_key = d.person_key;
    INSERT INTO canon.identity_unmatched AS u (source_table, source_pk, reason_code, details, candidates)
    SELECT d.source_table, d.source_pk, 'NEEDS_REVIEW',
           pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('relinked_rule', p_match_rule, 'veto', d.veto)),
           pg_catalog.jsonb_build_array(pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
               'person_key', d.person_key, 'probability', d.probability, 'veto', d.veto)))
    FROM pg_temp.relink_decision AS d
    WHERE NOT d.keep AND d.source_table <> 'drivers'
    ON CONFLICT (source_table, source_pk) DO UPDATE
    SET reason_code = EXCLUDED.reason_code, details = EXCLUDED.details, candidates = EXCLUDED.candidates,
        status = 'OPEN', resolved_at = NULL;
    GET DIAGNOSTICS v_queued = ROW_COUNT;
    DROP TABLE pg_temp.relink_decision;
    RETURN pg_catalog.jsonb_build_object('rule', p_match_rule, 'links', v_links, 'kept', v_links - v_unlinked,
                                         'unlinked', v_unlinked, 'queued', v_queued);
END;
$$;
COMMENT ON FUNCTION canon.relink_by_rule(text, text) IS 'canon.relink_by_rule(p_match_rule text, p_note text) -> jsonb {rule, links, kept, unlinked, queued}: decide again the links one rule made; unlinked records are queued NEEDS_REVIEW, with history';
