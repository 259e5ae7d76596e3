-- Operator: link a queued record to a person by hand (match_rule MANUAL, score 100, HIGH) and close
-- its queue row as RESOLVED with the note. The next populate puts the person on the record's event.
CREATE OR REPLACE FUNCTION canon.resolve_unmatched(p_source_table text, p_source_pk text, p_person_key uuid,
                                                   p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_merged_into uuid;
BEGIN
    IF p_source_table IS NULL OR p_source_pk IS NULL OR p_person_key IS NULL THEN
        RAISE EXCEPTION 'resolve_unmatched needs a source_table, a source_pk and a person_key'
            USING ERRCODE = '22004',
                  DETAIL = 'One of p_source_table, p_source_pk, p_person_key is NULL.',
                  HINT = 'List the queue with SELECT source_table, source_pk, reason_code FROM canon.identity_unmatched WHERE status = ''OPEN'';';
    END IF;
    PERFORM canon.lock_open_unmatched(p_source_table, p_source_pk, 'resolve_unmatched');
    SELECT r.merged_into INTO v_merged_into FROM canon.identity_registry AS r WHERE r.person_key = p_person_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown person %', p_person_key
            USING ERRCODE = '22023',
                  DETAIL = 'canon.identity_registry has no such person_key.',
                  HINT = 'Pick a person_key from canon.identity_registry or from the candidates column of the queue row.';
    END IF;
    IF v_merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'person % was merged into %', p_person_key, v_merged_into
            USING ERRCODE = '22023',
                  DETAIL = 'A merged person no longer receives links.',
                  HINT = 'Resolve to the person it was merged into.';
    END IF;
    IF EXISTS (SELECT 1 FROM canon.identity_links AS l
               WHERE l.source_table = p_source_table AND l.source_pk = p_source_pk) THEN
        RAISE EXCEPTION 'record %/% is already linked', p_source_table, p_source_pk
            USING ERRCODE = '22023',
                  DETAIL = 'canon.identity_links already holds a person for this record; person_keys never change.',
                  HINT = 'Merge the two persons with canon.merge_persons instead.';
    END IF;

    INSERT INTO canon.identity_links
        (person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence)
    VALUES (p_person_key, p_source_table, p_source_pk, 'MANUAL', 100, 'HIGH',
            pg_catalog.jsonb_build_object('rule', 'MANUAL', 'resolved_by', CURRENT_USER));
    UPDATE canon.identity_unmatched AS u
    SET status = 'RESOLVED', resolved_at = pg_catalog.now(), note = p_note
    WHERE u.source_table = p_source_table AND u.source_pk = p_source_pk;
END;
$$;
COMMENT ON FUNCTION canon.resolve_unmatched(text, text, uuid, text) IS 'canon.resolve_unmatched(p_source_table text, p_source_pk text, p_person_key uuid, p_note text): link an OPEN queued record to a person as MANUAL and mark it RESOLVED';
