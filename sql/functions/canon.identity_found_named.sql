-- Stage 11 of canon.run_identity: a record of the run carrying no phone, licence / DNI or plate but a
-- name of three or more tokens and a date (outcome NAME_ONLY of canon.identity_decide_rules) that
-- NAME+DATE (canon.identity_link_names) neither linked nor queued for review becomes a new person
-- (NEW_PERSON, confidence LOW) and leaves the MISSING_IDENTIFIERS queue. Returns the number founded.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_found_named(p_run_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rows bigint;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_founded (person_key uuid, source_table text, source_pk text, name_key text)';
    CREATE TEMP TABLE identity_founded ON COMMIT DROP AS
    SELECT pg_catalog.gen_random_uuid() AS person_key, s.source_table, s.source_pk, s.name_key
    FROM canon.identity_work_subject AS s
    JOIN canon.identity_unmatched AS u ON u.source_table = s.source_table AND u.source_pk = s.source_pk
    WHERE s.outcome = 'NAME_ONLY' AND u.status = 'OPEN' AND u.reason_code = 'MISSING_IDENTIFIERS'
      AND u.run_id = p_run_id
      AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                      WHERE l.source_table = s.source_table AND l.source_pk = s.source_pk);
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows = 0 THEN
        DROP TABLE pg_temp.identity_founded;
        RETURN 0;
    END IF;

    INSERT INTO canon.identity_registry (person_key, primary_full_name, confidence_level)
    SELECT f.person_key, f.name_key, 'LOW' FROM pg_temp.identity_founded AS f;
    INSERT INTO canon.identity_links
        (person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence, run_id)
    SELECT f.person_key, f.source_table, f.source_pk, 'NEW_PERSON', 100, 'LOW',
           pg_catalog.jsonb_build_object('rule', 'NEW_PERSON', 'name_only', true), p_run_id
    FROM pg_temp.identity_founded AS f;
    DELETE FROM canon.identity_unmatched AS u
    USING pg_temp.identity_founded AS f
    WHERE u.source_table = f.source_table AND u.source_pk = f.source_pk AND u.status = 'OPEN';
    DROP TABLE pg_temp.identity_founded;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION canon.identity_found_named(bigint) IS 'canon.identity_found_named(p_run_id bigint) -> bigint: found a person for each name-only record NAME+DATE left (stage of canon.run_identity)';
