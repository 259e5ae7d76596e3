-- Operator: fold person p_drop into p_keep. Links and lead events move to p_keep, the dropped person's
-- ledger row is deleted (the next populate recomputes the kept one), the dropped registry row keeps
-- existing with merged_into = p_keep, and canon.person_merges records both keys and what moved.
CREATE OR REPLACE FUNCTION canon.merge_persons(p_keep uuid, p_drop uuid, p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep_merged uuid;
    v_drop_merged uuid;
    v_links integer;
    v_events integer;
BEGIN
    IF p_keep IS NULL OR p_drop IS NULL THEN
        RAISE EXCEPTION 'merge_persons needs both person keys'
            USING ERRCODE = '22004',
                  DETAIL = 'p_keep or p_drop is NULL.',
                  HINT = 'Call canon.merge_persons(<person to keep>, <person to fold into it>, <note>).';
    END IF;
    IF p_keep = p_drop THEN
        RAISE EXCEPTION 'cannot merge person % into itself', p_keep
            USING ERRCODE = '22023',
                  DETAIL = 'p_keep and p_drop are the same person_key.',
                  HINT = 'Pass two different persons.';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));

    SELECT r.merged_into INTO v_keep_merged FROM canon.identity_registry AS r WHERE r.person_key = p_keep FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown person % (p_keep)', p_keep
            USING ERRCODE = '22023', DETAIL = 'canon.identity_registry has no such person_key.',
                  HINT = 'Pick both keys from canon.identity_registry.';
    END IF;
    SELECT r.merged_into INTO v_drop_merged FROM canon.identity_registry AS r WHERE r.person_key = p_drop FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown person % (p_drop)', p_drop
            USING ERRCODE = '22023', DETAIL = 'canon.identity_registry has no such person_key.',
                  HINT = 'Pick both keys from canon.identity_registry.';
    END IF;
    IF v_keep_merged IS NOT NULL OR v_drop_merged IS NOT NULL THEN
        RAISE EXCEPTION 'person % is already merged', CASE WHEN v_keep_merged IS NOT NULL THEN p_keep ELSE p_drop END
            USING ERRCODE = '22023',
                  DETAIL = 'A merged person has no links left and cannot take part in another merge.',
                  HINT = 'Use the person it was merged into (canon.identity_registry.merged_into).';
    END IF;

    UPDATE canon.identity_links AS l SET person_key = p_keep WHERE l.person_key = p_drop;
    GET DIAGNOSTICS v_links = ROW_COUNT;
    UPDATE observational.lead_events AS e SET person_key = p_keep, updated_at = pg_catalog.now()
    WHERE e.person_key = p_drop;
    GET DIAGNOSTICS v_events = ROW_COUNT;
    DELETE FROM observational.lead_ledger AS g WHERE g.person_key = p_drop;
    UPDATE canon.identity_registry AS r
    SET merged_into = p_keep, updated_at = pg_catalog.now()
    WHERE r.person_key = p_drop;
    INSERT INTO canon.person_merges (kept_person_key, dropped_person_key, links_moved, events_moved, note)
    VALUES (p_keep, p_drop, v_links, v_events, p_note);
END;
$$;
COMMENT ON FUNCTION canon.merge_persons(uuid, uuid, text) IS 'canon.merge_persons(p_keep uuid, p_drop uuid, p_note text): fold p_drop into p_keep (links, events re-pointed, ledger row dropped, history in canon.person_merges)';
