-- The money chain end to end on hand-computed fixtures: daily trips -> v_conversion_metrics ->
-- v_payment_calculation -> payments ledger -> claims -> v_cabinet_financial_14d and v_scout_payouts.
-- Persons (cabinet lead date; driver; trips by day):
--   A 2025-12-01  3 trips day 0 (a 1-trip earlier delivery superseded), 2 day 13, 30 day 14; 7 the day
--                 before the lead and 100 on an impossible date (ignored); Yango paid M1 by driver_id
--   B 2025-12-02  25 trips day 3                       C 2025-10-20 (before every rule) 30 trips day 0
--   D 2025-12-10  1 trip, after M1 went to S/ 30       E 2025-12-03 also a scouting registration (scout 990001)
--   F 2025-12-05  1 trip; Yango paid M1 by name only   H 2025-12-04 1 trip; Yango paid M5
--   I 2025-12-06  no trips; Yango paid M1 (person_key)  J 2025-12-07 no driver
--   plus a cabinet lead without a person, two drivers sharing a name, a payment naming nobody.
-- Today is pinned to 2025-12-17 (lead_attribution.today): A's claims are past due, E's due today, D's
-- and H's not yet due.
BEGIN;
SELECT plan(26);
SET LOCAL lead_attribution.today = '2025-12-17';

-- fixture -------------------------------------------------------------------------------------------
CREATE TEMP TABLE t_person (tag text PRIMARY KEY, person_key uuid NOT NULL) ON COMMIT DROP;
INSERT INTO t_person VALUES
    ('A', 'ad000000-0000-4000-8000-0000000000a1'), ('B', 'ad000000-0000-4000-8000-0000000000b2'),
    ('C', 'ad000000-0000-4000-8000-0000000000c3'), ('D', 'ad000000-0000-4000-8000-0000000000d4'),
    ('E', 'ad000000-0000-4000-8000-0000000000e5'), ('F', 'ad000000-0000-4000-8000-0000000000f6'),
    ('H', 'ad000000-0000-4000-8000-0000000000a8'), ('I', 'ad000000-0000-4000-8000-0000000000a9'),
    ('J', 'ad000000-0000-4000-8000-0000000000aa');
-- summary rows are stamped after anything already loaded, so the incremental refresh reads them
CREATE TEMP TABLE t_clock ON COMMIT DROP AS
SELECT GREATEST(now()::timestamp,
                (SELECT max(created_at) FROM public.summary_daily),
                (SELECT max(source_created_at) FROM observational.driver_daily_trips)) + interval '1 hour' AS t;

INSERT INTO canon.identity_registry (person_key, confidence_level) SELECT person_key, 'HIGH' FROM t_person;
INSERT INTO public.drivers (driver_id, park_id, full_name, hire_date)
SELECT d, ops.get_setting('target_park_id'), n, '2025-11-15'
FROM (VALUES ('tst-drv-a', 'Alfa Testuno'), ('tst-drv-b', 'Beta Testdos'), ('tst-drv-c', 'Gama Testres'),
             ('tst-drv-d', 'Delta Testcuatro'), ('tst-drv-e', 'Eco Testcinco'), ('tst-drv-f', 'Ana Quispetest'),
             ('tst-drv-g1', 'Luis Torrestest'), ('tst-drv-g2', 'Luis  Torrestest'),
             ('tst-drv-h', 'Hotel Testocho'), ('tst-drv-i', 'India Testnueve')) AS v (d, n);
-- name keys of drivers are identity's (canon.drivers_index, filled by canon.run_identity)
INSERT INTO canon.drivers_index (driver_id, park_id, name_key, row_hash)
SELECT d.driver_id, d.park_id, canon.name_key(d.full_name), 'fixture'
FROM public.drivers AS d WHERE d.driver_id LIKE 'tst-drv-%';
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT p.person_key, 'drivers', 'tst-drv-' || lower(p.tag), 'R1_PHONE_EXACT', 95, 'HIGH'
FROM t_person AS p WHERE p.tag <> 'J';
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id)
SELECT 'module_ct_cabinet_leads', 'tst-cab-' || lower(p.tag), v.d::date, p.person_key, NULL
FROM t_person AS p
JOIN (VALUES ('A', '2025-12-01'), ('B', '2025-12-02'), ('C', '2025-10-20'), ('D', '2025-12-10'),
             ('E', '2025-12-03'), ('F', '2025-12-05'), ('H', '2025-12-04'), ('I', '2025-12-06'),
             ('J', '2025-12-07')) AS v (tag, d) USING (tag);
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id) VALUES
    ('module_ct_cabinet_leads', 'tst-cab-nobody', '2025-12-08', NULL, NULL),
    ('module_ct_scouting_daily', 'tst-sco-e', '2025-12-03', 'ad000000-0000-4000-8000-0000000000e5', 990001);
