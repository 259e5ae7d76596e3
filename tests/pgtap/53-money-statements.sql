-- What a finance person reads, on hand-computed fixtures, with today pinned (lead_attribution.today):
-- the claims as due / not yet due / overpaid, the 14-day receivable, the Yango statement, the claim
-- lines of a week, and the scout statement with its append-only payout ledger.
-- Cabinet leads of ISO week 2027-W09 (2027-03-01 .. 03-07), due_date = lead date + 14:
--   P 03-01  1 trip 03-01 + 4 on 03-02: M1 + M5 = S/ 60   Yango paid M1 (a partial payment)   due 03-15
--   Q 03-02  5 trips 03-03: M1 + M5 = S/ 60               Yango paid M25 (not reached)        due 03-16
--   R 03-03  1 trip 03-04: M1 = S/ 25                     Yango paid M1 and M5 (overpaid 35)  due 03-17
--   T 03-04  a person without a driver                    S 03-05 a lead without a person
--   and a Yango payment (2027-03-22, W12) of M1 by the driver_id of a driver no person holds.
-- Scout 990053: U registered 2027-03-08, 5 trips 03-09: three lines, connection S/ 0 + M1 20 + M5 25 = S/ 45,
--   payable_date 03-15 (ISO week 2027-W11).
BEGIN;
SELECT plan(35);

CREATE TEMP TABLE t_person (tag text PRIMARY KEY, person_key uuid NOT NULL) ON COMMIT DROP;
INSERT INTO t_person VALUES
    ('P', 'a5300000-0000-4000-8000-000000000001'), ('Q', 'a5300000-0000-4000-8000-000000000002'),
    ('R', 'a5300000-0000-4000-8000-000000000003'), ('T', 'a5300000-0000-4000-8000-000000000004'),
    ('U', 'a5300000-0000-4000-8000-000000000005');
CREATE TEMP TABLE t_clock ON COMMIT DROP AS
SELECT GREATEST(now()::timestamp,
                (SELECT max(created_at) FROM public.summary_daily),
                (SELECT max(source_created_at) FROM observational.driver_daily_trips)) + interval '1 hour' AS t;

INSERT INTO canon.identity_registry (person_key, confidence_level) SELECT person_key, 'HIGH' FROM t_person;
INSERT INTO public.drivers (driver_id, park_id, full_name, hire_date)
SELECT d, ops.get_setting('target_park_id'), n, '2027-02-01'
FROM (VALUES ('t53-drv-p', 'Papa Cincuentres'), ('t53-drv-q', 'Quebec Cincuentres'),
             ('t53-drv-r', 'Romeo Cincuentres'), ('t53-drv-s', 'Sierra Cincuentres'),
             ('t53-drv-u', 'Uniforme Cincuentres')) AS v (d, n);
INSERT INTO canon.drivers_index (driver_id, park_id, name_key, row_hash)
SELECT d.driver_id, d.park_id, canon.name_key(d.full_name), 'fixture'
FROM public.drivers AS d WHERE d.driver_id LIKE 't53-drv-%';
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT p.person_key, 'drivers', 't53-drv-' || lower(p.tag), 'R1_PHONE_EXACT', 95, 'HIGH'
FROM t_person AS p WHERE p.tag IN ('P', 'Q', 'R', 'U');
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id)
SELECT 'module_ct_cabinet_leads', 't53-cab-' || lower(p.tag), v.d::date, p.person_key, NULL
FROM t_person AS p
JOIN (VALUES ('P', '2027-03-01'), ('Q', '2027-03-02'), ('R', '2027-03-03'), ('T', '2027-03-04')) AS v (tag, d)
  USING (tag);
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id) VALUES
    ('module_ct_cabinet_leads', 't53-cab-s', '2027-03-05', NULL, NULL),
    ('module_ct_scouting_daily', 't53-sco-u', '2027-03-08', 'a5300000-0000-4000-8000-000000000005', 990053);
INSERT INTO observational.lead_ledger (person_key, attributed_source, attributed_scout_id, attribution_rule,
                                       attribution_score, confidence_level, decision_status)
