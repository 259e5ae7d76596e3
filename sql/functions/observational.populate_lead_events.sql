-- Fill observational.lead_events for lead dates p_date_from..p_date_to (both included), identity
-- included: canon.run_identity runs first, in the same transaction, so events always carry the
-- person_key of canon.identity_links and no second process can be forgotten (the 2025-12-14 stall).
-- Idempotent: identical events are left alone, changed ones updated, new ones inserted; rows that
-- cannot be events (no pk, no usable date, duplicate or overlong pk) go to lead_event_rejects, whatever
-- their date. Every event keeps the version of the raw row it was read from (source_version): a raw row
-- rewritten upstream with the same content only gets its version stored (updated_at, run_id and the
-- money chain's view of it stay as they were).
-- Concurrent calls serialize on an advisory lock: the second waits, then finds nothing to do. A call
-- whose dates a previous call covered, with no input changed since (observational.populate_fingerprint),
-- reads no source row: its counts come from identity and the last scan (observational.populate_state).
CREATE OR REPLACE FUNCTION observational.populate_lead_events(p_date_from date, p_date_to date)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_today date;
    v_date_to date := p_date_to;
    v_max_days integer;
    v_run_id bigint;
    v_identity jsonb;
    v_sources jsonb;
    v_ledger jsonb;
    v_result jsonb;
    v_fp text;
    v_fp_stored text;
    v_covered datemultirange;
    v_rejected jsonb;
    v_moved uuid[];
BEGIN
    IF p_date_from IS NULL OR p_date_to IS NULL THEN
        RAISE EXCEPTION 'populate_lead_events needs both dates, got date_from % and date_to %',
                        COALESCE(p_date_from::text, 'NULL'), COALESCE(p_date_to::text, 'NULL')
            USING ERRCODE = '22004',
                  DETAIL = 'Lead dates are read from date_from to date_to, both included.',
                  HINT = 'Example: SELECT observational.populate_lead_events(''2025-12-15'', ''2026-01-07'');';
    END IF;
    IF p_date_from > p_date_to THEN
        RAISE EXCEPTION 'date_from % is after date_to %', p_date_from, p_date_to
            USING ERRCODE = '22023',
                  DETAIL = 'populate_lead_events reads lead dates from date_from to date_to, both included.',
                  HINT = 'Swap the arguments.';
    END IF;
    v_today := ops.today();
    IF v_date_to > v_today THEN
        RAISE NOTICE 'date_to % is in the future; clamped to today %', p_date_to, v_today;
        v_date_to := GREATEST(v_today, p_date_from);
    END IF;
    v_max_days := ops.get_setting('max_range_days')::integer;
    IF v_date_to - p_date_from + 1 > v_max_days THEN
        RAISE EXCEPTION 'range % to % spans % days, more than max_range_days %',
                        p_date_from, v_date_to, v_date_to - p_date_from + 1, v_max_days
            USING ERRCODE = '22023',
                  DETAIL = 'One call is one transaction; very long ranges hold locks and memory for too long.',
                  HINT = format('Split it into calls of at most %s days, or raise the max_range_days setting.', v_max_days);
    END IF;

    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.populate'));
    v_run_id := ops.start_run('populate_lead_events', p_date_from, v_date_to);

    RAISE NOTICE 'populate_lead_events %..%: identity', p_date_from, v_date_to;
    v_identity := canon.run_identity(p_date_from, v_date_to);

    -- nothing new: the range's events and ledger are current when no input changed since a call that
    -- covered these dates (observational.populate_fingerprint). The counts then come from identity (valid
    -- records of the range, which it counted or kept from its last scan) and the last full scan (rejects).
    v_fp := observational.populate_fingerprint();
    SELECT st.fingerprint, st.covered, st.rejected INTO v_fp_stored, v_covered, v_rejected
    FROM observational.populate_state AS st;
    IF v_fp_stored = v_fp AND v_covered @> pg_catalog.daterange(p_date_from, v_date_to, '[]') THEN
        SELECT pg_catalog.jsonb_object_agg(t.source_table, pg_catalog.jsonb_build_object(
                   'scanned', t.valid + t.rejected, 'inserted', 0, 'updated', 0, 'unchanged', t.valid,
                   'rejected', t.rejected, 'rejects_new_or_changed', 0, 'rejects_healed', 0))
        INTO v_sources
        FROM (SELECT x.source_table,
                     COALESCE((v_identity #>> ARRAY['sources', x.source_table, 'scanned'])::bigint, 0) AS valid,
                     COALESCE((v_rejected ->> x.source_table)::bigint, 0) AS rejected
              FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations'))
                   AS x (source_table)) AS t;
        v_result := pg_catalog.jsonb_build_object(
            'run_id', v_run_id, 'date_from', p_date_from, 'date_to', v_date_to,
            'sources', v_sources,
            'identity', v_identity,
            'ledger', pg_catalog.jsonb_build_object('changed', 0, 'removed', 0,
                                                    'skipped', 'no input changed since a call that covered the range'));
        PERFORM ops.finish_run(v_run_id, 'succeeded', v_result);
        RAISE NOTICE 'populate_lead_events %..%: done, nothing changed since a call that covered the range',
            p_date_from, v_date_to;
        RETURN v_result;
    END IF;
    IF v_fp_stored IS DISTINCT FROM v_fp OR v_covered IS NULL THEN
        v_covered := '{}'::datemultirange;  -- current for no date but those of this call
    END IF;

    RAISE NOTICE 'populate_lead_events %..%: events', p_date_from, v_date_to;
    WITH scan AS MATERIALIZED (
        SELECT l.source_table, l.source_pk, l.lead_date, l.scout_id, l.reject_reason, l.payload_json,
               l.row_version
        FROM observational.v_source_leads AS l
        WHERE l.lead_date BETWEEN p_date_from AND v_date_to OR l.reject_reason IS NOT NULL
    ),
    upserted AS (
        INSERT INTO observational.lead_events AS e
               (source_table, source_pk, event_date, person_key, scout_id, payload_json, run_id, source_version)
        SELECT s.source_table, s.source_pk, s.lead_date, k.person_key, s.scout_id, s.payload_json, v_run_id,
               s.row_version
        FROM scan AS s
        LEFT JOIN canon.identity_links AS k
               ON k.source_table = s.source_table AND k.source_pk = s.source_pk
        WHERE s.reject_reason IS NULL
        ON CONFLICT (source_table, source_pk) DO UPDATE
            SET event_date = EXCLUDED.event_date, person_key = EXCLUDED.person_key,
                scout_id = EXCLUDED.scout_id, payload_json = EXCLUDED.payload_json,
                source_version = EXCLUDED.source_version,
                run_id = CASE WHEN (e.event_date, e.person_key, e.scout_id, e.payload_json)
                                   IS DISTINCT FROM (EXCLUDED.event_date, EXCLUDED.person_key, EXCLUDED.scout_id,
                                                     EXCLUDED.payload_json)
                              THEN EXCLUDED.run_id ELSE e.run_id END,
                updated_at = CASE WHEN (e.event_date, e.person_key, e.scout_id, e.payload_json)
                                       IS DISTINCT FROM (EXCLUDED.event_date, EXCLUDED.person_key, EXCLUDED.scout_id,
                                                         EXCLUDED.payload_json)
                                  THEN pg_catalog.now() ELSE e.updated_at END
            WHERE (e.event_date, e.person_key, e.scout_id, e.payload_json, e.source_version)
                  IS DISTINCT FROM (EXCLUDED.event_date, EXCLUDED.person_key, EXCLUDED.scout_id, EXCLUDED.payload_json,
                                    EXCLUDED.source_version)
        -- changed: inserted or its content updated now (a version-only update keeps its updated_at)
        RETURNING e.source_table, e.source_pk, e.person_key, (e.xmax = 0) AS inserted,
                  (e.updated_at = pg_catalog.now()) AS changed
    ),
    rejected AS (
        INSERT INTO observational.lead_event_rejects AS r (source_table, source_pk, reason_code, details, run_id)
        SELECT s.source_table, s.source_pk, s.reject_reason,
               pg_catalog.jsonb_build_object('lead_date', s.lead_date), v_run_id
        FROM scan AS s
        WHERE s.reject_reason IS NOT NULL
        ON CONFLICT (source_table, source_pk) DO UPDATE
            SET reason_code = EXCLUDED.reason_code, details = EXCLUDED.details,
                run_id = EXCLUDED.run_id, last_seen_at = pg_catalog.now()
            WHERE (r.reason_code, r.details) IS DISTINCT FROM (EXCLUDED.reason_code, EXCLUDED.details)
        RETURNING r.source_table
    ),
    healed AS (  -- a row fixed upstream leaves the rejects once it is an event
        DELETE FROM observational.lead_event_rejects AS r
        USING scan AS s
        WHERE s.reject_reason IS NULL AND r.source_table = s.source_table AND r.source_pk = s.source_pk
        RETURNING r.source_table
    ),
    counts AS (
        SELECT t.source_table,
               pg_catalog.count(s.source_pk) FILTER (WHERE s.reject_reason IS NULL) AS valid,
               pg_catalog.count(s.source_pk) FILTER (WHERE s.reject_reason IS NOT NULL) AS rejected
        FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations'))
             AS t (source_table)
        LEFT JOIN scan AS s ON s.source_table = t.source_table
        GROUP BY t.source_table
    )
    SELECT pg_catalog.jsonb_object_agg(c.source_table, pg_catalog.jsonb_build_object(
               'scanned', c.valid + c.rejected,
               'inserted', COALESCE(u.inserted, 0),
               'updated', COALESCE(u.updated, 0),
               'unchanged', c.valid - COALESCE(u.inserted, 0) - COALESCE(u.updated, 0),
               'rejected', c.rejected,
               'rejects_new_or_changed', (SELECT pg_catalog.count(*) FROM rejected AS r WHERE r.source_table = c.source_table),
               'rejects_healed', (SELECT pg_catalog.count(*) FROM healed AS h WHERE h.source_table = c.source_table)))
    INTO v_sources
    FROM counts AS c
    LEFT JOIN (SELECT u.source_table,
                      pg_catalog.count(*) FILTER (WHERE u.inserted) AS inserted,
                      pg_catalog.count(*) FILTER (WHERE NOT u.inserted AND u.changed) AS updated
               FROM upserted AS u GROUP BY u.source_table) AS u ON u.source_table = c.source_table;

    -- records this call's identity run linked outside the range (NAME+DATE looking back at a name-only
    -- record queued earlier, docs/identity.md "Stability"): their events take the person now
    WITH moved AS (
        UPDATE observational.lead_events AS e
        SET person_key = l.person_key, run_id = v_run_id, updated_at = pg_catalog.now()
        FROM canon.identity_links AS l
        WHERE l.linked_at >= pg_catalog.now() AND l.source_table <> 'drivers'
          AND e.source_table = l.source_table AND e.source_pk = l.source_pk
          AND e.event_date NOT BETWEEN p_date_from AND v_date_to
          AND e.person_key IS DISTINCT FROM l.person_key
        RETURNING e.person_key
    )
    SELECT pg_catalog.array_agg(DISTINCT m.person_key) INTO v_moved FROM moved AS m;

    RAISE NOTICE 'populate_lead_events %..%: attribution ledger', p_date_from, v_date_to;
    -- every person with an event in the range (all events this run inserted or updated are in it), and
    -- the persons of the events moved above
    v_ledger := observational.refresh_lead_ledger(ARRAY(
        SELECT DISTINCT e.person_key FROM observational.lead_events AS e
        WHERE e.person_key IS NOT NULL
          AND e.event_date BETWEEN p_date_from AND v_date_to
        UNION
        SELECT m.person_key FROM pg_catalog.unnest(v_moved) AS m (person_key)));

    INSERT INTO observational.populate_state AS st (singleton, fingerprint, covered, rejected, run_id, updated_at)
    VALUES (true, observational.populate_fingerprint(),
            v_covered + pg_catalog.datemultirange(pg_catalog.daterange(p_date_from, v_date_to, '[]')),
            (SELECT pg_catalog.jsonb_object_agg(k.key, (k.value ->> 'rejected')::bigint)
             FROM pg_catalog.jsonb_each(v_sources) AS k),
            v_run_id, pg_catalog.now())
    ON CONFLICT (singleton) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, covered = EXCLUDED.covered, rejected = EXCLUDED.rejected,
        run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at;

    v_result := pg_catalog.jsonb_build_object(
        'run_id', v_run_id, 'date_from', p_date_from, 'date_to', v_date_to,
        'sources', v_sources,
        'identity', v_identity,
        'ledger', v_ledger);
    PERFORM ops.finish_run(v_run_id, 'succeeded', v_result);
    RAISE NOTICE 'populate_lead_events %..%: done', p_date_from, v_date_to;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION observational.populate_lead_events(date, date) IS 'observational.populate_lead_events(p_date_from date, p_date_to date) -> jsonb {run_id, date_from, date_to, sources: {<source_table>: {scanned, inserted, updated, unchanged, rejected}}, identity, ledger}: identity + events for lead dates in the inclusive range';
