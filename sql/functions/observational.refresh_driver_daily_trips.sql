-- Fold public.summary_daily into observational.driver_daily_trips: one row per driver and day, the
-- latest delivery (created_at; NULL counts as oldest) wins. Incremental: reads the rows loaded since the
-- table's newest created_at minus the lookback_days setting (and rows without created_at); a full run
-- (p_full, or an empty table) re-reads everything and also drops days no longer in the source.
-- A created_at in the future never moves that watermark past now: it is the newest created_at up to a
-- day after now in Lima (a loader's clock or zone can be hours off), so a row dated 2099 cannot hide
-- every later delivery. Rows dated later are re-read by every incremental run (an unchanged day is
-- skipped) and health reports those beyond health_future_dated_days (check source_future_dated).
-- Serialized with ops.refresh_money_chain() (same advisory lock); every row it writes is stamped with
-- one refreshed_at per call, taken once the lock is held, so the chain can tell exactly which days
-- changed since it last looked (refreshed_at after its mark).
-- Per delivery day (created_at::date) it also records in observational.summary_daily_deliveries what
-- it read: rows, unparseable date_file, repeats of a (driver, day) that lose to another delivery (among
-- the rows read together), and the latest trip day not after the delivery day. Only days read whole are
-- recorded (an incremental run: the days after its since's day, and the rows without created_at); a
-- full run records every day and drops the days gone. The summary_daily health checks read these rows.
-- With no such row yet (a first refresh after install or upgrade) the run is a full one.
-- A first fill (empty table) builds the two secondary indexes once after the insert instead of row by
-- row (scale 100, 2.2 M days: 17.7 s insert with them, 6.5 s + 1.3 s build without, measured); see
-- canon.drop_secondary_indexes for the 1 s lock wait and the fallback.
CREATE OR REPLACE FUNCTION observational.refresh_driver_daily_trips(p_full boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql
-- SECURITY DEFINER: dropping and re-creating indexes on a first fill needs the table's owner; the job
-- role runs the pipeline. The argument is a boolean, there is no dynamic SQL here and search_path is pinned.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
-- JIT compiles these one-shot set-based statements for longer than they run
SET jit = off
AS $$
DECLARE
    v_since timestamp;
    v_future timestamp;
    v_full boolean;
    v_scanned bigint;
    v_unparseable bigint;
    v_superseded bigint;
    v_upserted bigint;
    v_deleted bigint;
    v_days_changed bigint;
    v_stamp timestamptz;
    v_index_defs text[];
BEGIN
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full is NULL'
            USING ERRCODE = '22004',
                  DETAIL = 'refresh_driver_daily_trips needs to know whether to re-read all of summary_daily.',
                  HINT = 'Pass false for an incremental refresh, true for a full one.';
    END IF;

    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:refresh_money_chain'));
    v_stamp := pg_catalog.clock_timestamp();

    v_future := pg_catalog.timezone(ops.get_setting('business_timezone'), v_stamp) + interval '1 day';
    SELECT pg_catalog.max(t.source_created_at) FILTER (WHERE t.source_created_at <= v_future)
    INTO v_since FROM observational.driver_daily_trips AS t;
    v_full := p_full OR v_since IS NULL
              OR NOT EXISTS (SELECT FROM observational.summary_daily_deliveries AS d);
    IF NOT v_full THEN
        v_since := v_since - pg_catalog.make_interval(days => ops.get_setting('lookback_days')::integer);
    END IF;
    -- a first fill: the table is empty and there is something to fill it with (an empty summary_daily
    -- would take the table's lock and rebuild its indexes on every run for nothing). Readers of the
    -- table wait for this transaction while the indexes are gone (once, ~35 s at scale 100)
    IF NOT EXISTS (SELECT FROM observational.driver_daily_trips AS t)
       AND EXISTS (SELECT FROM public.summary_daily AS s) THEN
        v_index_defs := canon.drop_secondary_indexes('observational.driver_daily_trips'::regclass);
    END IF;

    WITH src AS MATERIALIZED (
        SELECT p.driver_id, p.trip_date, p.trips, p.work_seconds, p.created_at
        FROM observational.v_summary_daily_parsed AS p
        WHERE v_full OR p.created_at IS NULL OR p.created_at >= v_since
    ),
    latest AS MATERIALIZED (
        SELECT DISTINCT ON (s.driver_id, s.trip_date)
               s.driver_id, s.trip_date, s.trips, s.work_seconds, s.created_at
        FROM src AS s
        WHERE s.trip_date IS NOT NULL AND s.driver_id IS NOT NULL
        ORDER BY s.driver_id, s.trip_date, s.created_at DESC NULLS LAST, s.trips DESC, s.work_seconds DESC
    ),
    upserted AS (
        INSERT INTO observational.driver_daily_trips AS t
            (driver_id, trip_date, trips, work_seconds, source_created_at, refreshed_at)
        SELECT l.driver_id, l.trip_date, l.trips, l.work_seconds, l.created_at, v_stamp
        FROM latest AS l
        -- an incremental run skips a day re-read as it stands (cheaper than a conflict that updates
        -- nothing); a full run inserts into an empty or stale table, and must not rescan it per row
        WHERE v_full
           OR NOT EXISTS (SELECT FROM observational.driver_daily_trips AS o
                          WHERE o.driver_id = l.driver_id AND o.trip_date = l.trip_date
                            AND (o.trips, o.work_seconds, o.source_created_at)
                                IS NOT DISTINCT FROM (l.trips, l.work_seconds, l.created_at))
        ON CONFLICT (driver_id, trip_date) DO UPDATE
            SET trips = EXCLUDED.trips,
                work_seconds = EXCLUDED.work_seconds,
                source_created_at = EXCLUDED.source_created_at,
                refreshed_at = v_stamp
            WHERE (t.trips, t.work_seconds, t.source_created_at)
                  IS DISTINCT FROM (EXCLUDED.trips, EXCLUDED.work_seconds, EXCLUDED.source_created_at)
              AND (v_full OR t.source_created_at IS NULL
                   OR EXCLUDED.source_created_at >= t.source_created_at)
        RETURNING 1
    ),
    deleted AS (
        DELETE FROM observational.driver_daily_trips AS t
        WHERE v_full
          AND NOT EXISTS (SELECT FROM latest AS l
                          WHERE l.driver_id = t.driver_id AND l.trip_date = t.trip_date)
        RETURNING 1
    ),
    -- what was read, per delivery day read whole (docs/operations.md: summary_daily checks)
    winners AS (
        SELECT COALESCE(l.created_at::date, '-infinity'::date) AS delivered_on, pg_catalog.count(*) AS n
        FROM latest AS l
        GROUP BY 1
    ),
    days AS (
        SELECT x.delivered_on, x.rows_delivered, x.unparseable, x.keyed - COALESCE(w.n, 0) AS repeated,
               x.latest_trip_date
        FROM (SELECT COALESCE(s.created_at::date, '-infinity'::date) AS delivered_on,
                     pg_catalog.count(*) AS rows_delivered,
                     pg_catalog.count(*) FILTER (WHERE s.trip_date IS NULL) AS unparseable,
                     pg_catalog.count(*) FILTER (WHERE s.trip_date IS NOT NULL AND s.driver_id IS NOT NULL) AS keyed,
                     pg_catalog.max(s.trip_date) FILTER (WHERE s.trip_date <= s.created_at::date) AS latest_trip_date
              FROM src AS s
              GROUP BY 1) AS x
        LEFT JOIN winners AS w ON w.delivered_on = x.delivered_on
        WHERE v_full OR x.delivered_on > v_since::date OR x.delivered_on = '-infinity'
    ),
    days_upserted AS (
        INSERT INTO observational.summary_daily_deliveries AS d
            (delivered_on, rows_delivered, unparseable, repeated, latest_trip_date, refreshed_at)
        SELECT x.delivered_on, x.rows_delivered, x.unparseable, x.repeated, x.latest_trip_date, v_stamp
        FROM days AS x
        ON CONFLICT (delivered_on) DO UPDATE
            SET rows_delivered = EXCLUDED.rows_delivered, unparseable = EXCLUDED.unparseable,
                repeated = EXCLUDED.repeated, latest_trip_date = EXCLUDED.latest_trip_date,
                refreshed_at = EXCLUDED.refreshed_at
            WHERE (d.rows_delivered, d.unparseable, d.repeated, d.latest_trip_date)
                  IS DISTINCT FROM (EXCLUDED.rows_delivered, EXCLUDED.unparseable, EXCLUDED.repeated,
                                    EXCLUDED.latest_trip_date)
        RETURNING 1
    ),
    days_deleted AS (  -- days read whole that no row is delivered on any more
        DELETE FROM observational.summary_daily_deliveries AS d
        WHERE (v_full OR d.delivered_on > v_since::date OR d.delivered_on = '-infinity')
          AND NOT EXISTS (SELECT FROM days AS x WHERE x.delivered_on = d.delivered_on)
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM src),
           (SELECT pg_catalog.count(*) FROM src AS s WHERE s.trip_date IS NULL),
           (SELECT pg_catalog.count(*) FROM src AS s WHERE s.trip_date IS NOT NULL AND s.driver_id IS NOT NULL)
               - (SELECT pg_catalog.count(*) FROM latest),
           (SELECT pg_catalog.count(*) FROM upserted),
           (SELECT pg_catalog.count(*) FROM deleted),
           (SELECT pg_catalog.count(*) FROM days_upserted) + (SELECT pg_catalog.count(*) FROM days_deleted)
    INTO v_scanned, v_unparseable, v_superseded, v_upserted, v_deleted, v_days_changed;

    IF v_index_defs IS NOT NULL THEN
        PERFORM canon.create_indexes(v_index_defs);
    END IF;

    -- a first fill or a large change: fresh statistics before the next steps plan on this table
    IF v_upserted + v_deleted > 10000 THEN
        ANALYZE observational.driver_daily_trips;
    END IF;

    RETURN pg_catalog.jsonb_build_object(
        'mode', CASE WHEN v_full THEN 'full' ELSE 'incremental' END,
        'since', v_since,
        'scanned', v_scanned,
        'unparseable_dates', v_unparseable,
        'superseded_deliveries', v_superseded,
        'upserted', v_upserted,
        'deleted', v_deleted,
        'delivery_days_changed', v_days_changed);
END;
$$;
COMMENT ON FUNCTION observational.refresh_driver_daily_trips(boolean) IS 'observational.refresh_driver_daily_trips(p_full boolean DEFAULT false) -> jsonb: fold summary_daily into driver_daily_trips (latest delivery wins)';