VALUES ('a5300000-0000-4000-8000-000000000005', 'scouting', 990053, 'A', 0.95, 'HIGH', 'assigned');
INSERT INTO public.module_ct_scouts_list (scout_id, name, is_active) VALUES (990053, 'Scout Cincuentres', true);
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT v.d, v.f, v.n, 3600, c.t
FROM t_clock AS c CROSS JOIN (VALUES
    ('t53-drv-p', '01-03-2027', 1), ('t53-drv-p', '02-03-2027', 4), ('t53-drv-q', '03-03-2027', 5),
    ('t53-drv-r', '04-03-2027', 1), ('t53-drv-u', '09-03-2027', 5)) AS v (d, f, n);
INSERT INTO public.module_ct_cabinet_payments (id, date, driver, driver_id, person_key, trip_1, trip_5, trip_25) VALUES
    (990053001, '2027-03-20', 'Papa Cincuentres', 't53-drv-p', NULL, true, false, false),
    (990053002, '2027-03-20', 'Quebec Cincuentres', 't53-drv-q', NULL, false, false, true),
    (990053003, '2027-03-20', 'Romeo Cincuentres', 't53-drv-r', NULL, true, true, false),
    (990053004, '2027-03-22', 'Sierra Cincuentres', 't53-drv-s', NULL, true, false, false);
SELECT lives_ok($$SELECT ops.refresh_money_chain()$$, 'the money chain refreshes over the fixture');

-- claims (what is computed once) ---------------------------------------------------------------------
SET LOCAL lead_attribution.today = '2027-03-20';
SELECT results_eq(
    $$SELECT p.tag, c.milestone_value, c.status, c.expected_amount, c.paid_amount, c.due_date, c.iso_week
      FROM ops.cabinet_claims c JOIN t_person p USING (person_key) ORDER BY p.tag, c.milestone_value$$,
    $$VALUES ('P', 1, 'paid', 25.00, 25.00, '2027-03-15'::date, '2027-W09'),
             ('P', 5, 'expected', 35.00, 0.00, '2027-03-15', '2027-W09'),
             ('Q', 1, 'expected', 25.00, 0.00, '2027-03-16', '2027-W09'),
             ('Q', 5, 'expected', 35.00, 0.00, '2027-03-16', '2027-W09'),
             ('Q', 25, 'PAID_MISAPPLIED', 0.00, 100.00, '2027-03-16', '2027-W09'),
             ('R', 1, 'paid', 25.00, 25.00, '2027-03-17', '2027-W09'),
             ('R', 5, 'PAID_WITHOUT_ACHIEVEMENT', 0.00, 35.00, '2027-03-17', '2027-W09')$$,
    'claims: P partly paid, Q paid on a milestone not reached, R paid on M5 above what it earned');
SELECT results_eq(
    $$SELECT payment_id, reason, amount, iso_week FROM ops.v_yango_payments_unclaimed
      WHERE payment_id BETWEEN 990053001 AND 990053004$$,
    $$VALUES (990053004, 'NO_PERSON', 25.00, '2027-W12')$$,
    'the payment naming a driver no person holds matches no claim: S/ 25 in the week of its pay date');

-- the 14-day receivable on three days ----------------------------------------------------------------
CREATE TEMP TABLE t_fin ON COMMIT DROP AS
SELECT ops.today() AS today, f.lead_source_pk, f.funnel_stage, f.expected_total, f.paid_total, f.amount_due,
       f.amount_not_yet_due, f.amount_overpaid, f.days_overdue
FROM ops.v_cabinet_financial_14d f WHERE f.lead_source_pk LIKE 't53-%';
SET LOCAL lead_attribution.today = '2027-03-14';
INSERT INTO t_fin SELECT ops.today(), f.lead_source_pk, f.funnel_stage, f.expected_total, f.paid_total, f.amount_due,
       f.amount_not_yet_due, f.amount_overpaid, f.days_overdue
FROM ops.v_cabinet_financial_14d f WHERE f.lead_source_pk LIKE 't53-%';
SET LOCAL lead_attribution.today = '2027-03-15';
INSERT INTO t_fin SELECT ops.today(), f.lead_source_pk, f.funnel_stage, f.expected_total, f.paid_total, f.amount_due,
       f.amount_not_yet_due, f.amount_overpaid, f.days_overdue
