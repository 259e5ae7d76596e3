-- Stage 3a of canon.run_identity, when something changed: the OPEN records of the range to decide again,
-- into canon.identity_work_recheck (docs/identity.md, "Speed"). A record is OPEN here when it is unlinked,
-- not RESOLVED / IGNORED, already decided (not new or changed in this run) and carries a key a change could
-- reach (phone, licence / DNI, plate, car, driver id: the records every changed run used to re-decide).
-- It is decided again when one of its blocking keys (canon.identity_record_keys) was touched after the
-- last run that checked its lead date (a run whose details carry a number in "rechecked" and the same
-- p_inputs: weights, settings and code, canon.run_identity):
--   * new and changed lead records and drivers of this run (their keys now, and before: stages 1 and 2
--     leave the old keys in canon.identity_work_touch), and every record of their persons;
--   * every record of a person that gained a link (a run's own links included: they were written after
--     its records were decided), was merged, split or lost a record (canon.identity_link_history);
--   * then, closed over: the keys of every record decided again in this run (it may link, and a record
--     sharing a key with it would see a new person).
-- Car + name (R4) and driver id (DRIVER_DIRECT) keys meet drivers only: a lead record's never count.
-- A record whose lead date no such run checked is always decided again. Returns the number of records.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_scope_recheck(p_run_id bigint, p_date_from date, p_date_to date, p_inputs text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_since bigint;
    v_since_at timestamptz;
    v_added integer;
    v_total integer;
    v_days integer := ops.get_setting('name_block_days')::integer;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_open (source_table text, source_pk text, verified numeric, verified_name numeric)';
    PERFORM 'PRAGMA:TABLE: identity_open_key (source_table text, source_pk text, key text, verified numeric)';
    -- the OPEN records, each with the point up to which its stored decision took every change into
    -- account (NULL: unknown). Run r decided its records at r + 0.1 (candidates) and r + 0.6 (NAME+DATE,
    -- after the run's own identifier and driver links); a run that checked the record's lead date without
    -- deciding it saw everything before its start, r + 0.0.
    CREATE TEMP TABLE identity_open ON COMMIT DROP AS
    WITH checks AS (
        SELECT r.run_id, r.date_from, r.date_to
        FROM ops.run_log AS r
        WHERE r.job = 'run_identity' AND r.status = 'succeeded'
          AND pg_catalog.jsonb_typeof(r.details -> 'rechecked') = 'number'
          AND r.details ->> 'decision_inputs' = p_inputs
    ),
    -- NOT undecided (decided_hash IS NOT DISTINCT FROM row_hash, a stored column with statistics): the
    -- expression itself was estimated true for a few hundred rows, and the anti-joins below became one
    -- index probe per record (282 k at scale 100)
    open AS MATERIALIZED (
        SELECT k.source_table, k.source_pk, k.lead_date,
               GREATEST(k.run_id, k.decided_run) AS decided  -- the run that last decided the record
        FROM canon.lead_keys AS k
        JOIN canon.identity_unmatched AS u ON u.source_table = k.source_table AND u.source_pk = k.source_pk
        WHERE k.lead_date BETWEEN p_date_from AND p_date_to AND u.status = 'OPEN'
          AND NOT k.undecided AND k.run_id IS DISTINCT FROM p_run_id
          AND (k.phone IS NOT NULL OR pg_catalog.cardinality(k.id_keys) > 0 OR k.plate IS NOT NULL
               OR k.car_key IS NOT NULL OR k.driver_id IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                          WHERE l.source_table = k.source_table AND l.source_pk = k.source_pk)
    ),
    days AS (
        SELECT d.lead_date, (SELECT pg_catalog.max(c.run_id) FROM checks AS c
                             WHERE d.lead_date BETWEEN c.date_from AND c.date_to) AS checked
        FROM (SELECT DISTINCT o.lead_date FROM open AS o) AS d
    )
    SELECT o.source_table, o.source_pk,
           CASE WHEN d.checked IS NULL OR o.decided IS NULL THEN NULL
                WHEN o.decided >= d.checked THEN o.decided + 0.1 ELSE d.checked END AS verified,
           CASE WHEN d.checked IS NULL OR o.decided IS NULL THEN NULL
                WHEN o.decided >= d.checked THEN o.decided + 0.6 ELSE d.checked END AS verified_name
    FROM open AS o JOIN days AS d ON d.lead_date = o.lead_date
    UNION ALL  -- unlinked, never queued (decided before the queue kept every such record)
    SELECT k.source_table, k.source_pk, NULL, NULL
    FROM canon.lead_keys AS k
    WHERE k.lead_date BETWEEN p_date_from AND p_date_to
      AND NOT k.undecided AND k.run_id IS DISTINCT FROM p_run_id
      AND (k.phone IS NOT NULL OR pg_catalog.cardinality(k.id_keys) > 0 OR k.plate IS NOT NULL
           OR k.car_key IS NOT NULL OR k.driver_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                      WHERE l.source_table = k.source_table AND l.source_pk = k.source_pk)
      AND NOT EXISTS (SELECT 1 FROM canon.identity_unmatched AS u
                      WHERE u.source_table = k.source_table AND u.source_pk = k.source_pk);

    -- never checked: decided again whatever changed
    INSERT INTO canon.identity_work_recheck (source_table, source_pk)
    SELECT o.source_table, o.source_pk FROM pg_temp.identity_open AS o WHERE o.verified IS NULL;
    SELECT pg_catalog.floor(pg_catalog.min(o.verified))::bigint INTO v_since FROM pg_temp.identity_open AS o;
    IF v_since IS NULL THEN
        SELECT pg_catalog.count(*) INTO v_total FROM canon.identity_work_recheck AS r;
        DROP TABLE pg_temp.identity_open;
        RETURN v_total;
    END IF;
    SELECT r.started_at INTO v_since_at FROM ops.run_log AS r WHERE r.run_id = v_since;
    -- the first run after a full resolve: that resolve's own links touch nearly every OPEN record, and
    -- naming the keys of all its persons costs more than deciding every OPEN record again (which is exact)
    IF (SELECT pg_catalog.count(*) FROM canon.identity_links AS l WHERE l.run_id >= v_since)
       > 5 * (SELECT pg_catalog.count(*) FROM pg_temp.identity_open AS o) + 10000 THEN
        INSERT INTO canon.identity_work_recheck (source_table, source_pk)
        SELECT o.source_table, o.source_pk FROM pg_temp.identity_open AS o WHERE o.verified IS NOT NULL;
        SELECT pg_catalog.count(*) INTO v_total FROM canon.identity_work_recheck AS r;
        DROP TABLE pg_temp.identity_open;
        RETURN v_total;
    END IF;

    CREATE TEMP TABLE identity_open_key ON COMMIT DROP AS
    SELECT o.source_table, o.source_pk, x.key,
           CASE WHEN x.key LIKE 'G:%' OR x.key LIKE 'F:%' THEN o.verified_name ELSE o.verified END AS verified
    FROM pg_temp.identity_open AS o
    JOIN canon.lead_keys AS k ON k.source_table = o.source_table AND k.source_pk = o.source_pk
    CROSS JOIN LATERAL pg_catalog.unnest(canon.identity_record_keys(k.phone, k.id_keys, k.plate, k.name_tokens, k.name_given, k.surnames,
                                                  k.car_key, k.name_blocks, k.driver_id, k.lead_date, v_days)) AS x (key);
    ANALYZE pg_temp.identity_open_key;

    -- what changed since the oldest check: persons (with the run of the change) and records of this run
    WITH between_runs AS (  -- a change made between runs belongs after the last run started before it
        SELECT r.run_id, r.started_at,
               pg_catalog.lead(r.started_at) OVER (ORDER BY r.run_id) AS next_started_at
        FROM ops.run_log AS r
        WHERE r.job = 'run_identity' AND r.run_id >= v_since
    ),
    persons AS (
        SELECT l.person_key, l.run_id + CASE WHEN l.match_rule = 'NAME+DATE' THEN 0.7 ELSE 0.5 END AS stamp
        FROM canon.identity_links AS l WHERE l.run_id >= v_since
        UNION ALL
        SELECT c.person_key, COALESCE((SELECT b.run_id FROM between_runs AS b
                                       WHERE c.at >= b.started_at AND (b.next_started_at IS NULL OR c.at < b.next_started_at)),
                                      p_run_id - 1) + 0.9
        FROM (SELECT l.person_key, l.linked_at AS at FROM canon.identity_links AS l WHERE l.linked_at >= v_since_at
              UNION ALL
              SELECT m.kept_person_key, m.merged_at FROM canon.person_merges AS m WHERE m.merged_at >= v_since_at
              UNION ALL
              SELECT m.dropped_person_key, m.merged_at FROM canon.person_merges AS m WHERE m.merged_at >= v_since_at
              UNION ALL
              SELECT h.old_person_key, h.acted_at FROM canon.identity_link_history AS h WHERE h.acted_at >= v_since_at
              UNION ALL
              SELECT h.new_person_key, h.acted_at FROM canon.identity_link_history AS h WHERE h.acted_at >= v_since_at
              ) AS c
        WHERE c.person_key IS NOT NULL
        UNION ALL  -- the persons of this run's changed records
        SELECT l.person_key, p_run_id
        FROM canon.lead_keys AS k
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        WHERE k.run_id = p_run_id
        UNION ALL
        SELECT l.person_key, p_run_id
        FROM canon.drivers_index AS d
        JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
        WHERE d.run_id = p_run_id
    ),
    touched AS (
        SELECT p.person_key, pg_catalog.max(p.stamp) AS stamp FROM persons AS p GROUP BY p.person_key
    ),
    records AS (  -- every record of a touched person, this run's changed records, the split / unlinked ones
        SELECT t.stamp, l.source_table, l.source_pk
        FROM touched AS t JOIN canon.identity_links AS l ON l.person_key = t.person_key
        UNION ALL
        SELECT p_run_id, k.source_table, k.source_pk FROM canon.lead_keys AS k WHERE k.run_id = p_run_id
        UNION ALL
        SELECT p_run_id, 'drivers', d.driver_id FROM canon.drivers_index AS d WHERE d.run_id = p_run_id
        UNION ALL
        SELECT p_run_id - 0.1, h.source_table, h.source_pk  -- at most: the record may be decided once more
        FROM canon.identity_link_history AS h WHERE h.acted_at >= v_since_at
    )
    INSERT INTO canon.identity_work_touch (key, stamp)
    SELECT x.key, pg_catalog.max(r.stamp)
    FROM records AS r
    LEFT JOIN canon.lead_keys AS k ON r.source_table <> 'drivers' AND k.source_table = r.source_table AND k.source_pk = r.source_pk
    LEFT JOIN canon.drivers_index AS d ON r.source_table = 'drivers' AND d.driver_id = r.source_pk
    CROSS JOIN LATERAL pg_catalog.unnest(canon.identity_record_keys(
        COALESCE(k.phone, d.phone), COALESCE(k.id_keys, d.id_keys), COALESCE(k.plate, d.plate),
        COALESCE(k.name_tokens, d.name_tokens), COALESCE(k.name_given, d.name_given), COALESCE(k.surnames, d.surnames),
        COALESCE(k.car_key, d.car_key), COALESCE(k.name_blocks, d.name_blocks),
        CASE WHEN r.source_table = 'drivers' THEN r.source_pk ELSE k.driver_id END, k.lead_date, v_days)) AS x (key)
    WHERE (k.source_pk IS NOT NULL OR d.driver_id IS NOT NULL)
      -- car + name and driver id meet drivers only (R4, DRIVER_DIRECT): a lead record's are no change
      AND (r.source_table = 'drivers' OR (x.key NOT LIKE 'C:%' AND x.key NOT LIKE 'D:%'))
    GROUP BY x.key;
    ANALYZE canon.identity_work_touch;

    -- the OPEN records sharing a key touched after their check
    INSERT INTO canon.identity_work_recheck (source_table, source_pk)
    SELECT DISTINCT o.source_table, o.source_pk
    FROM pg_temp.identity_open_key AS o
    JOIN canon.identity_work_touch AS t ON t.key = o.key
    WHERE t.stamp > o.verified;
    SELECT pg_catalog.count(*) INTO v_added FROM canon.identity_work_recheck AS r;
    ANALYZE canon.identity_work_recheck;  -- joined in the loop and by the next stage (a former run's statistics)

    -- closed over the keys of the records decided again (each pass adds the records one key further)
    WHILE v_added > 0 LOOP
        INSERT INTO canon.identity_work_recheck (source_table, source_pk)
        SELECT DISTINCT o.source_table, o.source_pk
        FROM (SELECT DISTINCT n.key
              FROM pg_temp.identity_open_key AS n
              JOIN canon.identity_work_recheck AS r ON r.source_table = n.source_table AND r.source_pk = n.source_pk
              WHERE n.key NOT LIKE 'C:%' AND n.key NOT LIKE 'D:%') AS k  -- drivers' keys only (above)
        JOIN pg_temp.identity_open_key AS o ON o.key = k.key
        WHERE NOT EXISTS (SELECT 1 FROM canon.identity_work_recheck AS r
                          WHERE r.source_table = o.source_table AND r.source_pk = o.source_pk);
        GET DIAGNOSTICS v_added = ROW_COUNT;
        IF v_added > 0 THEN
            ANALYZE canon.identity_work_recheck;
        END IF;
    END LOOP;
    SELECT pg_catalog.count(*) INTO v_total FROM canon.identity_work_recheck AS r;
    DROP TABLE pg_temp.identity_open_key;
    DROP TABLE pg_temp.identity_open;
    RETURN v_total;
END;
$$;
COMMENT ON FUNCTION canon.identity_scope_recheck(bigint, date, date, text) IS 'canon.identity_scope_recheck(p_run_id bigint, p_date_from date, p_date_to date, p_inputs text) -> integer: the OPEN records to decide again into canon.identity_work_recheck (stage of canon.run_identity)';
