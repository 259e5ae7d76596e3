-- Operator: a record leaves its person for a new person of its own (docs/identity.md). The link moves
-- (match_rule MANUAL, score 100, HIGH), the record's lead event follows, both persons' ledger rows are
-- dropped (the next populate recomputes them), and canon.identity_link_history keeps the old person,
-- the old rule and the note. Returns the new person_key. A driver row can be split too.
CREATE OR REPLACE FUNCTION canon.split_record(p_source_table text, p_source_pk text, p_note text)
RETURNS uuid
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_old uuid;
    v_rule text;
    v_new uuid := pg_catalog.gen_random_uuid();
BEGIN
    IF p_source_table IS NULL OR p_source_pk IS NULL THEN
        RAISE EXCEPTION 'split_record needs a source_table and a source_pk'
            USING ERRCODE = '22004',
                  DETAIL = 'p_source_table or p_source_pk is NULL.',
                  HINT = 'Pass the linked record, e.g. SELECT canon.split_record(''module_ct_scouting_daily'', ''123'', ''not the same driver'');';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));
    SELECT l.person_key, l.match_rule INTO v_old, v_rule
    FROM canon.identity_links AS l
    WHERE l.source_table = p_source_table AND l.source_pk = p_source_pk
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'record %/% is not linked', p_source_table, p_source_pk
            USING ERRCODE = '22023',
                  DETAIL = 'canon.identity_links holds no person for this record: there is nothing to split off.',
                  HINT = 'Find linked records with SELECT source_table, source_pk FROM canon.identity_links WHERE person_key = ...;';
    END IF;

    INSERT INTO canon.identity_registry (person_key, primary_phone, primary_license, primary_document,
                                         primary_full_name, confidence_level)
    SELECT v_new, r.phone, r.license, r.document, NULLIF(pg_catalog.array_to_string(r.name_tokens, ' '), ''), 'HIGH'
    FROM (SELECT 1) AS one
    LEFT JOIN canon.v_identity_records AS r ON r.source_table = p_source_table AND r.source_pk = p_source_pk;
    UPDATE canon.identity_links AS l
    SET person_key = v_new, match_rule = 'MANUAL', match_score = 100, match_probability = NULL,
        confidence_level = 'HIGH',
        evidence = pg_catalog.jsonb_build_object('rule', 'MANUAL', 'split_from', v_old, 'split_by', CURRENT_USER),
        linked_at = pg_catalog.now()
    WHERE l.source_table = p_source_table AND l.source_pk = p_source_pk;
    UPDATE observational.lead_events AS e SET person_key = v_new, updated_at = pg_catalog.now()
    WHERE e.source_table = p_source_table AND e.source_pk = p_source_pk;
    DELETE FROM observational.lead_ledger AS g WHERE g.person_key = v_old;
    INSERT INTO canon.identity_link_history (source_table, source_pk, action, old_person_key, new_person_key,
                                             old_match_rule, new_match_rule, note)
    VALUES (p_source_table, p_source_pk, 'SPLIT', v_old, v_new, v_rule, 'MANUAL', p_note);
    RETURN v_new;
END;
$$;
COMMENT ON FUNCTION canon.split_record(text, text, text) IS 'canon.split_record(p_source_table text, p_source_pk text, p_note text) -> uuid: the record leaves its person for a new person (history in canon.identity_link_history)';
