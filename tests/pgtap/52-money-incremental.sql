-- The incremental money chain: after each kind of change, ops.refresh_money_chain() recomputes only the
-- persons it touches, and the claims and ops.v_cabinet_financial_14d it leaves are exactly those of a
-- full recompute (ops.refresh_money_chain(true) then finds nothing to change, and the contents match).
-- Persons (cabinet lead date; driver; trips):
--   P 2025-12-01 tst-drv-p, 3 trips day 0          Q 2025-12-02 tst-drv-q, 1 trip day 0
--   R 2025-12-03 no driver yet                      S 2025-12-04 tst-drv-s, 2 trips day 1
--   T 2025-12-05 no driver; merged later with U (U: driver tst-drv-u, 6 trips, no lead)
BEGIN;
SELECT plan(39);

-- fixture -------------------------------------------------------------------------------------------
CREATE TEMP TABLE t_person (tag text PRIMARY KEY, person_key uuid NOT NULL) ON COMMIT DROP;
INSERT INTO t_person VALUES
    ('P', 'ae000000-0000-4000-8000-0000000000a1'), ('Q', 'ae000000-0000-4000-8000-0000000000a2'),
    ('R', 'ae000000-0000-4000-8000-0000000000a3'), ('S', 'ae000000-0000-4000-8000-0000000000a4'),
    ('T', 'ae000000-0000-4000-8000-0000000000a5'), ('U', 'ae000000-0000-4000-8000-0000000000a6');
CREATE TEMP TABLE t_clock ON COMMIT DROP AS
SELECT GREATEST(now()::timestamp,
                (SELECT max(created_at) FROM public.summary_daily),
                (SELECT max(source_created_at) FROM observational.driver_daily_trips)) + interval '1 hour' AS t;

INSERT INTO canon.identity_registry (person_key, confidence_level) SELECT person_key, 'HIGH' FROM t_person;
INSERT INTO public.drivers (driver_id, park_id, full_name, hire_date)
SELECT 'tst-drv-' || lower(v.tag), ops.get_setting('target_park_id'), v.n, '2025-11-15'
FROM (VALUES ('P', 'Papa Incuno'), ('Q', 'Quebec Incdos'), ('R', 'Romeo Inctres'), ('S', 'Sierra Inccuatro'),
             ('U', 'Uniform Incseis')) AS v (tag, n);
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT p.person_key, 'drivers', 'tst-drv-' || lower(p.tag), 'R1_PHONE_EXACT', 95, 'HIGH'
FROM t_person AS p WHERE p.tag IN ('P', 'Q', 'S', 'U');
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key)
SELECT 'module_ct_cabinet_leads', 'tst-inc-' || lower(p.tag), v.d::date, p.person_key
FROM t_person AS p
JOIN (VALUES ('P', '2025-12-01'), ('Q', '2025-12-02'), ('R', '2025-12-03'), ('S', '2025-12-04'),
             ('T', '2025-12-05')) AS v (tag, d) USING (tag);
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT v.d, v.f, v.n, 3600, c.t
FROM t_clock AS c CROSS JOIN (VALUES
    ('tst-drv-p', '01-12-2025', 3), ('tst-drv-q', '02-12-2025', 1), ('tst-drv-s', '05-12-2025', 2),
    ('tst-drv-u', '06-12-2025', 6)) AS v (d, f, n);

-- This test runs in one transaction, where every row is stamped with the same now(): after each refresh,
-- pg_temp.incremental() stamps what was written an hour back, as if committed earlier, so that each
-- incremental refresh below sees the change under test only.
-- helpers: the claims and the financial view as they stand; then a full recompute, which must change
-- nothing and leave the same contents
CREATE TEMP TABLE t_claims ON COMMIT DROP AS
SELECT person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date, expected_amount,
       paid_amount, currency, due_date, status, status_detail, payment_count, first_pay_date
