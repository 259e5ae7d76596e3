-- Stage 3 of canon.run_identity: the records to decide, into canon.identity_work_subject: unlinked, not
-- RESOLVED/IGNORED, and new or changed since last decided (rows written by stage 2 of this run carry
-- decided_hash = row_hash already: run_id says so), or still OPEN while something they could match
-- changed (p_recheck: the OPEN records canon.identity_scope_recheck chose). Then the shared-phone guard: a phone behind more than p_max_group distinct persons
-- is not an identifier (phone_usable). Returns the number of records to decide.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_pick_subjects(p_run_id bigint, p_date_from date, p_date_to date, p_recheck boolean, p_threshold numeric, p_max_group integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_subjects integer;
BEGIN
    INSERT INTO canon.identity_work_subject
        (node_id, source_table, source_pk, lead_date, phone, license, document, license_dni, id_keys, plate,
         name_tokens, name_key, given_name, name_given, surnames, two_surnames, name_blocks, car_key, driver_id)
    SELECT pg_catalog.row_number() OVER (ORDER BY k.source_table, k.source_pk)::integer,
           k.source_table, k.source_pk, k.lead_date, k.phone, k.license, k.document, k.license_dni, k.id_keys,
           k.plate, k.name_tokens, k.name_key, k.given_name, k.name_given, k.surnames, k.two_surnames,
           k.name_blocks, k.car_key, k.driver_id
    -- three parts, each read by its own index (lead_keys_undecided_idx, lead_keys_run_idx, the recheck
    -- list): OR-ed in one scan they read every record of the range, also in a run with nothing new
    FROM (SELECT c.source_table, c.source_pk FROM canon.lead_keys AS c
          WHERE c.undecided AND c.lead_date BETWEEN p_date_from AND p_date_to  -- decided_hash IS DISTINCT FROM row_hash
          UNION
          SELECT c.source_table, c.source_pk FROM canon.lead_keys AS c WHERE c.run_id = p_run_id
          UNION
          SELECT r.source_table, r.source_pk FROM canon.identity_work_recheck AS r WHERE p_recheck) AS c
    JOIN canon.lead_keys AS k ON k.source_table = c.source_table AND k.source_pk = c.source_pk
    WHERE k.lead_date BETWEEN p_date_from AND p_date_to
      AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                      WHERE l.source_table = k.source_table AND l.source_pk = k.source_pk)
      AND NOT EXISTS (SELECT 1 FROM canon.identity_unmatched AS u
                      WHERE u.source_table = k.source_table AND u.source_pk = k.source_pk
                        AND u.status <> 'OPEN');
    GET DIAGNOSTICS v_subjects = ROW_COUNT;
    -- the OPEN records decided again: this run is the last that decided them (new and changed records
    -- carry it as run_id already)
    IF p_recheck THEN
        UPDATE canon.lead_keys AS k SET decided_run = p_run_id
        FROM canon.identity_work_recheck AS r
        WHERE k.source_table = r.source_table AND k.source_pk = r.source_pk;
    END IF;

    IF v_subjects = 0 THEN
        RETURN 0;
    END IF;
    ANALYZE canon.identity_work_subject;

    -- shared-phone guard: distinct persons behind a phone (linked holders by person_key, unlinked
    -- ones by name); a phone behind more than max_phone_group_size is not an identifier
    WITH phones AS (
        SELECT DISTINCT s.phone FROM canon.identity_work_subject AS s WHERE s.phone IS NOT NULL
    ),
    holders AS MATERIALIZED (
        SELECT d.phone, l.person_key, d.name_key, d.name_tokens
        FROM canon.drivers_index AS d
        JOIN phones AS p ON p.phone = d.phone
        LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
        WHERE d.removed_at IS NULL
        UNION ALL
        SELECT k.phone, l.person_key, k.name_key, k.name_tokens
        FROM canon.lead_keys AS k
        JOIN phones AS p ON p.phone = k.phone
        LEFT JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
    ),
    -- distinct names behind a phone; an unlinked one counts as a person of its own only when no
    -- similar name stands for it (a linked holder's, or a longer / equally long and smaller one):
    -- 'HENRY HUARCAYA TORRES' and 'ANTONIO HENRY HUARCAYA TORRES' are one human, not two
    names AS MATERIALIZED (
        SELECT DISTINCT h.phone, h.person_key IS NOT NULL AS linked, h.name_key, h.name_tokens
        FROM holders AS h WHERE h.name_key IS NOT NULL
    ),
    -- a phone behind more than 4 x max_phone_group_size distinct names is shared whatever their
    -- spellings: every name counts, without the pairwise comparison (quadratic on placeholder phones).
    -- Two branches, so that each NOT EXISTS stays an anti-join (OR-ed with another test, it became
    -- a sub-plan scanning every name for every name: 147 s at scale 10, measured)
    sizes AS (
        SELECT n.phone, pg_catalog.count(DISTINCT n.name_key) > 4 * p_max_group AS crowded
        FROM names AS n GROUP BY n.phone
    ),
    few AS MATERIALIZED (
        SELECT n.* FROM names AS n JOIN sizes AS z ON z.phone = n.phone WHERE NOT z.crowded
    ),
    loose_persons AS (
        SELECT n.phone, pg_catalog.count(*) AS persons
        FROM names AS n
        JOIN sizes AS z ON z.phone = n.phone
        WHERE NOT n.linked AND z.crowded
        GROUP BY n.phone
        UNION ALL
        SELECT n.phone, pg_catalog.count(*)
        FROM few AS n
        WHERE NOT n.linked
          AND NOT EXISTS (
              SELECT 1 FROM few AS m
              WHERE m.phone = n.phone
                AND (m.linked OR (m.name_key <> n.name_key
                                  AND (pg_catalog.cardinality(m.name_tokens) > pg_catalog.cardinality(n.name_tokens)
                                       OR (pg_catalog.cardinality(m.name_tokens) = pg_catalog.cardinality(n.name_tokens)
                                           AND m.name_key < n.name_key))))
                AND (m.name_key = n.name_key
                     OR canon.name_similarity(m.name_tokens, n.name_tokens) >= p_threshold))
        GROUP BY n.phone
    ),
    groups AS (
        SELECT h.phone, pg_catalog.count(DISTINCT h.person_key) + COALESCE(pg_catalog.min(lp.persons), 0) AS persons
        FROM holders AS h
        LEFT JOIN loose_persons AS lp ON lp.phone = h.phone
        GROUP BY h.phone
    )
    UPDATE canon.identity_work_subject AS s
    SET phone_usable = (g.persons <= p_max_group)
    FROM groups AS g
    WHERE g.phone = s.phone;
    -- the statistics above saw no usable phone: the R1 joins below were planned as one index probe
    -- per record (155 k probes, 1.1 s at scale 100, measured). Only the column the UPDATE changed: the
    -- others' statistics are a moment old (every column, wide arrays included: 0.5 s at scale 100)
    ANALYZE canon.identity_work_subject (phone_usable);
    RETURN v_subjects;
END;
$$;
COMMENT ON FUNCTION canon.identity_pick_subjects(bigint, date, date, boolean, numeric, integer) IS 'canon.identity_pick_subjects(p_run_id bigint, p_date_from date, p_date_to date, p_recheck boolean, p_threshold numeric, p_max_group integer) -> integer: the records to decide into canon.identity_work_subject (stage of canon.run_identity)';