FROM ops.v_cabinet_financial_14d f WHERE f.lead_source_pk LIKE 't53-%';
SELECT results_eq(
    $$SELECT lead_source_pk, funnel_stage, expected_total, paid_total, amount_due, amount_not_yet_due,
             amount_overpaid, days_overdue FROM t_fin WHERE today = '2027-03-20' ORDER BY 1$$,
    $$VALUES ('t53-cab-p', 'OK', 60.00, 25.00, 35.00, 0.00, 0.00, 5),
             ('t53-cab-q', 'OK', 60.00, 100.00, 60.00, 0.00, 100.00, 4),
             ('t53-cab-r', 'OK', 25.00, 60.00, 0.00, 0.00, 35.00, 0),
             ('t53-cab-s', 'NO_IDENTITY', 0.00, 0.00, 0.00, 0.00, 0.00, 0),
             ('t53-cab-t', 'NO_DRIVER', 0.00, 0.00, 0.00, 0.00, 0.00, 0)$$,
    'after every due date: P owes the unpaid M5, Q owes M1 + M5 and is overpaid on M25 (never netted), R is overpaid');
SELECT results_eq(
    $$SELECT lead_source_pk, amount_due, amount_not_yet_due, amount_overpaid, days_overdue
      FROM t_fin WHERE today = '2027-03-14' AND lead_source_pk IN ('t53-cab-p', 't53-cab-q') ORDER BY 1$$,
    $$VALUES ('t53-cab-p', 0.00, 35.00, 0.00, 0), ('t53-cab-q', 0.00, 60.00, 100.00, 0)$$,
    'the day before P''s due date nothing is due yet: the unpaid amounts are not yet due, days_overdue 0');
SELECT results_eq(
    $$SELECT lead_source_pk, amount_due, amount_not_yet_due, days_overdue
      FROM t_fin WHERE today = '2027-03-15' AND lead_source_pk IN ('t53-cab-p', 't53-cab-q') ORDER BY 1$$,
    $$VALUES ('t53-cab-p', 35.00, 0.00, 0), ('t53-cab-q', 0.00, 60.00, 0)$$,
    'on P''s due date its unpaid M5 is due (0 days overdue); Q, due the next day, is not yet');

-- the Yango statement --------------------------------------------------------------------------------
CREATE TEMP TABLE t_stmt ON COMMIT DROP AS
SELECT ops.today() AS today, s.* FROM ops.v_yango_statement s WHERE s.iso_week IN ('2027-W09', '2027-W12');
SET LOCAL lead_attribution.today = '2027-03-14';
INSERT INTO t_stmt SELECT ops.today(), s.* FROM ops.v_yango_statement s WHERE s.iso_week IN ('2027-W09', '2027-W12');
SET LOCAL lead_attribution.today = '2027-03-20';
INSERT INTO t_stmt SELECT ops.today(), s.* FROM ops.v_yango_statement s WHERE s.iso_week IN ('2027-W09', '2027-W12');
SELECT results_eq(
    $$SELECT today, iso_week, week_start, leads, leads_no_person, leads_no_driver, milestones_reached, expected,
             paid, amount_due, amount_not_yet_due, amount_overpaid, claims_overdue, payments_unclaimed,
             payments_unclaimed_amount
      FROM t_stmt WHERE iso_week = '2027-W09' ORDER BY today$$,
    $$VALUES ('2027-03-14'::date, '2027-W09', '2027-03-01'::date, 5::bigint, 1::bigint, 1::bigint, 5::bigint,
              145.00, 185.00, 0.00, 95.00, 135.00, 0::bigint, 0::bigint, 0.00),
             ('2027-03-15', '2027-W09', '2027-03-01', 5, 1, 1, 5, 145.00, 185.00, 35.00, 60.00, 135.00, 0, 0, 0.00),
             ('2027-03-20', '2027-W09', '2027-03-01', 5, 1, 1, 5, 145.00, 185.00, 95.00, 0.00, 135.00, 3, 0, 0.00)$$,
    'the week''s statement on three days: 5 leads (one without a person, one without a driver), S/ 145 expected, S/ 185 paid, due moving from not yet due to due');
SELECT results_eq(
    $$SELECT leads, expected, paid, amount_due, payments_unclaimed, payments_unclaimed_amount
      FROM t_stmt WHERE iso_week = '2027-W12' AND today = '2027-03-20'$$,
    $$VALUES (0::bigint, 0.00, 0.00, 0.00, 1::bigint, 25.00)$$,
    'the payment matching no claim shows in the week of its pay date, apart from any claim');

