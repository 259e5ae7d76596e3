-- Recompute the attribution decision (docs/rules.md §5) of the given persons from all their events, and drop
-- ledger rows of persons that no longer have any event (merged away). Rules, first match wins:
--   C       two or more distinct scouts among the person's scouting/migration events less than 7 days
--           apart ([d, d + 7), the package's half-open windows) -> conflict, no scout
--   A_FLEET a fleet_migration event -> scout of the latest one (0.95, HIGH)
--   A       scouting events -> scout of the latest one (0.95, HIGH)
--   B       cabinet events only -> no scout (0.80, MEDIUM)
--   U       otherwise -> unassigned
-- "Latest" prefers events that name a scout, then the latest event_date, then the highest id.
CREATE OR REPLACE FUNCTION observational.refresh_lead_ledger(p_person_keys uuid[])
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_changed bigint;
    v_removed bigint;
BEGIN
    IF p_person_keys IS NULL THEN
        RAISE EXCEPTION 'person key list is NULL'
            USING ERRCODE = '22004', HINT = 'Pass an array of person_key (it may be empty).';
    END IF;
    -- the lock populate_lead_events holds (re-entrant in its transaction): a direct call never writes
    -- decisions from an older view of the events over those of a populate running beside it
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.populate'));

    -- The persons go to a temporary table with statistics rather than into the statements as an array:
    -- a statement planned with "= ANY (<array>)" costs ~650 bytes of transient planner memory per
    -- element (measured at scale 100: 177 k persons, +111 MB; a backfill at scale 1000 passes 1.7 M),
    -- and a join on unnest() is planned on a guess of the row count. The PERFORM tells plpgsql_check
    -- the table's shape.
    PERFORM 'PRAGMA:TABLE: lead_ledger_persons (person_key uuid)';
    CREATE TEMP TABLE lead_ledger_persons ON COMMIT DROP AS
    SELECT DISTINCT k AS person_key FROM pg_catalog.unnest(p_person_keys) AS k WHERE k IS NOT NULL;
    ANALYZE pg_temp.lead_ledger_persons;

    WITH ev AS (
        SELECT e.person_key, e.origin, e.event_date, e.scout_id, e.id, e.source_table, e.source_pk
        FROM observational.lead_events AS e JOIN pg_temp.lead_ledger_persons AS lp USING (person_key)
    ),
    conflicts AS (
        SELECT a.person_key,
               pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                   'scout_ids', ARRAY[LEAST(a.scout_id, b.scout_id), GREATEST(a.scout_id, b.scout_id)],
                   'dates', ARRAY[LEAST(a.event_date, b.event_date), GREATEST(a.event_date, b.event_date)])) AS pairs
        FROM ev AS a
        JOIN ev AS b ON b.person_key = a.person_key AND b.id > a.id
                    AND b.scout_id <> a.scout_id
                    AND pg_catalog.abs(b.event_date - a.event_date) < 7
        WHERE a.origin IN ('scouting', 'fleet_migration') AND b.origin IN ('scouting', 'fleet_migration')
        GROUP BY a.person_key
    ),
    latest AS (
        SELECT DISTINCT ON (ev.person_key, ev.origin) ev.person_key, ev.origin, ev.scout_id,
               ev.source_table, ev.source_pk, ev.event_date
        FROM ev
        ORDER BY ev.person_key, ev.origin, (ev.scout_id IS NULL), ev.event_date DESC, ev.id DESC
    ),
    summary AS (
        SELECT o.person_key, pg_catalog.jsonb_object_agg(o.origin, o.n) AS events_by_origin
        FROM (SELECT ev.person_key, ev.origin, pg_catalog.count(*) AS n FROM ev GROUP BY 1, 2) AS o
        GROUP BY o.person_key
    ),
    decision AS (
        SELECT sm.person_key,
               CASE WHEN c.person_key IS NOT NULL THEN 'C'
                    WHEN f.person_key IS NOT NULL THEN 'A_FLEET'
                    WHEN s.person_key IS NOT NULL THEN 'A'
                    WHEN cab.person_key IS NOT NULL THEN 'B'
                    ELSE 'U' END AS rule,
               c.pairs, f, s, cab, sm.events_by_origin
        FROM summary AS sm  -- one row per person of the list with events: ev holds only those
        LEFT JOIN conflicts AS c ON c.person_key = sm.person_key
        LEFT JOIN latest AS f ON f.person_key = sm.person_key AND f.origin = 'fleet_migration'
        LEFT JOIN latest AS s ON s.person_key = sm.person_key AND s.origin = 'scouting'
        LEFT JOIN latest AS cab ON cab.person_key = sm.person_key AND cab.origin = 'cabinet'
    ),
    rows AS (
        SELECT d.person_key,
               CASE d.rule WHEN 'A_FLEET' THEN 'fleet_migration' WHEN 'A' THEN 'scouting'
                           WHEN 'B' THEN 'cabinet' END AS attributed_source,
               CASE d.rule WHEN 'A_FLEET' THEN (d.f).scout_id WHEN 'A' THEN (d.s).scout_id END AS attributed_scout_id,
               d.rule AS attribution_rule,
               CASE d.rule WHEN 'A_FLEET' THEN 0.95 WHEN 'A' THEN 0.95 WHEN 'B' THEN 0.80 ELSE 0 END AS attribution_score,
               CASE d.rule WHEN 'A_FLEET' THEN 'HIGH' WHEN 'A' THEN 'HIGH' WHEN 'B' THEN 'MEDIUM' ELSE 'LOW' END AS confidence_level,
               pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                   'events_by_origin', d.events_by_origin,
                   'conflicting_scouts', d.pairs,
                   'decided_by', CASE d.rule
                       WHEN 'A_FLEET' THEN pg_catalog.jsonb_build_object('source_table', (d.f).source_table, 'source_pk', (d.f).source_pk, 'event_date', (d.f).event_date)
                       WHEN 'A' THEN pg_catalog.jsonb_build_object('source_table', (d.s).source_table, 'source_pk', (d.s).source_pk, 'event_date', (d.s).event_date)
                       WHEN 'B' THEN pg_catalog.jsonb_build_object('source_table', (d.cab).source_table, 'source_pk', (d.cab).source_pk, 'event_date', (d.cab).event_date)
                   END)) AS evidence_json,
               CASE d.rule WHEN 'C' THEN 'conflict' WHEN 'U' THEN 'unassigned' ELSE 'assigned' END AS decision_status
        FROM decision AS d
    ),
    upserted AS (
        INSERT INTO observational.lead_ledger AS l
               (person_key, attributed_source, attributed_scout_id, attribution_rule, attribution_score,
                confidence_level, evidence_json, decision_status)
        SELECT r.person_key, r.attributed_source, r.attributed_scout_id, r.attribution_rule,
               r.attribution_score, r.confidence_level, r.evidence_json, r.decision_status
        FROM rows AS r
        ON CONFLICT (person_key) DO UPDATE
            SET attributed_source = EXCLUDED.attributed_source,
                attributed_scout_id = EXCLUDED.attributed_scout_id,
                attribution_rule = EXCLUDED.attribution_rule,
                attribution_score = EXCLUDED.attribution_score,
                confidence_level = EXCLUDED.confidence_level,
                evidence_json = EXCLUDED.evidence_json,
                decision_status = EXCLUDED.decision_status,
                updated_at = pg_catalog.now()
            WHERE (l.attributed_source, l.attributed_scout_id, l.attribution_rule, l.attribution_score,
                   l.confidence_level, l.evidence_json, l.decision_status)
                  IS DISTINCT FROM
                  (EXCLUDED.attributed_source, EXCLUDED.attributed_scout_id, EXCLUDED.attribution_rule,
                   EXCLUDED.attribution_score, EXCLUDED.confidence_level, EXCLUDED.evidence_json,
                   EXCLUDED.decision_status)
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO v_changed FROM upserted;

    DELETE FROM observational.lead_ledger AS l
    USING pg_temp.lead_ledger_persons AS lp
    WHERE l.person_key = lp.person_key
      AND NOT EXISTS (SELECT FROM observational.lead_events AS e WHERE e.person_key = l.person_key);
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    DROP TABLE pg_temp.lead_ledger_persons;

    RETURN pg_catalog.jsonb_build_object('persons', pg_catalog.cardinality(p_person_keys),
                                         'changed', v_changed, 'removed', v_removed);
END;
$$;
COMMENT ON FUNCTION observational.refresh_lead_ledger(uuid[]) IS 'observational.refresh_lead_ledger(p_person_keys uuid[]) -> jsonb {persons, changed, removed}: recompute attribution decisions (docs/rules.md §5)';
