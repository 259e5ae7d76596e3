-- The money chain step of ops.run_pipeline(), after events and the ledger: daily trips from
-- summary_daily, the Yango payments ledger, the scout earning lines, the claims, then the 14-day
-- receivable. Serialized by a
-- transaction advisory lock (also taken by the daily trips and payments steps); idempotent (a second
-- call changes nothing); errors propagate.
--
-- Incremental: claims and receivable rows are functions of the person's cabinet lead events, driver
-- link (and that driver's row), daily trips, Yango payments, the payment rules and the target park,
-- and of nothing else; in particular not of today (days_overdue is derived when the views are read).
-- So only the persons whose inputs changed since the last refresh are recomputed:
--   * cabinet lead events with updated_at >= watermark (their person, and the person that held the
--     lead before: a lead moving between persons or losing its person; person-less leads by source_pk);
--   * driver links (canon.identity_links, 'drivers') with linked_at >= watermark, merges
--     (canon.person_merges) since the watermark, drivers re-indexed by identity (drivers_index.updated_at);
--   * daily trips written since daily_trips_mark, for the persons of that driver whose window
--     [lead_date, lead_date + longest partner window, at least 14 days) holds the day: a day outside
--     it changes neither a milestone reached in the window nor trips_14d;
--   * payments with a snapshot after snapshot_mark (every person any snapshot of the payment named).
-- The scout earning lines (ops.refresh_scout_earning_lines) follow the same inputs for the leads of
-- every origin, plus the attribution (lead_ledger.updated_at); new trips matter inside each line's
-- [lead_date, lead_date + window_days). They are recomputed in full with the claims, or when more than
-- a quarter of their persons (or money_incremental_max_persons) changed.
-- The watermark is this refresh's transaction start, or the start of the oldest transaction still
-- open in the database when it began (rows such a transaction writes later carry an older stamp).
-- Everything is recomputed (p_full, the first refresh, changed rules or target park, a full daily
-- trips refresh, or more than a quarter of the persons changed: set-based is then cheaper; or more
-- persons or person-less leads changed than the money_incremental_max_persons setting (default
-- 20,000): the incremental statements are planned with them as array constants, and each "= ANY"
-- clause costs the planner ~650 bytes of transient memory per element (measured: 177 k elements,
-- +111 MB) - a quarter of the persons at scale 1000, 420 k, would take the backend over 1 GB).
CREATE OR REPLACE FUNCTION ops.refresh_money_chain(p_full boolean)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
-- JIT compiles these one-shot set-based statements for longer than they run
SET jit = off
AS $$
DECLARE
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_state ops.money_refresh_state%ROWTYPE;
    v_next_watermark timestamptz;
    v_inputs_hash text;
    v_window integer;
    v_reason text;
    v_persons uuid[];
    v_leads text[];
    v_person_count bigint;
    v_max_persons text := ops.get_setting('money_incremental_max_persons');
    v_receivable_rows bigint;
    v_daily jsonb;
    v_payments jsonb;
    v_claims jsonb;
    v_receivable jsonb;
    v_scout_persons uuid[];
    v_scout_reason text;
    v_scout_lines bigint;
    v_scouts jsonb;
BEGIN
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full is NULL'
            USING ERRCODE = '22004',
                  DETAIL = 'refresh_money_chain needs to know whether to recompute every person.',
                  HINT = 'Call ops.refresh_money_chain() or pass false for an incremental refresh, true for a full one.';
    END IF;
    IF v_max_persons IS NULL OR v_max_persons OPERATOR(pg_catalog.!~) '^[0-9]{1,9}$' THEN
        RAISE EXCEPTION 'setting money_incremental_max_persons is %, not a number of persons',
                        COALESCE(v_max_persons, 'NULL')
            USING ERRCODE = '22023',
                  DETAIL = 'When more persons changed, the money chain is recomputed set-based.',
                  HINT = 'SELECT ops.set_setting(''money_incremental_max_persons'', ''20000'', ''restore the default'');';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:refresh_money_chain'));

    -- the next watermark, read before any data: a transaction open now may commit rows stamped with
    -- its start after this refresh has read; under REPEATABLE READ or SERIALIZABLE the snapshot may be
    -- older than this look, so the watermark then stays where it was
    SELECT CASE WHEN pg_catalog.current_setting('transaction_isolation') = 'read committed'
                THEN LEAST(pg_catalog.now(), pg_catalog.min(a.xact_start)) END
    INTO v_next_watermark
    FROM ops.backend_activity() AS a  -- every backend, without pg_read_all_stats
    WHERE a.datname = pg_catalog.current_database()
      AND a.pid <> pg_catalog.pg_backend_pid()
      AND a.backend_type IN ('client backend', 'background worker')
      AND a.xact_start IS NOT NULL;

    SELECT s.* INTO v_state FROM ops.money_refresh_state AS s WHERE s.singleton;

    v_daily := observational.refresh_driver_daily_trips(p_full);
    v_payments := ops.ingest_cabinet_payments();

    -- what every figure depends on besides the per-person inputs
    SELECT pg_catalog.md5(
               COALESCE(pg_catalog.string_agg(
                   pg_catalog.concat_ws(',', r.id, r.scope, r.origin, r.milestone_type, r.milestone_value,
                                        r.window_days, r.amount, r.currency, r.valid_from, r.valid_to,
                                        r.is_active),
                   ';' ORDER BY r.id), '')
               || '|target_park_id=' || COALESCE((SELECT s.value FROM ops.settings AS s
                                                  WHERE s.key = 'target_park_id'), '(none)')),
           GREATEST(14, pg_catalog.max(r.window_days) FILTER (
               WHERE r.scope = 'partner' AND r.origin = 'cabinet' AND r.is_active))
    INTO v_inputs_hash, v_window
    FROM ops.payment_rules AS r;

    v_reason := CASE WHEN p_full THEN 'requested'
                     WHEN v_state.singleton IS NULL THEN 'first refresh'
                     WHEN v_state.inputs_hash IS DISTINCT FROM v_inputs_hash THEN 'payment rules or target park changed'
                     WHEN v_daily ->> 'mode' = 'full' THEN 'daily trips re-read in full' END;

    IF v_reason IS NULL THEN
        WITH changed_events AS MATERIALIZED (
            SELECT e.person_key, e.source_pk
            FROM observational.lead_events AS e
            WHERE e.updated_at >= v_state.watermark AND e.origin = 'cabinet'
        ),
        changed_days AS MATERIALIZED (
            SELECT t.driver_id, t.trip_date
            FROM observational.driver_daily_trips AS t
            WHERE t.refreshed_at > COALESCE(v_state.daily_trips_mark, '-infinity'::timestamptz)
        ),
        changed_payments AS MATERIALIZED (
            SELECT DISTINCT sn.payment_id
            FROM ops.yango_payment_snapshots AS sn
            WHERE sn.snapshot_id > v_state.snapshot_mark
        ),
        dirty AS (
            SELECT ce.person_key FROM changed_events AS ce WHERE ce.person_key IS NOT NULL
            UNION
            SELECT r.person_key FROM ops.cabinet_receivable AS r
            WHERE r.lead_source_pk IN (SELECT ce.source_pk FROM changed_events AS ce) AND r.person_key IS NOT NULL
            UNION
            SELECT c.person_key FROM ops.cabinet_claims AS c
            WHERE c.lead_source_pk IN (SELECT ce.source_pk FROM changed_events AS ce)
            UNION
            SELECT c.person_key FROM ops.money_identity_changes(v_state.watermark) AS c (person_key)
            UNION
            SELECT r.person_key
            FROM changed_days AS t
            JOIN ops.cabinet_receivable AS r
              ON r.driver_id = t.driver_id AND t.trip_date >= r.lead_date AND t.trip_date < r.lead_date + v_window
            WHERE r.person_key IS NOT NULL
            UNION
            SELECT sn.person_key
            FROM ops.yango_payment_snapshots AS sn
            WHERE sn.payment_id IN (SELECT cp.payment_id FROM changed_payments AS cp) AND sn.person_key IS NOT NULL
        )
        SELECT ARRAY(SELECT d.person_key FROM dirty AS d ORDER BY d.person_key),
               ARRAY(SELECT DISTINCT ce.source_pk FROM changed_events AS ce WHERE ce.person_key IS NULL
                     ORDER BY ce.source_pk)
        INTO v_persons, v_leads;
        v_person_count := pg_catalog.cardinality(v_persons);

        SELECT pg_catalog.count(*) INTO v_receivable_rows FROM ops.cabinet_receivable AS r;
        IF v_person_count > GREATEST(v_receivable_rows / 4, 1000) THEN
            v_reason := 'more than a quarter of the persons changed';
        ELSIF v_person_count > v_max_persons::bigint OR pg_catalog.cardinality(v_leads) > v_max_persons::bigint THEN
            v_reason := pg_catalog.format('more than %s persons or person-less leads changed (money_incremental_max_persons)',
                                          v_max_persons);
        END IF;
    END IF;

    -- the scout earning lines: the same inputs, for the leads of every origin and the persons whose
    -- attribution changed (lead_ledger); new trips matter inside [lead_date, lead_date + window_days)
    IF v_reason IS NULL THEN
        WITH changed_events AS MATERIALIZED (
            SELECT e.person_key, e.source_pk
            FROM observational.lead_events AS e
            WHERE e.updated_at >= v_state.watermark
        ),
        dirty AS (
            SELECT ce.person_key FROM changed_events AS ce WHERE ce.person_key IS NOT NULL
            UNION
            SELECT sl.person_key FROM ops.scout_earning_lines AS sl
            WHERE sl.lead_source_pk IN (SELECT ce.source_pk FROM changed_events AS ce)
            UNION
            SELECT lg.person_key FROM observational.lead_ledger AS lg WHERE lg.updated_at >= v_state.watermark
            UNION
            SELECT c.person_key FROM ops.money_identity_changes(v_state.watermark) AS c (person_key)
            UNION
            SELECT sl.person_key
            FROM observational.driver_daily_trips AS t
            JOIN ops.scout_earning_lines AS sl
              ON sl.driver_id = t.driver_id AND t.trip_date >= sl.lead_date
             AND t.trip_date < sl.lead_date + sl.window_days
            WHERE t.refreshed_at > COALESCE(v_state.daily_trips_mark, '-infinity'::timestamptz)
        )
        SELECT ARRAY(SELECT d.person_key FROM dirty AS d ORDER BY d.person_key) INTO v_scout_persons;
        SELECT pg_catalog.count(*) INTO v_scout_lines FROM ops.scout_earning_lines AS sl;
        -- about four lines a person: more than a quarter of the persons is cheaper set-based
        IF pg_catalog.cardinality(v_scout_persons) > GREATEST(v_scout_lines / 16, 1000) THEN
            v_scout_reason := 'more than a quarter of the persons changed';
        ELSIF pg_catalog.cardinality(v_scout_persons) > v_max_persons::bigint THEN
            v_scout_reason := pg_catalog.format('more than %s persons changed (money_incremental_max_persons)',
                                                v_max_persons);
        END IF;
    ELSE
        v_scout_reason := v_reason;
    END IF;
    v_scouts := CASE WHEN v_scout_reason IS NULL THEN ops.refresh_scout_earning_lines(v_scout_persons)
                     ELSE ops.refresh_scout_earning_lines(NULL::uuid[]) END
                || pg_catalog.jsonb_build_object('reason', v_scout_reason,
                                                 'persons_recomputed', CASE WHEN v_scout_reason IS NULL
                                                     THEN pg_catalog.cardinality(v_scout_persons) END);

    IF v_reason IS NULL THEN
        v_claims := ops.refresh_cabinet_claims(v_persons);
        v_receivable := ops.refresh_cabinet_receivable(v_persons, v_leads);
    ELSE
        v_person_count := NULL;
        v_claims := ops.refresh_cabinet_claims(NULL::uuid[]);
        v_receivable := ops.refresh_cabinet_receivable(NULL::uuid[], NULL::text[]);
    END IF;

    INSERT INTO ops.money_refresh_state AS s
        (singleton, watermark, daily_trips_mark, snapshot_mark, inputs_hash, last_mode, last_reason,
         last_persons, last_started_at, last_finished_at)
    SELECT true,
           COALESCE(v_next_watermark, v_state.watermark, '-infinity'::timestamptz),
           (SELECT pg_catalog.max(t.refreshed_at) FROM observational.driver_daily_trips AS t),
           COALESCE((SELECT pg_catalog.max(sn.snapshot_id) FROM ops.yango_payment_snapshots AS sn), 0),
           v_inputs_hash,
           CASE WHEN v_reason IS NULL THEN 'incremental' ELSE 'full' END,
           v_reason, v_person_count, v_started, pg_catalog.clock_timestamp()
    ON CONFLICT (singleton) DO UPDATE
        SET watermark = EXCLUDED.watermark, daily_trips_mark = EXCLUDED.daily_trips_mark,
            snapshot_mark = EXCLUDED.snapshot_mark, inputs_hash = EXCLUDED.inputs_hash,
            last_mode = EXCLUDED.last_mode, last_reason = EXCLUDED.last_reason,
            last_persons = EXCLUDED.last_persons, last_started_at = EXCLUDED.last_started_at,
            last_finished_at = EXCLUDED.last_finished_at
        WHERE (s.watermark, s.daily_trips_mark, s.snapshot_mark, s.inputs_hash, s.last_mode, s.last_reason,
               s.last_persons, s.last_started_at, s.last_finished_at)
              IS DISTINCT FROM
              (EXCLUDED.watermark, EXCLUDED.daily_trips_mark, EXCLUDED.snapshot_mark, EXCLUDED.inputs_hash,
               EXCLUDED.last_mode, EXCLUDED.last_reason, EXCLUDED.last_persons, EXCLUDED.last_started_at,
               EXCLUDED.last_finished_at);

    RETURN pg_catalog.jsonb_build_object(
        'mode', CASE WHEN v_reason IS NULL THEN 'incremental' ELSE 'full' END,
        'reason', v_reason,
        'persons_recomputed', v_person_count,
        'daily_trips', v_daily,
        'payments', v_payments,
        'claims', v_claims,
        'receivable', v_receivable,
        'scout_lines', v_scouts,
        'elapsed_ms', pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - v_started) * 1000));
END;
$$;
COMMENT ON FUNCTION ops.refresh_money_chain(boolean) IS 'ops.refresh_money_chain(p_full boolean) -> jsonb: refresh daily trips, Yango payments ledger, scout earning lines, claims and the 14-day receivable; lines, claims and receivable only for persons whose inputs changed since the last refresh unless p_full; counts per step';

-- What ops.run_pipeline() calls: the incremental refresh.
CREATE OR REPLACE FUNCTION ops.refresh_money_chain()
RETURNS jsonb
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ops.refresh_money_chain(false);
$$;
COMMENT ON FUNCTION ops.refresh_money_chain() IS 'ops.refresh_money_chain() -> jsonb: incremental refresh of daily trips, Yango payments ledger, claims and the 14-day receivable (ops.refresh_money_chain(false)); counts per step';