FROM ops.cabinet_claims WITH NO DATA;
CREATE TEMP TABLE t_financial ON COMMIT DROP AS SELECT * FROM ops.v_cabinet_financial_14d WITH NO DATA;
CREATE TEMP TABLE t_run (step text PRIMARY KEY, r jsonb) ON COMMIT DROP;
CREATE FUNCTION pg_temp.incremental(p_step text, p_full boolean DEFAULT false) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE v jsonb;
BEGIN
    v := CASE WHEN p_full THEN ops.refresh_money_chain(true) ELSE ops.refresh_money_chain() END;
    INSERT INTO t_run VALUES (p_step, v);
    TRUNCATE t_claims, t_financial;
    INSERT INTO t_claims
    SELECT person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date, expected_amount,
           paid_amount, currency, due_date, status, status_detail, payment_count, first_pay_date
    FROM ops.cabinet_claims;
    INSERT INTO t_financial SELECT * FROM ops.v_cabinet_financial_14d;
    -- what this step changed now looks committed before the next step's change
    UPDATE observational.lead_events SET updated_at = now() - interval '1 hour' WHERE updated_at >= now();
    UPDATE canon.identity_links SET linked_at = now() - interval '1 hour' WHERE linked_at >= now();
    UPDATE canon.person_merges SET merged_at = now() - interval '1 hour' WHERE merged_at >= now();
    RETURN v;
