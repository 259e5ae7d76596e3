-- Ingest public.module_ct_cabinet_payments into the append-only Yango payments ledger (docs/rules.md §8).
-- Each payment row is identified: its driver_id if given, else its person_key (a known person), else
-- the one driver of the target park whose name key in canon.drivers_index (kept by identity, the one
-- normalization) equals canon.name_key of the payment's name; two or more such drivers -> 'ambiguous',
-- none -> 'unmatched'. A payment's name key is computed once and kept in its snapshot. A payment whose
-- content or identification differs from its latest snapshot gets a new snapshot plus one ledger row
-- per paid milestone flag; a payment deleted upstream gets an empty 'source_deleted' snapshot. Nothing
-- is ever updated or deleted. Idempotent: a second call appends nothing.
-- Serialized with ops.refresh_money_chain() (same advisory lock), so snapshot_ids grow in commit order
-- and the chain follows new snapshots exactly (snapshot_id after its mark).
CREATE OR REPLACE FUNCTION ops.ingest_cabinet_payments()
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
-- JIT compiles these one-shot set-based statements for longer than they run
SET jit = off
AS $$
DECLARE
    v_target_park text := ops.get_setting('target_park_id');
    v_scanned bigint;
    v_snapshots bigint;
    v_deleted bigint;
    v_lines bigint;
    v_current jsonb;
