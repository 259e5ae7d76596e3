-- What was sent to Yango is never rewritten: ops.record_claims_sent snapshots a week's claim lines; a
-- split and a merge afterwards change the week's claims, and the lines and the statement show what was
-- sent unchanged and the adjustment since as its own lines and columns. Today pinned to 2027-05-01.
-- Cabinet leads of ISO week 2027-W14 (2027-04-05 .. 04-11):
--   A 04-05, driver a: 1 trip 04-05                    M1 = S/ 25
--   B 04-06, driver b: 5 trips 04-07                   M1 + M5 = S/ 60
--   E 04-07, no driver (F, without a cabinet lead, holds driver e: 1 trip 04-08)
-- Sent: a M1 25, b M1 25, b M5 35 = S/ 85.
-- Then a split gives B's lead to C (a person without a driver): b's claims are withdrawn (-25, -35),
-- and F is merged into E: e M1 is claimed (+25). The week claims S/ 50 = 85 sent - 35 adjustment.
BEGIN;
SELECT plan(25);

CREATE TEMP TABLE t_person (tag text PRIMARY KEY, person_key uuid NOT NULL) ON COMMIT DROP;
INSERT INTO t_person VALUES
    ('A', 'a5400000-0000-4000-8000-00000000000a'), ('B', 'a5400000-0000-4000-8000-00000000000b'),
    ('C', 'a5400000-0000-4000-8000-00000000000c'), ('E', 'a5400000-0000-4000-8000-00000000000e'),
    ('F', 'a5400000-0000-4000-8000-00000000000f');
CREATE TEMP TABLE t_clock ON COMMIT DROP AS
SELECT GREATEST(now()::timestamp,
                (SELECT max(created_at) FROM public.summary_daily),
                (SELECT max(source_created_at) FROM observational.driver_daily_trips)) + interval '1 hour' AS t;

INSERT INTO canon.identity_registry (person_key, confidence_level) SELECT person_key, 'HIGH' FROM t_person;
INSERT INTO public.drivers (driver_id, park_id, full_name, hire_date)
SELECT d, ops.get_setting('target_park_id'), n, '2027-03-01'
FROM (VALUES ('t54-drv-a', 'Alfa Cincuentcuatro'), ('t54-drv-b', 'Bravo Cincuentcuatro'),
             ('t54-drv-e', 'Eco Cincuentcuatro')) AS v (d, n);
INSERT INTO canon.drivers_index (driver_id, park_id, name_key, row_hash)
SELECT d.driver_id, d.park_id, canon.name_key(d.full_name), 'fixture'
FROM public.drivers AS d WHERE d.driver_id LIKE 't54-drv-%';
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT p.person_key, 'drivers', v.d, 'R1_PHONE_EXACT', 95, 'HIGH'
FROM t_person AS p JOIN (VALUES ('A', 't54-drv-a'), ('B', 't54-drv-b'), ('F', 't54-drv-e')) AS v (tag, d) USING (tag);
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id)
SELECT 'module_ct_cabinet_leads', 't54-cab-' || lower(p.tag), v.d::date, p.person_key, NULL
FROM t_person AS p
JOIN (VALUES ('A', '2027-04-05'), ('B', '2027-04-06'), ('E', '2027-04-07')) AS v (tag, d) USING (tag);
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT v.d, v.f, v.n, 3600, c.t
FROM t_clock AS c CROSS JOIN (VALUES
    ('t54-drv-a', '05-04-2027', 1), ('t54-drv-b', '07-04-2027', 5), ('t54-drv-e', '08-04-2027', 1)) AS v (d, f, n);
SET LOCAL lead_attribution.today = '2027-05-01';

-- shape -----------------------------------------------------------------------------------------------
SELECT has_table('ops', 'claim_sendings', 'ops.claim_sendings records each sending of a week');
SELECT has_table('ops', 'sent_claim_lines', 'ops.sent_claim_lines keeps the lines as they were sent');
SELECT function_returns('ops', 'record_claims_sent', ARRAY['text', 'text'], 'integer',
                        'ops.record_claims_sent(text, text) returns the number of lines recorded');
