-- Operator: close an OPEN queue row as IGNORED (with a note). Identity never reopens it.
CREATE OR REPLACE FUNCTION canon.ignore_unmatched(p_source_table text, p_source_pk text, p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM canon.lock_open_unmatched(p_source_table, p_source_pk, 'ignore_unmatched');

    UPDATE canon.identity_unmatched AS u
    SET status = 'IGNORED', resolved_at = pg_catalog.now(), note = p_note
    WHERE u.source_table = p_source_table AND u.source_pk = p_source_pk;
END;
$$;
COMMENT ON FUNCTION canon.ignore_unmatched(text, text, text) IS 'canon.ignore_unmatched(p_source_table text, p_source_pk text, p_note text): close an OPEN queued record as IGNORED; never reopened';
