-- Stage 8 of canon.run_identity: write the decisions of pg_temp.identity_decision: new persons, links
-- (records, and the unlinked drivers joining a new person), the queue (never touching RESOLVED /
-- IGNORED rows; a record that now links leaves it). Returns {outcomes: [{source_table, outcome,
-- unmatched, new_person, n}], drivers_linked}.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_write(p_run_id bigint, p_subjects integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_queued bigint;
    v_index_defs text[];
    v_outcomes jsonb;
    v_drivers_linked bigint;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_decision (source_table text, source_pk text, person_key uuid, new_person boolean, match_rule text, match_score numeric, confidence_level text, outcome text, evidence jsonb, candidates jsonb, phone text, license text, document text, name_key text, match_probability numeric)';
    WITH members AS (
        SELECT s.person_key, s.phone, s.license, s.document, s.name_key, s.confidence_level
        FROM pg_temp.identity_decision AS s
        WHERE s.new_person AND s.person_key IS NOT NULL
        UNION ALL
        SELECT e.new_person_key, d.phone, d.license, d.document, d.name_key, NULL
        FROM canon.identity_work_entity AS e
        JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
        WHERE e.new_person_key IS NOT NULL
    )
    INSERT INTO canon.identity_registry
        (person_key, primary_phone, primary_license, primary_document, primary_full_name, confidence_level)
    SELECT m.person_key, pg_catalog.min(m.phone), pg_catalog.min(m.license), pg_catalog.min(m.document),
           pg_catalog.min(m.name_key),
           CASE WHEN pg_catalog.bool_or(m.confidence_level = 'HIGH') THEN 'HIGH'
                WHEN pg_catalog.bool_or(m.confidence_level = 'MEDIUM') THEN 'MEDIUM' ELSE 'LOW' END
    FROM members AS m
    GROUP BY m.person_key;

    -- a first load (the links so far are under a tenth of the records decided now): the secondary
    -- indexes are built, and the key to the persons added back, once after the inserts (checked row by
    -- row, the key cost a query per link; see canon.drop_secondary_indexes). Stricter than for
    -- drivers_index and lead_keys: the reader views read identity_links, and the locks it takes (the
    -- links and the persons table their key references) last until the caller's transaction ends (a
    -- whole populate_lead_events range)
    v_index_defs := NULL;
    IF p_subjects >= 1000
       AND (SELECT pg_catalog.count(*) FROM (SELECT FROM canon.identity_links AS l LIMIT p_subjects / 10) AS x)
           < p_subjects / 10 THEN
        v_index_defs := canon.drop_secondary_indexes('canon.identity_links'::regclass);
    END IF;
    INSERT INTO canon.identity_links
        (person_key, source_table, source_pk, match_rule, match_score, match_probability, confidence_level,
         evidence, run_id)
    SELECT s.person_key, s.source_table, s.source_pk, s.match_rule, s.match_score, s.match_probability,
           s.confidence_level, s.evidence, p_run_id
    FROM pg_temp.identity_decision AS s
    WHERE s.person_key IS NOT NULL AND s.outcome IN ('LINK', 'NONE', 'CLUSTER')
    -- in the order of the unique key: each index page is filled and written once, not reached at random
    ORDER BY s.source_table, s.source_pk
    ON CONFLICT (source_table, source_pk) DO NOTHING;

    -- the unlinked drivers records linked to join the new person, with the strongest such link
    INSERT INTO canon.identity_links
        (person_key, source_table, source_pk, match_rule, match_score, match_probability, confidence_level,
         evidence, run_id)
    SELECT DISTINCT ON (e.driver_id)
           e.new_person_key, 'drivers', e.driver_id, s.match_rule, s.match_score, s.probability, s.confidence_level,
           pg_catalog.jsonb_build_object('rule', s.match_rule, 'probability', s.probability,
                                         'via', pg_catalog.jsonb_build_object('source_table', s.source_table,
                                                                              'source_pk', s.source_pk)),
           p_run_id
    FROM canon.identity_work_entity AS e
    JOIN canon.identity_work_subject AS s ON s.entity = e.entity AND s.outcome = 'LINK'
    WHERE e.new_person_key IS NOT NULL
    ORDER BY e.driver_id, s.match_score DESC, s.source_table, s.source_pk
    ON CONFLICT (source_table, source_pk) DO NOTHING;
    GET DIAGNOSTICS v_drivers_linked = ROW_COUNT;
    IF v_index_defs IS NOT NULL THEN
        PERFORM canon.create_indexes(v_index_defs);
    END IF;

    -- statistics for the stages below after a large change; subjects under a tenth of the links (an
    -- incremental run) leave them true enough (reltuples: -1 before a first ANALYZE)
    IF p_subjects > 1000 AND p_subjects * 10 > (SELECT c.reltuples FROM pg_catalog.pg_class AS c
                                                WHERE c.oid = 'canon.identity_links'::regclass) THEN
        ANALYZE canon.identity_links;
        ANALYZE canon.identity_registry;
    END IF;

    -- the queue: never touches RESOLVED / IGNORED; a record that now links leaves it
    INSERT INTO canon.identity_unmatched AS u
        (source_table, source_pk, reason_code, details, candidates, run_id)
    -- a name-only record (NAME_ONLY) waits as MISSING_IDENTIFIERS for NAME+DATE, then founds its person
    -- (canon.identity_found_named)
    SELECT s.source_table, s.source_pk,
           CASE WHEN s.outcome = 'NAME_ONLY' THEN 'MISSING_IDENTIFIERS' ELSE s.outcome END,
           s.evidence - 'rule', s.candidates, p_run_id
    FROM pg_temp.identity_decision AS s
    WHERE s.outcome IN ('MULTIPLE_CANDIDATES', 'NEEDS_REVIEW', 'MISSING_IDENTIFIERS', 'NAME_ONLY', 'DRIVER_NOT_FOUND')
    ON CONFLICT (source_table, source_pk) DO UPDATE
    SET reason_code = EXCLUDED.reason_code, details = EXCLUDED.details, candidates = EXCLUDED.candidates,
        run_id = EXCLUDED.run_id
    WHERE u.status = 'OPEN'
      AND (u.reason_code, u.details, u.candidates) IS DISTINCT FROM
          (EXCLUDED.reason_code, EXCLUDED.details, EXCLUDED.candidates);
    GET DIAGNOSTICS v_queued = ROW_COUNT;
    -- the queue's statistics for the stages below after a large change: a first resolve queues about
    -- 12,000 records at scale 100 into a table analyzed empty, and NAME+DATE's look back
    -- (canon.identity_name_lookback) then read every record of the run once per queued record
    IF v_queued > 1000 AND v_queued * 10 > (SELECT c.reltuples FROM pg_catalog.pg_class AS c
                                            WHERE c.oid = 'canon.identity_unmatched'::regclass) THEN
        ANALYZE canon.identity_unmatched;
    END IF;

    DELETE FROM canon.identity_unmatched AS u
    USING pg_temp.identity_decision AS s
    WHERE u.source_table = s.source_table AND u.source_pk = s.source_pk AND u.status = 'OPEN'
      AND s.person_key IS NOT NULL AND s.outcome IN ('LINK', 'NONE', 'CLUSTER');

    -- the stored flag (decided_hash IS DISTINCT FROM row_hash) has statistics: the records of a run are
    -- indexed as decided (canon.identity_index_leads), and the few left undecided are read by their index;
    -- the expression itself was estimated at every row and joined with every decision of the run (7.3 s at
    -- scale 1000 to update no row)
    UPDATE canon.lead_keys AS k
    SET decided_hash = k.row_hash
    FROM pg_temp.identity_decision AS s
    WHERE k.source_table = s.source_table AND k.source_pk = s.source_pk
      AND k.undecided;

    -- the outcome counts of the run log and result (step 9), grouped once
    SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'source_table', c.source_table, 'outcome', c.outcome, 'unmatched', c.unmatched,
               'new_person', c.new_person, 'n', c.n))
    INTO v_outcomes
    FROM (SELECT s.source_table, s.outcome, s.person_key IS NULL AS unmatched, s.new_person,
                 pg_catalog.count(*) AS n
          FROM pg_temp.identity_decision AS s
          GROUP BY 1, 2, 3, 4) AS c;
    DROP TABLE pg_temp.identity_decision;
    RETURN pg_catalog.jsonb_build_object('outcomes', v_outcomes, 'drivers_linked', v_drivers_linked);
END;
$$;
COMMENT ON FUNCTION canon.identity_write(bigint, integer) IS 'canon.identity_write(p_run_id bigint, p_subjects integer) -> jsonb {outcomes, drivers_linked}: write persons, links and queue (stage of canon.run_identity)';