SELECT ok(has_function_privilege('lead_attribution_writer', 'ops.record_claims_sent(text, text)', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_job', 'ops.record_claims_sent(text, text)', 'EXECUTE')
          AND NOT has_function_privilege('lead_attribution_reader', 'ops.record_claims_sent(text, text)', 'EXECUTE'),
          'a person with the writer role records a sending; the job and the reader cannot');

-- behaviour: the week before and after it was sent ---------------------------------------------------
SELECT lives_ok($$SELECT ops.refresh_money_chain()$$, 'the money chain refreshes over the fixture');
SELECT results_eq(
    $$SELECT driver_id, milestone, amount, status, sent_amount, adjustment FROM ops.yango_claim_lines('2027-W14')
      WHERE driver_id LIKE 't54-%'$$,
    $$VALUES ('t54-drv-a', 'M1', 25.00, 'expected', NULL::numeric, NULL::numeric),
             ('t54-drv-b', 'M1', 25.00, 'expected', NULL, NULL),
             ('t54-drv-b', 'M5', 35.00, 'expected', NULL, NULL)$$,
    'a week never sent: three claims, no sent amount, no adjustment');
SELECT is(ops.record_claims_sent('2027-W14', 'mail 54-1'), 3, 'sending the week records its three lines');
SELECT results_eq(
    $$SELECT expected, sent_expected, adjustment, sent_at IS NOT NULL FROM ops.v_yango_statement WHERE iso_week = '2027-W14'$$,
    $$VALUES (85.00, 85.00, 0.00, true)$$,
    'the statement: S/ 85 sent, nothing changed since');

-- the split and the merge
UPDATE observational.lead_events SET person_key = 'a5400000-0000-4000-8000-00000000000c', updated_at = now()
WHERE source_pk = 't54-cab-b';
UPDATE canon.identity_links SET person_key = 'a5400000-0000-4000-8000-00000000000e', linked_at = now()
WHERE source_table = 'drivers' AND source_pk = 't54-drv-e';
INSERT INTO canon.person_merges (kept_person_key, dropped_person_key, links_moved, events_moved, note)
VALUES ('a5400000-0000-4000-8000-00000000000e', 'a5400000-0000-4000-8000-00000000000f', 1, 0, 'fixture');
SELECT lives_ok($$SELECT ops.refresh_money_chain()$$, 'the money chain refreshes after the split and the merge');
SELECT results_eq(
    $$SELECT driver_id, lead_date, milestone, amount, status, sent_amount, adjustment, claim_id IS NULL
      FROM ops.yango_claim_lines('2027-W14') WHERE driver_id LIKE 't54-%'$$,
    $$VALUES ('t54-drv-a', '2027-04-05'::date, 'M1', 25.00, 'expected', 25.00, 0.00, false),
             ('t54-drv-b', '2027-04-06', 'M1', 0.00, 'WITHDRAWN', 25.00, -25.00, true),
             ('t54-drv-b', '2027-04-06', 'M5', 0.00, 'WITHDRAWN', 35.00, -35.00, true),
             ('t54-drv-e', '2027-04-07', 'M1', 25.00, 'expected', 0.00, 25.00, false)$$,
    'after the split and the merge: what was sent stays, b''s claims are withdrawn as their own lines, e''s is new');
SELECT results_eq(
    $$SELECT expected, sent_expected, adjustment FROM ops.v_yango_statement WHERE iso_week = '2027-W14'$$,
    $$VALUES (50.00, 85.00, -35.00)$$,
    'the statement: S/ 85 sent stays, the adjustment is -35 (-25 - 35 + 25), S/ 50 claimed now');
SELECT results_eq(
    $$SELECT sum(sent_amount), sum(adjustment), sum(amount), sum(amount_due) FROM ops.yango_claim_lines('2027-W14')$$,
    $$SELECT sent_expected, adjustment, expected, amount_due FROM ops.v_yango_statement WHERE iso_week = '2027-W14'$$,
    'the lines add up to the statement row: sent, adjustment, expected, due');
SELECT results_eq(
    $$SELECT s.reference, s.lines, s.amount, l.line_no, l.driver_id, l.milestone_value, l.amount, l.amount_due
      FROM ops.claim_sendings AS s JOIN ops.sent_claim_lines AS l USING (sending_id) ORDER BY l.line_no$$,
    $$VALUES ('mail 54-1', 3, 85.00, 1, 't54-drv-a', 1, 25.00, 25.00),
             ('mail 54-1', 3, 85.00, 2, 't54-drv-b', 1, 25.00, 25.00),
             ('mail 54-1', 3, 85.00, 3, 't54-drv-b', 5, 35.00, 35.00)$$,
    'the sending is kept as it was sent');
SELECT is(ops.record_claims_sent('2027-W14', 'mail 54-2: adjustments'), 2,
          'sending the adjustments records the week again: its two claims now');
SELECT results_eq(
    $$SELECT driver_id, milestone, amount, sent_amount, adjustment FROM ops.yango_claim_lines('2027-W14')
      WHERE driver_id LIKE 't54-%'$$,
    $$VALUES ('t54-drv-a', 'M1', 25.00, 25.00, 0.00), ('t54-drv-e', 'M1', 25.00, 25.00, 0.00)$$,
    'the latest sending is what Yango has: no adjustment left, the withdrawn lines were sent as such');
SELECT results_eq(
    $$SELECT expected, sent_expected, adjustment FROM ops.v_yango_statement WHERE iso_week = '2027-W14'$$,
    $$VALUES (50.00, 50.00, 0.00)$$,
    'the statement after the second sending');
SELECT is((SELECT count(*) FROM ops.sent_claim_lines)::integer, 5, 'both sendings stay: 3 + 2 lines');

-- errors ----------------------------------------------------------------------------------------------
SELECT throws_ok($$SELECT ops.record_claims_sent('2027-W14', 'mail 54-3')$$, '22023',
                 'week 2027-W14 was already sent and nothing changed since',
                 'a week sent again with nothing changed is refused');
SELECT throws_ok($$SELECT ops.record_claims_sent(NULL, 'x')$$, '22004', 'iso_week is NULL', 'a NULL week is refused');
SELECT throws_ok($$SELECT ops.record_claims_sent('2027-W14', NULL)$$, '22004', 'reference is NULL',
                 'a NULL reference is refused');
SELECT throws_ok($$SELECT ops.record_claims_sent('2027-W60', 'x')$$, '22023', NULL, 'a week that does not exist is refused');
SELECT throws_ok($$SELECT ops.record_claims_sent('2027-W15', '  ')$$, '22023', 'reference is empty',
                 'an empty reference is refused');
SELECT throws_ok($$SELECT ops.record_claims_sent('2027-W30', 'x')$$, '22023', 'week 2027-W30 has no claims',
                 'a week without claims is refused');
SELECT throws_ok($$UPDATE ops.sent_claim_lines SET amount = 0$$, '42501', NULL,
                 'a sent line is never changed, even by the owner');
SELECT throws_ok($$DELETE FROM ops.claim_sendings$$, '42501', NULL, 'a sending is never deleted, even by the owner');

SELECT * FROM finish();
ROLLBACK;