INSERT INTO observational.lead_ledger (person_key, attributed_source, attributed_scout_id, attribution_rule,
                                       attribution_score, confidence_level, decision_status)
VALUES ('ad000000-0000-4000-8000-0000000000e5', 'scouting', 990001, 'A', 0.95, 'HIGH', 'assigned');
INSERT INTO public.module_ct_scouts_list (scout_id, name, is_active) VALUES (990001, 'Scout Prueba', true);
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT v.d, v.f, v.n, v.s, c.t - v.age::interval
FROM t_clock AS c CROSS JOIN (VALUES
    ('tst-drv-a', '30-11-2025', 7, 3600, '0 h'),      -- the day before the lead
    ('tst-drv-a', '01-12-2025', 1, 600, '1 h'),       -- superseded by the later delivery below
    ('tst-drv-a', '2025-12-01', 3, 7200, '0 h'),      -- same day, ISO format, latest wins
    ('tst-drv-a', '14-12-2025', 2, 3600, '0 h'),      -- day 13
    ('tst-drv-a', '15-12-2025', 30, 36000, '0 h'),    -- day 14: outside [lead, lead + 14)
    ('tst-drv-a', '31-02-2025', 100, 1, '0 h'),       -- not a date: ignored
    ('tst-drv-b', '05-12-2025', 25, 30000, '0 h'),
    ('tst-drv-c', '20-10-2025', 30, 30000, '0 h'),
    ('tst-drv-d', '10-12-2025', 1, 900, '0 h'),
    ('tst-drv-e', '04-12-2025', 2, 1800, '0 h'),
    ('tst-drv-f', '05-12-2025', 1, 900, '0 h'),
    ('tst-drv-h', '04-12-2025', 1, 900, '0 h')) AS v (d, f, n, s, age);
INSERT INTO public.module_ct_cabinet_payments (id, date, driver, driver_id, person_key, trip_1, trip_5, trip_25) VALUES
    (990000001, '2025-12-20', 'Alfa Testuno', 'tst-drv-a', NULL, true, false, false),
    (990000002, '2025-12-20', 'QUISPETEST, Ána', NULL, NULL, true, false, false),
    (990000003, '2025-12-20', 'Torrestest Luis', NULL, NULL, true, false, false),
    (990000004, '2025-12-20', 'Nadie Nopersontest', NULL, NULL, true, false, false),
    (990000005, '2025-12-20', 'Hotel Testocho', 'tst-drv-h', NULL, false, true, false),
    (990000006, '2025-12-21', NULL, NULL, 'ad000000-0000-4000-8000-0000000000a9', true, false, false);
-- M1 rises to S/ 30 for leads from 2025-12-10 on
UPDATE ops.payment_rules SET valid_to = '2025-12-09'
WHERE scope = 'partner' AND origin = 'cabinet' AND milestone_value = 1 AND is_active AND valid_to IS NULL;
INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
VALUES ('partner', 'cabinet', 'trips', 1, 14, 30.00, '2025-12-10');

CREATE TEMP TABLE t_run1 ON COMMIT DROP AS SELECT ops.refresh_money_chain() AS r;

-- conversion metrics --------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT lead_date, first_connection_date, trip_1_date, trip_5_date, trip_25_date,
             time_to_trip_5_days, trips_7d, trips_14d, trips_30d
      FROM observational.v_conversion_metrics m JOIN t_person p USING (person_key) WHERE p.tag = 'A'$$,
    $$VALUES ('2025-12-01'::date, '2025-12-01'::date, '2025-12-01'::date, '2025-12-14'::date,
              '2025-12-15'::date, 13, 3::bigint, 5::bigint, 35::bigint)$$,
    'A: latest delivery of a day wins, the day before the lead and an impossible date are ignored, M5 on day 13 from 3+2 trips');
