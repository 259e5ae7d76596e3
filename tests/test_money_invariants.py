"""The money identities at scale 10 (sample data, one pipeline run), on several pinned days.

Per claim, per receivable row and per statement week: expected - paid = amount_due + amount_not_yet_due
- amount_overpaid, each part >= 0, due only from due_date on. The Yango statement's weeks equal the
14-day receivable's sums and the claim lines of the week; the scout statement's rows hold
payable - paid = owed - overpaid, and the materialized scout earning lines are what
ops.v_payment_calculation computes (after a full and an incremental refresh). Every money health check's observed figures equal what its hint
query returns (docs/money.md).
"""
import re
from decimal import Decimal

import psycopg
import pytest

from conftest import load_sample, migrate

# sample leads run to 2026-01-07: the first day has most claims not yet due, the later ones all due
DAYS = ["2025-12-20", "2026-01-07", "2026-03-01"]
# money checks: their hint returns one count column and an amount column, summed over its rows
MONEY_CHECKS = {"claims_overdue": "claims", "payments_unmatched": "payments"}


@pytest.fixture(scope="module")
def money_db(cluster_url):
    url = cluster_url.replace("/lead_attribution?", "/money_invariants?")
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS money_invariants WITH (FORCE)")
        conn.execute("CREATE DATABASE money_invariants")
    migrate(url)
    load_sample(url, scale=10)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        # two payouts to the scout with the most earned, one week paid twice
        scout, week, payable = conn.execute("""
            SELECT scout_id, iso_week, payable FROM ops.v_scout_statement
            WHERE payable > 0 ORDER BY earned DESC, scout_id, iso_week LIMIT 1""").fetchone()
        conn.execute("SELECT ops.record_scout_payout(%s, %s, %s, 'test 1')", (scout, week, payable))
        conn.execute("SELECT ops.record_scout_payout(%s, %s, %s, 'test 2')", (scout, week, payable))
    yield url
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS money_invariants WITH (FORCE)")


@pytest.fixture(params=DAYS)
def conn(money_db, request):
    with psycopg.connect(money_db, autocommit=True) as c:
        c.execute("SELECT set_config('lead_attribution.today', %s, false)", (request.param,))
        yield c


def test_the_chain_has_every_kind_of_money(conn):
    kinds = conn.execute("""
        SELECT count(*) FILTER (WHERE amount_due > 0), count(*) FILTER (WHERE amount_overpaid > 0),
               count(*) FILTER (WHERE status = 'paid'), (SELECT count(*) FROM ops.v_yango_payments_unclaimed)
        FROM ops.v_cabinet_claims""").fetchone()
    assert all(k > 0 for k in kinds), kinds


@pytest.mark.parametrize("relation, expected, paid", [
    ("ops.v_cabinet_claims", "expected_amount", "paid_amount"),
    ("ops.v_cabinet_financial_14d", "expected_total", "paid_total"),
    ("ops.v_yango_statement", "expected", "paid"),
])
def test_expected_minus_paid_is_due_plus_not_yet_due_minus_overpaid_on_every_row(conn, relation, expected, paid):
    bad = conn.execute(f"""
        SELECT count(*) FROM {relation}
        WHERE {expected} - {paid} <> amount_due + amount_not_yet_due - amount_overpaid
           OR amount_due < 0 OR amount_not_yet_due < 0 OR amount_overpaid < 0""").fetchone()[0]
    rows = conn.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    assert rows > 0 and bad == 0


@pytest.mark.parametrize("relation", ["ops.v_cabinet_claims", "ops.v_cabinet_financial_14d"])
def test_due_only_from_due_date_and_days_overdue_zero_before(conn, relation):
    bad = conn.execute(f"""
        SELECT count(*) FROM {relation} CROSS JOIN (SELECT ops.today() AS today) AS t
        WHERE (amount_due > 0 AND due_date > t.today) OR (amount_not_yet_due > 0 AND due_date <= t.today)
           OR (days_overdue > 0 AND due_date >= t.today)
           OR (amount_due > 0 AND days_overdue <> t.today - due_date)""").fetchone()[0]
    assert bad == 0


def test_statement_weeks_equal_the_receivable_sums_and_the_claim_lines(conn):
    statement = conn.execute("""
        SELECT iso_week, leads, expected, paid, amount_due, amount_not_yet_due, amount_overpaid
        FROM ops.v_yango_statement WHERE leads > 0 ORDER BY iso_week""").fetchall()
    receivable = conn.execute("""
        SELECT iso_week, count(*), sum(expected_total), sum(paid_total), sum(amount_due), sum(amount_not_yet_due),
               sum(amount_overpaid)
        FROM ops.v_cabinet_financial_14d GROUP BY iso_week ORDER BY iso_week""").fetchall()
    assert len(statement) > 5 and statement == receivable
    for week, _, *amounts in statement:
        lines = conn.execute("""
            SELECT COALESCE(sum(amount), 0), COALESCE(sum(paid), 0), COALESCE(sum(amount_due), 0),
                   COALESCE(sum(amount_not_yet_due), 0), COALESCE(sum(amount_overpaid), 0)
            FROM ops.yango_claim_lines(%s)""", (week,)).fetchone()
        assert list(lines) == amounts, week
    totals = conn.execute("""
        SELECT (SELECT sum(payments_unclaimed) FROM ops.v_yango_statement),
               (SELECT count(*) FROM ops.v_yango_payments_unclaimed)""").fetchone()
    assert totals[0] == totals[1]


