-- Statement triggers on canon.lead_keys, canon.drivers_index and canon.identity_links: note in
-- canon.phone_groups_pending what may change the persons behind a phone, for
-- canon.refresh_phone_groups() (docs/operations.md, shared_phones). Keys: the phones of inserted and
-- deleted rows, and both phones of a row whose phone changed (or, for a driver, whose removal did).
-- Links: the records linked, unlinked or moved to another person (their phone is read at refresh).
-- More than 100,000 such notes from one statement (a first load, a re-index) or a TRUNCATE note
-- "count every phone" instead: one full count is cheaper than that many phone-by-phone counts.
-- SECURITY DEFINER: the pending table is written whichever role changes identity (the owner's stages,
-- operator functions), and no role is granted to write it.
CREATE OR REPLACE FUNCTION canon.note_phone_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL);
        RETURN NULL;
    END IF;
    -- inserted and deleted rows each change a count; of updated rows only those whose phone, person or
    -- removal changed, found first (a large UPDATE of other columns notes nothing)
    IF TG_OP = 'INSERT' THEN
        SELECT pg_catalog.count(*) INTO v_rows FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT pg_catalog.count(*) INTO v_rows FROM old_rows;
    END IF;
    IF TG_OP <> 'UPDATE' AND v_rows > 100000 THEN
        INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL);
        RETURN NULL;
    END IF;

    -- the notes of an UPDATE are gathered first, then counted
    IF TG_OP = 'UPDATE' THEN
        PERFORM 'PRAGMA:TABLE: phone_change (phone text, source_table text, source_pk text)';
        CREATE TEMP TABLE IF NOT EXISTS phone_change (phone text, source_table text, source_pk text) ON COMMIT DROP;
    END IF;
    -- (each transition table is named only in the branch of the event that has it)
    IF TG_TABLE_NAME = 'identity_links' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO canon.phone_groups_pending (source_table, source_pk)
            SELECT n.source_table, n.source_pk FROM new_rows AS n;
        ELSIF TG_OP = 'DELETE' THEN
            INSERT INTO canon.phone_groups_pending (source_table, source_pk)
            SELECT o.source_table, o.source_pk FROM old_rows AS o;
        ELSE
            INSERT INTO pg_temp.phone_change (phone, source_table, source_pk)
            SELECT NULL, o.source_table, o.source_pk
            FROM old_rows AS o
            JOIN new_rows AS n ON n.source_table = o.source_table AND n.source_pk = o.source_pk
            WHERE n.person_key IS DISTINCT FROM o.person_key;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO canon.phone_groups_pending (phone)
        SELECT DISTINCT n.phone FROM new_rows AS n WHERE n.phone IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO canon.phone_groups_pending (phone)
        SELECT DISTINCT o.phone FROM old_rows AS o WHERE o.phone IS NOT NULL;
    ELSIF TG_TABLE_NAME = 'lead_keys' THEN
        INSERT INTO pg_temp.phone_change (phone)
        SELECT DISTINCT x.phone
        FROM old_rows AS o
        JOIN new_rows AS n ON n.source_table = o.source_table AND n.source_pk = o.source_pk
        CROSS JOIN LATERAL (VALUES (o.phone), (n.phone)) AS x (phone)
        WHERE n.phone IS DISTINCT FROM o.phone AND x.phone IS NOT NULL;
    ELSE  -- drivers_index
        INSERT INTO pg_temp.phone_change (phone)
        SELECT DISTINCT x.phone
        FROM old_rows AS o
        JOIN new_rows AS n ON n.driver_id = o.driver_id
        CROSS JOIN LATERAL (VALUES (o.phone), (n.phone)) AS x (phone)
        WHERE (n.phone IS DISTINCT FROM o.phone OR (n.removed_at IS NULL) <> (o.removed_at IS NULL))
          AND x.phone IS NOT NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF (SELECT pg_catalog.count(*) FROM pg_temp.phone_change) > 100000 THEN
            INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL);
        ELSE
            INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk)
            SELECT c.phone, c.source_table, c.source_pk FROM pg_temp.phone_change AS c;
        END IF;
        DROP TABLE pg_temp.phone_change;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION canon.note_phone_change() IS 'canon.note_phone_change() -> trigger: notes in canon.phone_groups_pending the phones and records whose persons-per-phone count may have changed';

-- the triggers: an insert, update, delete and truncate trigger on each of the three tables, named
-- <table>_phone_<event>
DO $triggers$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['lead_keys', 'drivers_index', 'identity_links'] LOOP
        EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER INSERT ON canon.%I REFERENCING NEW TABLE AS new_rows '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION canon.note_phone_change()', v_table || '_phone_insert', v_table);
        EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER UPDATE ON canon.%I REFERENCING OLD TABLE AS old_rows '
                                  'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION canon.note_phone_change()',
                                  v_table || '_phone_update', v_table);
        EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER DELETE ON canon.%I REFERENCING OLD TABLE AS old_rows '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION canon.note_phone_change()', v_table || '_phone_delete', v_table);
        EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER %I AFTER TRUNCATE ON canon.%I '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION canon.note_phone_change()', v_table || '_phone_truncate', v_table);
    END LOOP;
END
$triggers$;