SELECT results_eq(
    $$SELECT origin, lead_date, scout_id, driver_id, trips_7d FROM observational.v_conversion_metrics m
      JOIN t_person p USING (person_key) WHERE p.tag = 'E' ORDER BY origin$$,
    $$VALUES ('cabinet', '2025-12-03'::date, 990001, 'tst-drv-e', 2::bigint), ('scouting', '2025-12-03'::date, 990001, 'tst-drv-e', 2::bigint)$$,
    'E: one metrics row per origin, scout from the ledger, the same driver and trips');

-- payment calculation -------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT milestone_value, achieved, achieved_date, payable_date, amount_payable
      FROM ops.v_payment_calculation c JOIN t_person p USING (person_key)
      WHERE p.tag = 'A' AND scope = 'partner' ORDER BY milestone_value$$,
    $$VALUES (1, true, '2025-12-01'::date, '2025-12-15'::date, 25.00),
             (5, true, '2025-12-14'::date, '2025-12-15'::date, 35.00),
             (25, false, NULL::date, '2025-12-15'::date, 0.00)$$,
    'A: M1 on day 0, M5 on day 13; the 30 trips of day 14 do not reach M25 in the 14-day window');
SELECT results_eq(
    $$SELECT milestone_value, achieved_date, amount_payable FROM ops.v_payment_calculation c
      JOIN t_person p USING (person_key) WHERE p.tag = 'B' ORDER BY milestone_value$$,
    $$VALUES (1, '2025-12-05'::date, 25.00), (5, '2025-12-05'::date, 35.00), (25, '2025-12-05'::date, 100.00)$$,
    'B: 25 trips in a day reach M25, hence M5 and M1 the same day (S/ 160)');
SELECT is_empty(
    $$SELECT 1 FROM ops.v_payment_calculation c JOIN t_person p USING (person_key) WHERE p.tag = 'C'$$,
    'C: a lead before every rule''s validity has no payable rows, whatever its trips');
SELECT results_eq(
    $$SELECT p.tag, c.rule_amount, c.amount_payable FROM ops.v_payment_calculation c JOIN t_person p USING (person_key)
      WHERE p.tag IN ('A', 'D') AND c.scope = 'partner' AND c.milestone_value = 1 ORDER BY p.tag$$,
    $$VALUES ('A', 25.00, 25.00), ('D', 30.00, 30.00)$$,
    'a new M1 amount from 2025-12-10 applies to the later lead only');
SELECT results_eq(
    $$SELECT scope, milestone_type, milestone_value, achieved_date, payable_date, scout_id, amount_payable
      FROM ops.v_payment_calculation c JOIN t_person p USING (person_key) WHERE p.tag = 'E'
      ORDER BY scope, milestone_type, milestone_value$$,
    $$VALUES ('partner', 'trips', 1, '2025-12-04'::date, '2025-12-17'::date, NULL::integer, 25.00),
             ('partner', 'trips', 5, NULL, '2025-12-17', NULL, 0.00),
             ('partner', 'trips', 25, NULL, '2025-12-17', NULL, 0.00),
             ('scout', 'connection', 1, '2025-12-04', '2025-12-10', 990001, 0.00),
             ('scout', 'trips', 1, '2025-12-04', '2025-12-10', 990001, 20.00),
             ('scout', 'trips', 5, NULL, '2025-12-10', 990001, 0.00),
             ('scout', 'trips', 25, NULL, '2025-12-10', 990001, 0.00)$$,
    'E: partner rules on the cabinet lead, scout rules (7 days, to the ledger''s scout) on the scouting one');

-- payments ledger -----------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT payment_id, milestone_value, driver_id, match_method, match_status
      FROM ops.v_yango_payments_current WHERE payment_id BETWEEN 990000001 AND 990000006 ORDER BY payment_id$$,
    $$VALUES (990000001, 1, 'tst-drv-a', 'driver_id', 'matched'),
             (990000002, 1, 'tst-drv-f', 'name_key', 'matched'),
             (990000003, 1, NULL, NULL, 'ambiguous'),
             (990000004, 1, NULL, NULL, 'unmatched'),
             (990000005, 5, 'tst-drv-h', 'driver_id', 'matched'),
             (990000006, 1, 'tst-drv-i', 'person_key', 'matched')$$,
    'payments identified by driver_id, by person_key, by a unique name key; a shared name stays ambiguous, an unknown one unmatched');