def test_scout_statement_identities(conn):
    bad = conn.execute("""
        SELECT count(*) FROM ops.v_scout_statement
        WHERE payable - paid <> owed - overpaid OR earned <> payable + not_yet_payable
           OR owed < 0 OR overpaid < 0 OR payable > earned""").fetchone()[0]
    assert bad == 0
    earned = conn.execute("""
        SELECT (SELECT sum(earned) FROM ops.v_scout_statement),
               (SELECT sum(amount_payable) FROM ops.v_payment_calculation
                WHERE scope = 'scout' AND achieved AND scout_id IS NOT NULL)""").fetchone()
    assert earned[0] == earned[1] and earned[0] > 0
    assert conn.execute("SELECT count(*) FROM ops.v_scout_statement WHERE overpaid > 0").fetchone()[0] == 1


SCOUT_LINES_DIFF = """
    WITH m AS (SELECT person_key, rule_id, origin, lead_date, scout_id, driver_id, milestone_type,
                      milestone_value, window_days, achieved_date, payable_date, rule_amount,
                      amount_payable, currency, to_char(payable_date, 'IYYY-"W"IW') AS iso_week
               FROM ops.scout_earning_lines),
         c AS (SELECT person_key, rule_id, origin, lead_date, scout_id, driver_id, milestone_type,
                      milestone_value, window_days, achieved_date, payable_date, rule_amount,
                      amount_payable, currency, to_char(payable_date, 'IYYY-"W"IW') AS iso_week
               FROM ops.v_payment_calculation WHERE scope = 'scout' AND scout_id IS NOT NULL)
    SELECT (SELECT count(*) FROM (TABLE m EXCEPT ALL TABLE c) AS x),
           (SELECT count(*) FROM (TABLE c EXCEPT ALL TABLE m) AS x),
           (SELECT count(*) FROM m),
           (SELECT count(*) FROM ops.scout_earning_lines AS l
            WHERE l.iso_week <> to_char(l.payable_date, 'IYYY-"W"IW'))"""


def test_scout_earning_lines_are_what_the_payment_calculation_computes(money_db):
    with psycopg.connect(money_db) as c:
        extra, missing, lines, bad_week = c.execute(SCOUT_LINES_DIFF).fetchone()
        assert (extra, missing, bad_week) == (0, 0, 0) and lines > 0
        # after an incremental refresh too: a hundred persons change scout, twenty lose theirs
        c.execute("""
            WITH p AS (SELECT DISTINCT person_key, scout_id FROM ops.scout_earning_lines
                       ORDER BY person_key LIMIT 120),
                 n AS (SELECT person_key, row_number() OVER (ORDER BY person_key) AS i FROM p)
            UPDATE observational.lead_ledger AS l
            SET attributed_scout_id = CASE WHEN n.i <= 20 THEN NULL ELSE l.attributed_scout_id + 1 END,
                updated_at = now()
            FROM n WHERE n.person_key = l.person_key""")
        result = c.execute("SELECT ops.refresh_money_chain()").fetchone()[0]
        assert result["scout_lines"]["scope"] == "persons"
        assert result["scout_lines"]["deleted"] > 0 and result["scout_lines"]["updated"] > 0
        extra, missing, lines, bad_week = c.execute(SCOUT_LINES_DIFF).fetchone()
        assert (extra, missing, bad_week) == (0, 0, 0) and lines > 0
        c.rollback()


def amount_of(text):
    return Decimal(re.search(r"S/ ([0-9,]+\.[0-9]{2})", text).group(1).replace(",", ""))


@pytest.mark.parametrize("check", sorted(MONEY_CHECKS))
def test_a_money_checks_observed_figures_are_what_its_hint_returns(conn, check):
    observed, hint, amount_pen = conn.execute(
        'SELECT observed, hint, amount_pen FROM ops.health_checks() WHERE "check" = %s', (check,)).fetchone()
    cur = conn.execute(hint)
    names = [d.name for d in cur.description]
    rows = cur.fetchall()
    count = sum(r[names.index(MONEY_CHECKS[check])] for r in rows)
    amount = sum((r[names.index("amount")] or 0) for r in rows)
    assert int(re.match(r"([0-9]+) ", observed).group(1)) == count
    assert amount_of(observed) == amount
    assert (amount_pen or 0) == amount
    if check == "claims_overdue" and conn.execute("SELECT ops.today()").fetchone()[0].isoformat() == DAYS[-1]:
        assert count > 0
