-- Fold canon.phone_groups_pending into canon.phone_groups: the pending notes are taken (those committed
-- by then; later ones wait for the next refresh), the phones they name counted again, their rows
-- replaced; a "count every phone" note recounts every phone. One refresh at a time (a transaction
-- advisory lock, not waited for), so an older count never overwrites a newer one. Called at the end of
-- canon.run_identity and before each health snapshot (ops.record_health). Returns the number of phones
-- counted again (NULL after a full count). docs/operations.md, shared_phones.
-- SECURITY DEFINER: the health snapshot runs as the job role, which is not granted to write canon.
CREATE OR REPLACE FUNCTION canon.refresh_phone_groups()
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_phones text[];
BEGIN
    -- one refresh at a time; another one in progress (identity's, held until its run commits) is left
    -- to finish: the notes stay pending and readers count their phones live meanwhile
    IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('canon.refresh_phone_groups')) THEN
        RETURN 0;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM canon.phone_groups_pending) THEN
        RETURN 0;
    END IF;
    -- the notes are taken and resolved to phones in one statement (one snapshot): a note committed later
    -- stays pending for the next refresh; the counts below read a snapshot at least as new
    WITH taken AS (
        DELETE FROM canon.phone_groups_pending AS p RETURNING p.*
    )
    SELECT canon.phone_groups_pending_phones(pg_catalog.array_agg(
               ROW(t.phone, t.source_table, t.source_pk, t.noted_at)::canon.phone_groups_pending))
    INTO v_phones
    FROM taken AS t;
    IF v_phones IS NULL THEN
        DELETE FROM canon.phone_groups;
        INSERT INTO canon.phone_groups (phone, records, lead_records, persons, counted_at)
        SELECT c.phone, c.records, c.lead_records, c.persons, pg_catalog.clock_timestamp()
        FROM canon.count_phone_persons(NULL) AS c;
        RETURN NULL;
    END IF;
    DELETE FROM canon.phone_groups AS g USING pg_catalog.unnest(v_phones) AS w (phone) WHERE g.phone = w.phone;
    INSERT INTO canon.phone_groups (phone, records, lead_records, persons, counted_at)
    SELECT c.phone, c.records, c.lead_records, c.persons, pg_catalog.clock_timestamp()
    FROM canon.count_phone_persons(v_phones) AS c;
    RETURN pg_catalog.cardinality(v_phones);
END;
$$;
COMMENT ON FUNCTION canon.refresh_phone_groups() IS 'canon.refresh_phone_groups() -> bigint: fold the pending phone changes into canon.phone_groups (phones counted again; NULL after a full count)';