SELECT is(
    (SELECT candidate_count FROM ops.yango_payment_snapshots WHERE payment_id = 990000003),
    2, 'the ambiguous payment records its two candidate drivers');

-- claims --------------------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT p.tag, c.milestone_value, c.status, c.expected_amount, c.paid_amount, c.due_date
      FROM ops.cabinet_claims c JOIN t_person p USING (person_key) ORDER BY p.tag, c.milestone_value$$,
    $$VALUES ('A', 1, 'paid', 25.00, 25.00, '2025-12-15'::date),
             ('A', 5, 'expected', 35.00, 0.00, '2025-12-15'),
             ('B', 1, 'expected', 25.00, 0.00, '2025-12-16'),
             ('B', 5, 'expected', 35.00, 0.00, '2025-12-16'),
             ('B', 25, 'expected', 100.00, 0.00, '2025-12-16'),
             ('D', 1, 'expected', 30.00, 0.00, '2025-12-24'),
             ('E', 1, 'expected', 25.00, 0.00, '2025-12-17'),
             ('F', 1, 'paid', 25.00, 25.00, '2025-12-19'),
             ('H', 1, 'expected', 25.00, 0.00, '2025-12-18'),
             ('H', 5, 'PAID_MISAPPLIED', 0.00, 35.00, '2025-12-18'),
             ('I', 1, 'PAID_WITHOUT_ACHIEVEMENT', 0.00, 25.00, '2025-12-20')$$,
    'claims: one per reached milestone, paid when Yango paid it, a payment on M5 with only M1 reached is misapplied, a payment without trips is classified');
SELECT is((SELECT count(*) FROM ops.cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'E'),
          1::bigint, 'E (cabinet and scouting) has one Yango claim');
SELECT results_eq(
    $$SELECT items, trip_items, persons, drivers, amount, driver_ids FROM ops.v_scout_payouts
      WHERE scout_id = 990001$$,
    $$VALUES (2::bigint, 1::bigint, 1::bigint, 1::bigint, 20.00, ARRAY['tst-drv-e'])$$,
    'E gives scout 990001 one payout row: first connection (S/ 0) and M1 (S/ 20)');
SELECT results_eq(
    $$SELECT scout_name, iso_week, week_start FROM ops.v_scout_payouts WHERE scout_id = 990001$$,
    $$VALUES ('Scout Prueba', '2025-W50', '2025-12-08'::date)$$,
    'the payout falls in the ISO week of payable_date (2025-12-10)');
SELECT is(
    (SELECT status_detail FROM ops.cabinet_claims c JOIN t_person p USING (person_key)
     WHERE p.tag = 'H' AND c.milestone_value = 5),
    'paid on M5, not reached; reached and unpaid: M1', 'the misapplied payment says which reached milestone is unpaid');
-- A's unpaid M5 claim (S/ 35, due 2025-12-15) and its settled M1 claim, read on five pinned days
CREATE TEMP TABLE t_age ON COMMIT DROP AS
SELECT NULL::date AS today, 0 AS milestone_value, 0 AS days_overdue, ''::text AS overdue_bucket,
       0.00 AS amount_due, 0.00 AS amount_not_yet_due WITH NO DATA;
