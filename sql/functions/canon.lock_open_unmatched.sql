-- Shared by the operator functions that close a queue row (resolve_unmatched, ignore_unmatched):
-- validate the key, serialize with identity runs, and lock the row, which must exist and be OPEN.
CREATE OR REPLACE FUNCTION canon.lock_open_unmatched(p_source_table text, p_source_pk text, p_caller text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_status text;
    c_hint constant text := 'List the queue with SELECT source_table, source_pk, reason_code FROM canon.identity_unmatched WHERE status = ''OPEN'';';
BEGIN
    IF p_source_table IS NULL OR p_source_pk IS NULL THEN
        RAISE EXCEPTION '% needs a source_table and a source_pk', p_caller
            USING ERRCODE = '22004', DETAIL = 'p_source_table or p_source_pk is NULL.', HINT = c_hint;
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
                  HINT = c_hint;
    END IF;
    IF v_status <> 'OPEN' THEN
        RAISE EXCEPTION 'unmatched record %/% is already %', p_source_table, p_source_pk, v_status
            USING ERRCODE = '22023',
                  DETAIL = 'Only OPEN queue rows can be resolved or ignored; a decision once taken is kept.',
                  HINT = 'To move a linked record to another person, merge the two persons with canon.merge_persons.';
    END IF;
END;
$$;
COMMENT ON FUNCTION canon.lock_open_unmatched(text, text, text) IS 'canon.lock_open_unmatched(p_source_table, p_source_pk, p_caller): validate and lock one OPEN queue row (operator functions)';