BEGIN
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead-attribution:refresh_money_chain'));

    WITH latest AS MATERIALIZED (
        SELECT DISTINCT ON (sn.payment_id) sn.*
        FROM ops.yango_payment_snapshots AS sn
        ORDER BY sn.payment_id, sn.snapshot_id DESC
    ),
    src AS MATERIALIZED (
        SELECT p.id AS payment_id, CASE WHEN pg_catalog.isfinite(p.date) THEN p.date END AS pay_date,  -- infinite: no date
               p.time::text AS pay_time, p.scout_id,
               p.driver::text AS driver_name,
               -- over 100 characters it is no driver id: the payment is identified by person or name
               CASE WHEN pg_catalog.length(pg_catalog.btrim(p.driver_id)) BETWEEN 1 AND 100
                    THEN pg_catalog.btrim(p.driver_id) END AS source_driver_id,
               p.person_key AS source_person_key,
               p.trip_1, p.trip_5, p.trip_25, p.created_at, p.updated_at,
               COALESCE(r.merged_into, r.person_key) AS known_person_key,
               CASE WHEN l.snapshot_id IS NOT NULL AND l.driver_name IS NOT DISTINCT FROM p.driver::text
                    THEN l.name_key ELSE canon.name_key(p.driver) END AS name_key
        FROM public.module_ct_cabinet_payments AS p
        LEFT JOIN canon.identity_registry AS r ON r.person_key = p.person_key
        LEFT JOIN latest AS l ON l.payment_id = p.id
    ),
    driver_keys AS MATERIALIZED (
        SELECT i.name_key, pg_catalog.min(i.driver_id) AS driver_id, pg_catalog.count(*) AS candidates
        FROM canon.drivers_index AS i
        WHERE i.park_id = v_target_park AND i.removed_at IS NULL
          AND i.name_key IN (SELECT s.name_key FROM src AS s
                             WHERE s.source_driver_id IS NULL AND s.known_person_key IS NULL)
        GROUP BY i.name_key
    ),
    identified AS (
        SELECT s.*,
               COALESCE(s.source_driver_id, pd.driver_id,
                        CASE WHEN dk.candidates = 1 THEN dk.driver_id END) AS driver_id,
               CASE WHEN s.source_driver_id IS NOT NULL THEN dl.person_key
                    WHEN s.known_person_key IS NOT NULL THEN s.known_person_key
                    WHEN dk.candidates = 1 THEN dl.person_key END AS person_key,
               CASE WHEN s.source_driver_id IS NOT NULL THEN 'driver_id'
                    WHEN s.known_person_key IS NOT NULL THEN 'person_key'
                    WHEN dk.candidates = 1 THEN 'name_key' END AS match_method,
               CASE WHEN s.source_driver_id IS NOT NULL OR s.known_person_key IS NOT NULL
                         OR dk.candidates = 1 THEN 'matched'
                    WHEN dk.candidates > 1 THEN 'ambiguous'
                    ELSE 'unmatched' END AS match_status,
               COALESCE(dk.candidates, 0)::integer AS candidate_count
        FROM src AS s
        LEFT JOIN driver_keys AS dk
               ON s.source_driver_id IS NULL AND s.known_person_key IS NULL AND dk.name_key = s.name_key
        -- the known person's driver, looked up per payment (OFFSET 0 keeps the subquery apart so the
        -- person_key reaches identity_links' index instead of ranking every person's drivers)
        LEFT JOIN LATERAL (
            SELECT v.driver_id
            FROM observational.v_person_driver AS v
            WHERE s.source_driver_id IS NULL AND v.person_key = s.known_person_key
            OFFSET 0
        ) AS pd ON true
        LEFT JOIN canon.identity_links AS dl
               ON dl.source_table = 'drivers'
              AND dl.source_pk = COALESCE(s.source_driver_id, CASE WHEN dk.candidates = 1 THEN dk.driver_id END)
    ),
    changed AS (
        SELECT i.payment_id, false AS source_deleted, i.pay_date, i.pay_time, i.scout_id, i.driver_name,
               i.name_key, i.source_driver_id, i.source_person_key, i.trip_1, i.trip_5, i.trip_25,
               i.created_at, i.updated_at, i.driver_id, i.person_key, i.match_method, i.match_status,
               i.candidate_count
        FROM identified AS i
        LEFT JOIN latest AS l ON l.payment_id = i.payment_id
        WHERE l.payment_id IS NULL
           OR (l.source_deleted, l.pay_date, l.pay_time, l.scout_id, l.driver_name, l.source_driver_id,
               l.source_person_key, l.trip_1, l.trip_5, l.trip_25, l.source_created_at,
               l.source_updated_at, l.driver_id, l.person_key, l.match_method, l.match_status,
               l.candidate_count)
              IS DISTINCT FROM
              (false, i.pay_date, i.pay_time, i.scout_id, i.driver_name, i.source_driver_id,
               i.source_person_key, i.trip_1, i.trip_5, i.trip_25, i.created_at,
               i.updated_at, i.driver_id, i.person_key, i.match_method, i.match_status,
               i.candidate_count)
        UNION ALL
        SELECT l.payment_id, true, l.pay_date, l.pay_time, l.scout_id, l.driver_name,
               l.name_key, l.source_driver_id, l.source_person_key, NULL, NULL, NULL,
               l.source_created_at, l.source_updated_at, l.driver_id, l.person_key, l.match_method,
               l.match_status, l.candidate_count
        FROM latest AS l
        WHERE NOT l.source_deleted
          AND NOT EXISTS (SELECT FROM src AS s WHERE s.payment_id = l.payment_id)
    ),
    snapshots AS (
        INSERT INTO ops.yango_payment_snapshots
            (payment_id, source_deleted, pay_date, pay_time, scout_id, driver_name, name_key, source_driver_id,
             source_person_key, trip_1, trip_5, trip_25, source_created_at, source_updated_at,
             driver_id, person_key, match_method, match_status, candidate_count)
        SELECT c.payment_id, c.source_deleted, c.pay_date, c.pay_time, c.scout_id, c.driver_name,
               c.name_key, c.source_driver_id, c.source_person_key, c.trip_1, c.trip_5, c.trip_25, c.created_at,
               c.updated_at, c.driver_id, c.person_key, c.match_method, c.match_status, c.candidate_count
        FROM changed AS c
        ORDER BY c.payment_id
        RETURNING snapshot_id, payment_id, source_deleted, pay_date, trip_1, trip_5, trip_25,
                  driver_id, person_key, match_method, match_status
    ),
    lines AS (
        INSERT INTO ops.yango_payments_ledger
            (snapshot_id, payment_id, milestone_value, pay_date, driver_id, person_key, match_method,
             match_status)
        SELECT sn.snapshot_id, sn.payment_id, f.milestone_value, sn.pay_date, sn.driver_id,
               sn.person_key, sn.match_method, sn.match_status
        FROM snapshots AS sn
        CROSS JOIN LATERAL (VALUES (1, sn.trip_1), (5, sn.trip_5), (25, sn.trip_25)) AS f (milestone_value, paid)
        WHERE f.paid
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM src),
           (SELECT pg_catalog.count(*) FROM snapshots),
           (SELECT pg_catalog.count(*) FROM snapshots AS sn WHERE sn.source_deleted),
           (SELECT pg_catalog.count(*) FROM lines)
    INTO v_scanned, v_snapshots, v_deleted, v_lines;

    IF v_snapshots > 10000 THEN
        ANALYZE ops.yango_payment_snapshots, ops.yango_payments_ledger;
    END IF;

    SELECT pg_catalog.jsonb_build_object(
               'matched', pg_catalog.count(*) FILTER (WHERE c.match_status = 'matched'),
               'ambiguous', pg_catalog.count(*) FILTER (WHERE c.match_status = 'ambiguous'),
               'unmatched', pg_catalog.count(*) FILTER (WHERE c.match_status = 'unmatched'),
               'matched_without_person', pg_catalog.count(*) FILTER (
                   WHERE c.match_status = 'matched' AND c.person_key IS NULL))
    INTO v_current
    FROM ops.v_yango_payments_current AS c;

    RETURN pg_catalog.jsonb_build_object(
        'payments_scanned', v_scanned,
        'snapshots_appended', v_snapshots,
        'deleted_upstream', v_deleted,
        'ledger_rows_appended', v_lines,
        'current_ledger_rows', v_current);
END;
$$;
COMMENT ON FUNCTION ops.ingest_cabinet_payments() IS 'ops.ingest_cabinet_payments() -> jsonb: append changed Yango payments to the snapshot ledger, identified by driver_id, person_key or unique name key';