SET LOCAL lead_attribution.today = '2025-12-14';
INSERT INTO t_age SELECT ops.today(), milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
FROM ops.v_cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'A';
SET LOCAL lead_attribution.today = '2025-12-15';
INSERT INTO t_age SELECT ops.today(), milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
FROM ops.v_cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'A';
SET LOCAL lead_attribution.today = '2025-12-23';
INSERT INTO t_age SELECT ops.today(), milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
FROM ops.v_cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'A';
SET LOCAL lead_attribution.today = '2026-01-20';
INSERT INTO t_age SELECT ops.today(), milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
FROM ops.v_cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'A';
SET LOCAL lead_attribution.today = '2026-02-20';
INSERT INTO t_age SELECT ops.today(), milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
FROM ops.v_cabinet_claims c JOIN t_person p USING (person_key) WHERE p.tag = 'A';
SET LOCAL lead_attribution.today = '2025-12-17';
SELECT results_eq(
    $$SELECT today, milestone_value, days_overdue, overdue_bucket, amount_due, amount_not_yet_due
      FROM t_age ORDER BY today, milestone_value$$,
    $$VALUES ('2025-12-14'::date, 1, 0, 'SETTLED', 0.00, 0.00), ('2025-12-14', 5, 0, 'NOT_DUE', 0.00, 35.00),
             ('2025-12-15', 1, 0, 'SETTLED', 0.00, 0.00), ('2025-12-15', 5, 0, '0-7', 35.00, 0.00),
             ('2025-12-23', 1, 0, 'SETTLED', 0.00, 0.00), ('2025-12-23', 5, 8, '8-30', 35.00, 0.00),
             ('2026-01-20', 1, 0, 'SETTLED', 0.00, 0.00), ('2026-01-20', 5, 36, '31-60', 35.00, 0.00),
             ('2026-02-20', 1, 0, 'SETTLED', 0.00, 0.00), ('2026-02-20', 5, 67, '61+', 35.00, 0.00)$$,
    'a paid claim is settled; an unpaid one is not yet due the day before due_date, due from it, and ages from it by bucket');

-- 14-day receivable ---------------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT f.lead_source_pk, f.funnel_stage, f.expected_total, f.paid_total, f.amount_due,
             f.amount_not_yet_due, f.amount_overpaid, f.due_date
      FROM ops.v_cabinet_financial_14d f WHERE f.lead_source_pk LIKE 'tst-cab-%' ORDER BY 1$$,
    $$VALUES ('tst-cab-a', 'OK', 60.00, 25.00, 35.00, 0.00, 0.00, '2025-12-15'::date),
             ('tst-cab-b', 'OK', 160.00, 0.00, 160.00, 0.00, 0.00, '2025-12-16'),
             ('tst-cab-c', 'OK', 0.00, 0.00, 0.00, 0.00, 0.00, '2025-11-03'),
             ('tst-cab-d', 'OK', 30.00, 0.00, 0.00, 30.00, 0.00, '2025-12-24'),
             ('tst-cab-e', 'OK', 25.00, 0.00, 25.00, 0.00, 0.00, '2025-12-17'),
             ('tst-cab-f', 'OK', 25.00, 25.00, 0.00, 0.00, 0.00, '2025-12-19'),
             ('tst-cab-h', 'OK', 25.00, 35.00, 0.00, 25.00, 35.00, '2025-12-18'),
             ('tst-cab-i', 'NO_TRIPS_14D', 0.00, 25.00, 0.00, 0.00, 25.00, '2025-12-20'),
             ('tst-cab-j', 'NO_DRIVER', 0.00, 0.00, 0.00, 0.00, 0.00, '2025-12-21'),
             ('tst-cab-nobody', 'NO_IDENTITY', 0.00, 0.00, 0.00, 0.00, 0.00, '2025-12-22')$$,
    'one receivable row per cabinet person and per person-less lead on 2025-12-17: due from due_date on (A, B, E), not yet due before (D, H), H''s payment on M5 overpaid and never netted against its unpaid M1');
SELECT results_eq(
    $$SELECT iso_week, driver_id, driver_name, trips_14d, reached_m1, reached_m5, reached_m25,
             expected_m1, expected_m5, expected_m25, paid_m1, paid_m5, paid_m25, days_overdue
      FROM ops.v_cabinet_financial_14d WHERE lead_source_pk = 'tst-cab-a'$$,
    $$VALUES ('2025-W49', 'tst-drv-a', 'Alfa Testuno', 5::bigint, true, true, false, 25.00, 35.00, 0.00,
              25.00, 0.00, 0.00, 2)$$,
    'A in detail: 5 trips in 14 days, M1 and M5 reached, M1 paid, 2 days overdue on 2025-12-17');
SELECT results_eq(
    $$SELECT reached_m1, reached_m25, trips_14d, expected_total, days_overdue
      FROM ops.v_cabinet_financial_14d WHERE lead_source_pk = 'tst-cab-c'$$,
    $$VALUES (true, true, 30::bigint, 0.00, 0)$$,
    'C reached M25 but no rule covers its lead date: nothing expected, nothing overdue');
