-- Operator: close an OPEN queue row as IGNORED (with a note). Identity never reopens it.
CREATE OR REPLACE FUNCTION canon.ignore_unmatched(p_source_table text, p_source_pk text, p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    IF p_source_table IS NULL OR p_source_pk IS NULL THEN
        RAISE EXCEPTION 'ignore_unmatched needs a source_table and a source_pk'
            USING ERRCODE = '22004',
                  DETAIL = 'p_source_table or p_source_pk is NULL.',
                  HINT = 'List the queue with SELECT source_table, source_pk, reason_code FROM canon.identity_unmatched WHERE status = ''OPEN'';';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));

    SELECT u.status INTO v_status
    FROM canon.identity_unmatched AS u
    WHERE u.source_table = p_source_table AND u.source_pk = p_source_pk
    FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no unmatched record %/%', p_source_table, p_source_pk
            USING ERRCODE = '22023',
                  DETAIL = 'canon.identity_unmatched has no row for this source_table and source_pk.',
                  HINT = 'List the queue with SELECT source_table, source_pk, reason_code FROM canon.identity_unmatched WHERE status = ''OPEN'';';
    END IF;
    IF v_status <> 'OPEN' THEN
        RAISE EXCEPTION 'unmatched record %/% is already %', p_source_table, p_source_pk, v_status
            USING ERRCODE = '22023',
                  DETAIL = 'Only OPEN queue rows can be ignored; a decision once taken is kept.',
                  HINT = 'Nothing to do: the row is closed.';
    END IF;

    UPDATE canon.identity_unmatched AS u
    SET status = 'IGNORED', resolved_at = pg_catalog.now(), note = p_note
    WHERE u.source_table = p_source_table AND u.source_pk = p_source_pk;
END;
$$;
COMMENT ON FUNCTION canon.ignore_unmatched(text, text, text) IS 'canon.ignore_unmatched(p_source_table text, p_source_pk text, p_note text): close an OPEN queued record as IGNORED; never reopened';