-- the claim lines to send ----------------------------------------------------------------------------
SELECT results_eq(
    $$SELECT driver_id, lead_date, milestone, amount, paid, amount_due, amount_not_yet_due, amount_overpaid,
             days_overdue, status
      FROM ops.yango_claim_lines('2027-W09') WHERE driver_id LIKE 't53-%'$$,
    $$VALUES ('t53-drv-p', '2027-03-01'::date, 'M1', 25.00, 25.00, 0.00, 0.00, 0.00, 0, 'paid'),
             ('t53-drv-p', '2027-03-01', 'M5', 35.00, 0.00, 35.00, 0.00, 0.00, 5, 'expected'),
             ('t53-drv-q', '2027-03-02', 'M1', 25.00, 0.00, 25.00, 0.00, 0.00, 4, 'expected'),
             ('t53-drv-q', '2027-03-02', 'M5', 35.00, 0.00, 35.00, 0.00, 0.00, 4, 'expected'),
             ('t53-drv-q', '2027-03-02', 'M25', 0.00, 100.00, 0.00, 0.00, 100.00, 0, 'PAID_MISAPPLIED'),
             ('t53-drv-r', '2027-03-03', 'M1', 25.00, 25.00, 0.00, 0.00, 0.00, 0, 'paid'),
             ('t53-drv-r', '2027-03-03', 'M5', 0.00, 35.00, 0.00, 0.00, 35.00, 0, 'PAID_WITHOUT_ACHIEVEMENT')$$,
    'the claim lines of 2027-W09 on 2027-03-20, in lead date, driver, milestone order');
SELECT results_eq(
    $$SELECT sum(amount), sum(paid), sum(amount_due), sum(amount_not_yet_due), sum(amount_overpaid)
      FROM ops.yango_claim_lines('2027-W09')$$,
    $$SELECT expected, paid, amount_due, amount_not_yet_due, amount_overpaid FROM ops.v_yango_statement
      WHERE iso_week = '2027-W09'$$,
    'the claim lines of a week add up to its statement row');
SET LOCAL lead_attribution.today = '2027-03-15';
SELECT results_eq(
    $$SELECT milestone, amount_due, amount_not_yet_due FROM ops.yango_claim_lines('2027-W09')
      WHERE driver_id = 't53-drv-q' AND amount > 0$$,
    $$VALUES ('M1', 0.00, 25.00), ('M5', 0.00, 35.00)$$,
    'before Q''s due date its lines are not yet due');
SET LOCAL lead_attribution.today = '2027-03-20';

-- the scout statement and the payout ledger ----------------------------------------------------------
SET LOCAL lead_attribution.today = '2027-03-14';
SELECT results_eq(
    $$SELECT iso_week, week_start, items, earned, payable, not_yet_payable, paid, owed, overpaid
      FROM ops.v_scout_statement WHERE scout_id = 990053$$,
    $$VALUES ('2027-W11', '2027-03-15'::date, 3::bigint, 45.00, 0.00, 45.00, 0.00, 0.00, 0.00)$$,
    'the day before payable_date the scout''s week is earned but not payable, nothing owed');
SELECT is_empty($$SELECT 1 FROM ops.v_scout_payouts WHERE scout_id = 990053$$,
                'a week not yet payable is not in the payouts to make');
SELECT throws_ok($$SELECT ops.record_scout_payout(990053, '2027-W12', 45, 'early')$$, '22023', NULL,
                 'a week in which the scout earned nothing is refused');
SET LOCAL lead_attribution.today = '2027-03-15';
SELECT results_eq(
    $$SELECT earned, payable, not_yet_payable, paid, owed, overpaid FROM ops.v_scout_statement
      WHERE scout_id = 990053 AND iso_week = '2027-W11'$$,
    $$VALUES (45.00, 45.00, 0.00, 0.00, 45.00, 0.00)$$,
    'on payable_date the week is payable and owed');
SELECT results_eq(
    $$SELECT iso_week, amount FROM ops.v_scout_payouts WHERE scout_id = 990053$$,
    $$VALUES ('2027-W11', 45.00)$$,
    'and it appears in the payouts to make');
CREATE TEMP TABLE t_payout ON COMMIT DROP AS
SELECT ops.record_scout_payout(990053, '2027-W11', 45.00, 'transfer 53-1') AS payout_id;
SELECT results_eq(
    $$SELECT paid, owed, overpaid, payouts FROM ops.v_scout_statement WHERE scout_id = 990053 AND iso_week = '2027-W11'$$,
    $$VALUES (45.00, 0.00, 0.00, 1::bigint)$$,
    'a recorded payout settles the week');