SELECT is_empty(
    $$SELECT f.lead_source_pk FROM ops.v_cabinet_financial_14d f
      LEFT JOIN (SELECT lead_source_pk, sum(expected_amount) AS e, sum(paid_amount) AS p, sum(amount_due) AS d,
                        sum(amount_not_yet_due) AS n, sum(amount_overpaid) AS o
                 FROM ops.v_cabinet_claims GROUP BY lead_source_pk) c USING (lead_source_pk)
      WHERE (f.expected_total, f.paid_total, f.amount_due, f.amount_not_yet_due, f.amount_overpaid)
            IS DISTINCT FROM (COALESCE(c.e, 0), COALESCE(c.p, 0), COALESCE(c.d, 0), COALESCE(c.n, 0), COALESCE(c.o, 0))$$,
    'every receivable row carries exactly its claims'' expected, paid, due, not yet due and overpaid amounts');
SELECT results_eq(
    $$SELECT sum(expected_total), sum(paid_total) FROM ops.v_cabinet_financial_14d$$,
    $$SELECT sum(expected_amount), sum(paid_amount) FROM ops.cabinet_claims$$,
    'the financial view sums to the claims, expected and paid');

-- idempotence and append-only snapshots -------------------------------------------------------------
SELECT is(
    (SELECT ARRAY[(r #>> '{payments,snapshots_appended}')::int, (r #>> '{claims,inserted}')::int,
                  (r #>> '{claims,updated}')::int, (r #>> '{claims,deleted}')::int,
                  (r #>> '{receivable,inserted}')::int, (r #>> '{receivable,updated}')::int,
                  (r #>> '{receivable,deleted}')::int, (r #>> '{daily_trips,upserted}')::int]
     FROM (SELECT ops.refresh_money_chain() AS r) AS x),
    ARRAY[0, 0, 0, 0, 0, 0, 0, 0],
    'a second refresh changes nothing');
UPDATE public.module_ct_cabinet_payments SET trip_5 = true, updated_at = now() WHERE id = 990000001;
DELETE FROM public.module_ct_cabinet_payments WHERE id = 990000004;
SELECT is(
    (SELECT ARRAY[(r #>> '{payments,snapshots_appended}')::int, (r #>> '{payments,deleted_upstream}')::int,
                  (r #>> '{payments,ledger_rows_appended}')::int]
     FROM (SELECT ops.refresh_money_chain() AS r) AS x),
    ARRAY[2, 1, 2],
    'a changed payment gets a new snapshot with its two flags, a deleted one an empty snapshot');
SELECT results_eq(
    $$SELECT payment_id, milestone_value FROM ops.v_yango_payments_current
      WHERE payment_id IN (990000001, 990000004) ORDER BY 1, 2$$,
    $$VALUES (990000001, 1), (990000001, 5)$$,
    'the latest snapshot wins: the changed payment shows M1 and M5, the deleted one nothing');
SELECT is(
    (SELECT count(*) FROM ops.yango_payments_ledger WHERE payment_id IN (990000001, 990000004)),
    4::bigint, 'earlier snapshots stay in the ledger (append-only)');
SELECT results_eq(
    $$SELECT milestone_value, status, paid_amount FROM ops.cabinet_claims c JOIN t_person p USING (person_key)
      WHERE p.tag = 'A' ORDER BY 1$$,
    $$VALUES (1, 'paid', 25.00), (5, 'paid', 35.00)$$,
    'the new snapshot settles A''s M5 claim');

-- the reader role reads the published views (functions they call need no EXECUTE) -------------------
SET LOCAL ROLE lead_attribution_reader;
CREATE TEMP TABLE t_reader ON COMMIT DROP AS
SELECT (SELECT count(*) FROM observational.v_conversion_metrics) AS metrics,
       (SELECT count(*) FROM ops.v_payment_calculation) AS calculation,
       (SELECT count(*) FROM ops.v_cabinet_financial_14d) AS financial,
       (SELECT count(*) FROM ops.v_scout_payouts) AS payouts,
       (SELECT count(*) FROM ops.payment_rules) AS rules;
RESET ROLE;
SELECT ok((SELECT financial > 0 AND metrics > 0 AND calculation > 0 AND payouts > 0 AND rules > 0 FROM t_reader),
          'lead_attribution_reader reads every published money view and the rules');

SELECT * FROM finish();
ROLLBACK;