END $$;
CREATE FUNCTION pg_temp.full_changes() RETURNS integer[] LANGUAGE sql AS $$
    SELECT ARRAY[(r #>> '{claims,inserted}')::int, (r #>> '{claims,updated}')::int, (r #>> '{claims,deleted}')::int,
                 (r #>> '{receivable,inserted}')::int, (r #>> '{receivable,updated}')::int,
                 (r #>> '{receivable,deleted}')::int]
    FROM (SELECT ops.refresh_money_chain(true) AS r) AS x;
$$;
CREATE FUNCTION pg_temp.differences() RETURNS bigint LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM (
               (SELECT * FROM t_claims EXCEPT ALL
                SELECT person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date,
                       expected_amount, paid_amount, currency, due_date, status, status_detail, payment_count,
                       first_pay_date FROM ops.cabinet_claims)
               UNION ALL
               (SELECT person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date,
                       expected_amount, paid_amount, currency, due_date, status, status_detail, payment_count,
                       first_pay_date FROM ops.cabinet_claims
                EXCEPT ALL SELECT * FROM t_claims)) AS d)
         + (SELECT count(*) FROM (
               (SELECT * FROM t_financial EXCEPT ALL SELECT * FROM ops.v_cabinet_financial_14d)
               UNION ALL
               (SELECT * FROM ops.v_cabinet_financial_14d EXCEPT ALL SELECT * FROM t_financial)) AS d);
$$;

-- a full refresh to start from (the database may have been refreshed before) ------------------------
SELECT is(pg_temp.incremental('first', true) ->> 'mode', 'full', 'refresh_money_chain(true) recomputes everything');
SELECT is((SELECT last_reason FROM ops.money_refresh_state), 'requested', 'and records why');
SELECT is(pg_temp.incremental('no-op') #>> '{persons_recomputed}', '0',
          'a refresh with nothing new recomputes no person');
SELECT is((SELECT r #>> '{mode}' FROM t_run WHERE step = 'no-op'), 'incremental', 'and is incremental');
SELECT results_eq(
    $$SELECT p.tag, f.funnel_stage, f.trips_14d, f.expected_total FROM t_financial f
      JOIN t_person p USING (person_key) ORDER BY p.tag$$,
    $$VALUES ('P', 'OK', 3::bigint, 25.00), ('Q', 'OK', 1, 25.00), ('R', 'NO_DRIVER', 0, 0.00),
             ('S', 'OK', 2, 25.00), ('T', 'NO_DRIVER', 0, 0.00)$$,
    'the starting receivable');

-- a new trip day for one driver -----------------------------------------------------------------------
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT v.d, v.f, v.n, 3600, c.t + interval '1 minute'
FROM t_clock AS c CROSS JOIN (VALUES
    ('tst-drv-p', '10-12-2025', 2),      -- day 9 of P: M5 reached
    ('tst-drv-q', '20-12-2025', 30)) AS v (d, f, n);  -- day 18 of Q: outside its window
SELECT is(pg_temp.incremental('trips') #>> '{persons_recomputed}', '1',
          'new trip days: only the person whose window holds a new day is recomputed');
SELECT results_eq(
    $$SELECT p.tag, c.milestone_value, c.status, c.expected_amount, c.achieved_date FROM t_claims c
      JOIN t_person p USING (person_key) WHERE p.tag IN ('P', 'Q') ORDER BY p.tag, c.milestone_value$$,
    $$VALUES ('P', 1, 'expected', 25.00, '2025-12-01'::date), ('P', 5, 'expected', 35.00, '2025-12-10'::date),
             ('Q', 1, 'expected', 25.00, '2025-12-02'::date)$$,
    'new trip days: P reaches M5 on day 9; Q''s day 18 changes nothing');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'new trip days: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'new trip days: claims and financial view equal the full recompute');

-- a new payment ---------------------------------------------------------------------------------------
INSERT INTO public.module_ct_cabinet_payments (id, date, driver, driver_id, person_key, trip_1, trip_5, trip_25)
VALUES (990100001, '2025-12-20', 'Papa Incuno', 'tst-drv-p', NULL, true, true, false),
       (990100002, '2025-12-20', 'Sierra Inccuatro', 'tst-drv-s', NULL, false, true, false);
SELECT is(pg_temp.incremental('payment') #>> '{persons_recomputed}', '2',
          'new payments: only the persons paid are recomputed');
SELECT results_eq(
    $$SELECT p.tag, c.milestone_value, c.status, c.paid_amount FROM t_claims c
      JOIN t_person p USING (person_key) WHERE p.tag IN ('P', 'S') ORDER BY p.tag, c.milestone_value$$,
    $$VALUES ('P', 1, 'paid', 25.00), ('P', 5, 'paid', 35.00),
             ('S', 1, 'expected', 0.00), ('S', 5, 'PAID_MISAPPLIED', 35.00)$$,
    'new payments: P''s M1 and M5 are paid, S''s payment on M5 is misapplied');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'new payments: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'new payments: claims and financial view equal the full recompute');

-- a changed payment (re-identified to another driver) --------------------------------------------------
UPDATE public.module_ct_cabinet_payments SET driver_id = 'tst-drv-q', updated_at = now() WHERE id = 990100002;
SELECT is(pg_temp.incremental('payment moved') #>> '{persons_recomputed}', '2',
          'a payment moving to another driver: the person it left and the one it reached are recomputed');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'a payment moved: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'a payment moved: claims and financial view equal the full recompute');

-- a new driver link -----------------------------------------------------------------------------------
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT 'tst-drv-r', '04-12-2025', 5, 3600, c.t + interval '2 minutes' FROM t_clock AS c;
SELECT is(pg_temp.incremental('trips of an unlinked driver') #>> '{persons_recomputed}', '0',
          'trips of a driver linked to no cabinet person recompute no person');
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT person_key, 'drivers', 'tst-drv-r', 'R1_PHONE_EXACT', 95, 'HIGH' FROM t_person WHERE tag = 'R';
SELECT is(pg_temp.incremental('link') #>> '{persons_recomputed}', '1',
          'a new driver link: only the linked person is recomputed');
SELECT results_eq(
    $$SELECT f.funnel_stage, f.driver_id, f.trips_14d, f.expected_total FROM t_financial f
      JOIN t_person p USING (person_key) WHERE p.tag = 'R'$$,
    $$VALUES ('OK', 'tst-drv-r', 5::bigint, 60.00)$$,
    'a new driver link: R now has a driver with 5 trips (M1 and M5)');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'a new driver link: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'a new driver link: claims and financial view equal the full recompute');

-- a link moved by a merge (canon.person_merges; linked_at does not change) ------------------------------
SELECT lives_ok($$SELECT canon.merge_persons('ae000000-0000-4000-8000-0000000000a5',
                                              'ae000000-0000-4000-8000-0000000000a6', 'pgTAP: incremental money')$$,
                'U (driver, no lead) is merged into T (lead, no driver)');
SELECT is(pg_temp.incremental('merge') #>> '{persons_recomputed}', '2',
          'a merge: the kept and the dropped person are recomputed');
SELECT results_eq(
    $$SELECT f.funnel_stage, f.driver_id, f.trips_14d, f.expected_total FROM t_financial f
      JOIN t_person p USING (person_key) WHERE p.tag = 'T'$$,
    $$VALUES ('OK', 'tst-drv-u', 6::bigint, 60.00)$$,
    'a merge: T takes U''s driver and its 6 trips');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'a merge: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'a merge: claims and financial view equal the full recompute');

-- a lead event: an earlier cabinet lead for S, and a lead without a person ------------------------------
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key)
SELECT 'module_ct_cabinet_leads', 'tst-inc-s0', '2025-11-21'::date, person_key FROM t_person WHERE tag = 'S'
UNION ALL
SELECT 'module_ct_cabinet_leads', 'tst-inc-nobody', '2025-12-06'::date, NULL;
SELECT is(pg_temp.incremental('lead') #>> '{persons_recomputed}', '1',
          'new lead events: only their person is recomputed (the person-less lead by its source_pk)');
SELECT results_eq(
    $$SELECT f.lead_source_pk, f.lead_date, f.funnel_stage FROM t_financial f
      WHERE f.lead_source_pk IN ('tst-inc-s', 'tst-inc-s0', 'tst-inc-nobody') ORDER BY 1$$,
    $$VALUES ('tst-inc-nobody', '2025-12-06'::date, 'NO_IDENTITY'), ('tst-inc-s0', '2025-11-21'::date, 'NO_TRIPS_14D')$$,
    'new lead events: S''s row moves to its earlier lead (day 14 and later do not count), the person-less lead gets its row');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'new lead events: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'new lead events: claims and financial view equal the full recompute');

-- a rule change ---------------------------------------------------------------------------------------
UPDATE ops.payment_rules SET valid_to = '2025-12-01'
WHERE scope = 'partner' AND origin = 'cabinet' AND milestone_value = 1 AND is_active AND valid_to IS NULL;
INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, valid_from)
VALUES ('partner', 'cabinet', 'trips', 1, 14, 27.50, '2025-12-02');
SELECT is(pg_temp.incremental('rules') ->> 'reason', 'payment rules or target park changed',
          'a rule change: everything is recomputed');
SELECT results_eq(
    $$SELECT p.tag, c.expected_amount FROM t_claims c JOIN t_person p USING (person_key)
      WHERE c.milestone_value = 1 AND p.tag IN ('P', 'Q', 'R') ORDER BY p.tag$$,
    $$VALUES ('P', 25.00), ('Q', 27.50), ('R', 27.50)$$,
    'a rule change: leads from 2025-12-02 on expect the new M1 amount');
SELECT is(pg_temp.full_changes(), ARRAY[0, 0, 0, 0, 0, 0], 'a rule change: a full recompute changes nothing');
SELECT is(pg_temp.differences(), 0::bigint, 'a rule change: claims and financial view equal the full recompute');
SELECT is(pg_temp.incremental('after rules') #>> '{persons_recomputed}', '0',
          'after the rule change, the next refresh recomputes no person');

-- more changed persons than money_incremental_max_persons: set-based, as the planner's memory for
-- the persons' array grows with it
UPDATE ops.settings SET value = '0' WHERE key = 'money_incremental_max_persons';
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key)
SELECT 'module_ct_cabinet_leads', 'tst-inc-cap', '2025-12-20', person_key FROM t_person WHERE tag = 'P';
SELECT is(pg_temp.incremental('cap') ->> 'mode', 'full',
          'more changed persons than money_incremental_max_persons: everything is recomputed');
SELECT is((SELECT last_reason FROM ops.money_refresh_state),
          'more than 0 persons or person-less leads changed (money_incremental_max_persons)', 'and records why');
UPDATE ops.settings SET value = 'lots' WHERE key = 'money_incremental_max_persons';
SELECT throws_ok($$SELECT ops.refresh_money_chain()$$, '22023', NULL,
                 'a money_incremental_max_persons that is not a count is refused with 22023');
UPDATE ops.settings SET value = '20000' WHERE key = 'money_incremental_max_persons';

SELECT throws_ok($$SELECT ops.refresh_money_chain(NULL)$$, '22004', NULL, 'refresh_money_chain(NULL) is refused');

SELECT * FROM finish();
ROLLBACK;