SELECT lives_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', -45.00, 'reversal of transfer 53-1')$$,
                'a payout is reversed by a negative entry');
SELECT results_eq(
    $$SELECT paid, owed, overpaid, payouts FROM ops.v_scout_statement WHERE scout_id = 990053 AND iso_week = '2027-W11'$$,
    $$VALUES (0.00, 45.00, 0.00, 2::bigint)$$,
    'after the reversal the week is owed again');
SELECT lives_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', 45.00, 'transfer 53-2')$$,
                'the payout is recorded again');
SELECT lives_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', 45.00, 'transfer 53-3')$$,
                'and, by mistake, once more');
SELECT results_eq(
    $$SELECT paid, owed, overpaid, payouts FROM ops.v_scout_statement WHERE scout_id = 990053 AND iso_week = '2027-W11'$$,
    $$VALUES (90.00, 0.00, 45.00, 4::bigint)$$,
    'paying the same week twice shows as overpaid');
-- the person leaves the scout (a split or a merge re-attributes the lead) after the payouts
UPDATE observational.lead_ledger SET attributed_scout_id = NULL
WHERE person_key = 'a5300000-0000-4000-8000-000000000005';
-- the earned lines are materialized: the next money chain refresh sees the changed attribution
SELECT ops.refresh_money_chain();
SELECT results_eq(
    $$SELECT earned, paid, owed, overpaid FROM ops.v_scout_statement WHERE scout_id = 990053 AND iso_week = '2027-W11'$$,
    $$VALUES (0.00, 90.00, 0.00, 90.00)$$,
    're-attribution after a payout never rewrites it: the earned line leaves, the payouts stay, the week shows overpaid');
SELECT results_eq(
    $$SELECT amount, reference FROM ops.scout_payouts WHERE scout_id = 990053 ORDER BY payout_id$$,
    $$VALUES (45.00, 'transfer 53-1'), (-45.00, 'reversal of transfer 53-1'), (45.00, 'transfer 53-2'),
             (45.00, 'transfer 53-3')$$,
    'the ledger keeps every entry as recorded');

-- errors ---------------------------------------------------------------------------------------------
SET LOCAL ROLE lead_attribution_writer;
SELECT throws_ok($$INSERT INTO ops.scout_payouts (scout_id, iso_week, week_start, amount, reference)
                   VALUES (990053, '2027-W11', '2027-03-15', 45, 'by hand')$$, '42501', NULL,
                 'the writer cannot append to the ledger by hand, only through ops.record_scout_payout');
SELECT lives_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', -45.00, 'reversal of transfer 53-3')$$,
                'the writer records payouts through ops.record_scout_payout');
RESET ROLE;
SELECT throws_ok($$UPDATE ops.scout_payouts SET amount = 1 WHERE scout_id = 990053$$, '42501', NULL,
                 'a recorded payout cannot be updated');
SELECT throws_ok($$DELETE FROM ops.scout_payouts WHERE scout_id = 990053$$, '42501', NULL,
                 'nor deleted');
SELECT throws_ok($$TRUNCATE ops.scout_payouts$$, '42501', NULL, 'nor truncated');
SELECT throws_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', -100.00, 'too much')$$, '22023', NULL,
                 'a reversal above what was paid that week is refused');
SELECT throws_ok($$SELECT ops.record_scout_payout(990053, '2027-W11', 0, 'nothing')$$, '22023', NULL,
                 'a zero payout is refused');
SELECT throws_ok($$SELECT ops.record_scout_payout(990054, '2027-W11', 10, 'who')$$, '22023', 'unknown scout 990054',
                 'an unknown scout is refused');
SELECT throws_ok($$SELECT ops.record_scout_payout(990053, '2027-W54', 10, 'when')$$, '22023', NULL,
                 'a week that does not exist is refused');
SELECT throws_ok($$SELECT * FROM ops.yango_claim_lines('2027-9')$$, '22023', NULL,
                 'a badly written ISO week is refused');
SELECT throws_ok($$SELECT * FROM ops.yango_claim_lines(NULL)$$, '22004', NULL, 'a NULL week is refused');

SELECT * FROM finish();
ROLLBACK;
