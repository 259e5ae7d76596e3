"""Money chain benchmark, on a throwaway cluster (tools/pgcluster, name "benchmoney").

  load      tools/sample_data.sql: sample.generate(scale), lead dates up to 2026-01-07
  events    observational.populate_lead_events over the whole lead range; when it fails the benchmark
            stops with a non-zero exit (figures over another identity would not be the package's).
            --direct-events writes persons, links, events and ledger from sample.truth instead, on request
  refresh   ops.refresh_money_chain() on a chain never refreshed (full), then again (incremental, no-op),
            then after 1% new summary_daily rows (the next day's delivery for the most recently active
            drivers: incremental), then ops.refresh_money_chain(true) (forced full recompute, when it
            exists), whose claims and receivable must equal the incremental ones
  week      one ISO week of ops.v_cabinet_financial_14d (the busiest week)
  whole     the whole view
  statement one ISO week of ops.v_yango_statement and its ops.yango_claim_lines, and the busiest ISO
            week of ops.v_scout_statement and ops.v_scout_payouts: cold (first read after a cluster
            restart, empty shared buffers; the OS cache stays warm) then the median of 5

Targets: refresh < 60 s, after +1 % summary_daily rows < 5 s; one week < 300 ms; whole view < 10 s.
Plans are printed with EXPLAIN (ANALYZE, BUFFERS) for the reads.
Usage: tools/bench_money [scale] [--keep] [--direct-events] [--cluster=NAME]
  --direct-events skips populate_lead_events; --cluster names the throwaway cluster (default moneybench)
"""
import datetime
import statistics
import sys
import time

import psycopg

from benchlib import ROOT, fresh_cluster, remove_cluster, sh

CLUSTER = "moneybench"

DIRECT_FILL = """
INSERT INTO canon.identity_registry (person_key, confidence_level)
SELECT DISTINCT md5('person-' || t.person_id)::uuid, 'HIGH' FROM sample.truth AS t;
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT md5('person-' || t.person_id)::uuid, t.source_table, t.source_pk, 'BENCH_TRUTH', 100, 'HIGH'
FROM sample.truth AS t
WHERE t.source_table IN ('drivers', 'module_ct_cabinet_leads', 'module_ct_scouting_daily', 'module_ct_migrations');
INSERT INTO canon.drivers_index (driver_id, park_id, name_key, row_hash)
SELECT d.driver_id, d.park_id,
       canon.name_key(COALESCE(NULLIF(btrim(d.full_name), ''), concat_ws(' ', d.first_name, d.middle_name, d.last_name))),
       'bench'
FROM public.drivers AS d
ON CONFLICT (driver_id) DO NOTHING;
INSERT INTO observational.lead_events (source_table, source_pk, event_date, person_key, scout_id, payload_json)
SELECT l.source_table, l.source_pk, l.lead_date, md5('person-' || t.person_id)::uuid, l.scout_id, l.payload_json
FROM observational.v_source_leads AS l
LEFT JOIN sample.truth AS t ON t.source_table = l.source_table AND t.source_pk = l.source_pk
WHERE l.reject_reason IS NULL;
INSERT INTO observational.lead_ledger (person_key, attributed_source, attributed_scout_id, attribution_rule,
                                       attribution_score, confidence_level, decision_status)
SELECT DISTINCT ON (e.person_key) e.person_key, e.origin, e.scout_id,
       CASE e.origin WHEN 'fleet_migration' THEN 'A_FLEET' WHEN 'scouting' THEN 'A' ELSE 'B' END,
       CASE WHEN e.origin = 'cabinet' THEN 0.80 ELSE 0.95 END, 'HIGH', 'assigned'
FROM observational.lead_events AS e WHERE e.person_key IS NOT NULL
ORDER BY e.person_key, (e.origin = 'fleet_migration') DESC, (e.origin = 'scouting') DESC, e.event_date DESC;
"""


def timed(conn, sql, params=None):
    t = time.perf_counter()
    rows = conn.execute(sql, params).fetchall()
    return time.perf_counter() - t, rows


def fill_events(conn, direct):
    """populate_lead_events when it exists and succeeds (unless direct), else the direct fill from sample.truth."""
    lo, hi = conn.execute("SELECT min(lead_date), max(lead_date) FROM observational.v_source_leads "
                          "WHERE reject_reason IS NULL").fetchone()
    exists = conn.execute("SELECT to_regprocedure('observational.populate_lead_events(date,date)') IS NOT NULL"
                          ).fetchone()[0]
    if exists and not direct:
        try:
            t = time.perf_counter()
            with conn.transaction():
                step = conn.execute("SELECT ops.get_setting('max_range_days')::int").fetchone()[0]
                d = lo
                while d <= hi:
                    e = min(hi, d + datetime.timedelta(days=step - 1))
                    conn.execute("SELECT observational.populate_lead_events(%s, %s)", (d, e))
                    d = e + datetime.timedelta(days=1)
            return f"populate_lead_events({lo}, {hi}) in {time.perf_counter() - t:.1f} s"
        except psycopg.Error as exc:
            sys.exit(f"bench_money: populate_lead_events failed ({exc.sqlstate}: {str(exc).splitlines()[0]}); "
                     "no figures (tools/bench_money --direct-events fills events from sample.truth on request)")
    elif not direct:
        sys.exit("bench_money: observational.populate_lead_events(date, date) is not installed; no figures")
    t = time.perf_counter()
    with conn.transaction():
        conn.execute(DIRECT_FILL)
    return f"direct fill from sample.truth in {time.perf_counter() - t:.1f} s"


def explain(conn, sql):
    rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()
    return "\n".join("      " + r[0] for r in rows)


# The next day's delivery for the most recently active drivers: 1% of summary_daily's row count, one
# row per driver, stamped after every delivery already loaded (what a 10-minute pipeline run sees).
ONE_PERCENT = """
WITH n AS (SELECT greatest(1, (count(*) / 100)::int) AS k, max(created_at) AS ca FROM public.summary_daily),
last_day AS (
    SELECT DISTINCT ON (t.driver_id) t.driver_id, t.trip_date, t.trips, t.work_seconds
    FROM observational.driver_daily_trips AS t
    ORDER BY t.driver_id, t.trip_date DESC
)
INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
SELECT l.driver_id, to_char(l.trip_date + 1, 'DD-MM-YYYY'), l.trips, l.work_seconds, n.ca + interval '1 hour'
FROM (SELECT * FROM last_day ORDER BY trip_date DESC, driver_id LIMIT (SELECT k FROM n)) AS l CROSS JOIN n
"""

# claims and receivable as they stand, to compare an incremental refresh with a full recompute
CLAIMS_SQL = ("SELECT person_key, milestone_value, lead_source_pk, lead_date, driver_id, rule_id, achieved_date, "
              "expected_amount, paid_amount, currency, due_date, status, status_detail, payment_count, "
              "first_pay_date FROM ops.cabinet_claims ORDER BY person_key, milestone_value")
FINANCIAL_SQL = "SELECT * FROM ops.v_cabinet_financial_14d ORDER BY lead_source_pk"
# the scout lines as read (the materialized lines when they exist, else computed)
SCOUT_SQL = "SELECT * FROM ops.v_scout_statement ORDER BY scout_id, iso_week"


def bench(scale, keep, direct):
    url = fresh_cluster(CLUSTER)
    with psycopg.connect(url, autocommit=True) as conn:
        t_gen, counts = timed(conn, "SELECT sample.generate(%s::numeric, 0.42, '2026-01-07'::date)", (scale,))
        how = fill_events(conn, direct)
        conn.execute("VACUUM ANALYZE")
        t_full, r_full = timed(conn, "SELECT ops.refresh_money_chain()")
        conn.execute("VACUUM ANALYZE")
        t_again, r_again = timed(conn, "SELECT ops.refresh_money_chain()")
        t_add, added = timed(conn, ONE_PERCENT + " RETURNING 1")
        t_change, r_change = timed(conn, "SELECT ops.refresh_money_chain()")
        claims_inc = conn.execute(CLAIMS_SQL).fetchall()
        scouts_inc = conn.execute(SCOUT_SQL).fetchall()
        financial_inc = conn.execute(FINANCIAL_SQL).fetchall()
        has_full = conn.execute("SELECT to_regprocedure('ops.refresh_money_chain(boolean)') IS NOT NULL").fetchone()[0]
        if has_full:
            t_forced, r_forced = timed(conn, "SELECT ops.refresh_money_chain(true)")
            same = (claims_inc == conn.execute(CLAIMS_SQL).fetchall()
                    and financial_inc == conn.execute(FINANCIAL_SQL).fetchall()
                    and scouts_inc == conn.execute(SCOUT_SQL).fetchall())
        week = conn.execute("SELECT iso_week FROM ops.v_cabinet_financial_14d GROUP BY 1 "
                            "ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        week_sql = "SELECT * FROM ops.v_cabinet_financial_14d WHERE iso_week = %s"
        conn.execute(week_sql.replace("%s", "'2000-W01'"))  # warm the plan cache path once
        t_week, week_rows = min((timed(conn, week_sql, (week,)) for _ in range(3)), key=lambda x: x[0])
        t_whole, whole_rows = min((timed(conn, "SELECT * FROM ops.v_cabinet_financial_14d") for _ in range(2)),
                                  key=lambda x: x[0])
        plan_week = explain(conn, f"SELECT * FROM ops.v_cabinet_financial_14d WHERE iso_week = '{week}'")
        plan_whole = explain(conn, "SELECT * FROM ops.v_cabinet_financial_14d")
        # the scout week with the most earned lines (one read of the statement, whatever its speed)
        scout_week = conn.execute("SELECT iso_week FROM ops.v_scout_statement GROUP BY 1 "
                                  "ORDER BY sum(items) DESC, 1 LIMIT 1").fetchone()[0]
    statement = bench_statement(url, week, scout_week)
    with psycopg.connect(url, autocommit=True) as conn:
        plan_statement = explain(conn, f"SELECT * FROM ops.v_yango_statement WHERE iso_week = '{week}'")
        plan_scout = explain(conn, f"SELECT * FROM ops.v_scout_statement WHERE iso_week = '{scout_week}'")
    c = counts[0][0]
    print(f"\nmoney chain, scale {scale:g} (sample generated in {t_gen:.0f} s): "
          f"{c.get('module_ct_cabinet_leads')} cabinet leads, {c.get('summary_daily')} summary_daily rows, "
          f"{c.get('module_ct_cabinet_payments')} payments; events: {how}")
    print(f"  {'refresh_money_chain, first (full)':40} {t_full:8.2f} s     (target < 60 s)")
    print(f"  {'refresh_money_chain, again (no-op)':40} {t_again:8.2f} s")
    print(f"  {f'after +{len(added)} summary_daily rows (1%)':40} {t_change:8.2f} s")
    if has_full:
        print(f"  {'refresh_money_chain(true), forced full':40} {t_forced:8.2f} s")
        print(f"  {'incremental claims/financial/scout == full':40} {'yes' if same else 'NO: MISMATCH'}")
    print(f"  {'one ISO week ' + week + f' ({len(week_rows)} rows)':40} {t_week * 1000:8.1f} ms    (target < 300 ms)")
    print(f"  {f'whole view ({len(whole_rows)} rows)':40} {t_whole:8.2f} s     (target < 10 s)")
    print(f"  first refresh: {r_full[0][0]}")
    print(f"  second refresh: {r_again[0][0]}")
    print(f"  after 1% new rows: {r_change[0][0]}")
    if has_full:
        print(f"  forced full: {r_forced[0][0]}")
    for label, (cold, median, n) in statement.items():
        print(f"  {label + f' ({n} rows)':40} {cold * 1000:8.1f} ms cold, {median * 1000:.1f} ms median of 5"
              "    (target < 300 ms)")
    print("  plan, one week of the statement:\n" + plan_statement)
    print("  plan, one week of the scout statement:\n" + plan_scout)
    print("  plan, one week:\n" + plan_week)
    print("  plan, whole view:\n" + plan_whole)
    if not keep:
        remove_cluster(CLUSTER)


# (label, query, which week: the Yango one or the scout one)
STATEMENT_READS = [
    ("statement, one ISO week", "SELECT * FROM ops.v_yango_statement WHERE iso_week = %s", "yango"),
    ("claim lines, one ISO week", "SELECT * FROM ops.yango_claim_lines(%s)", "yango"),
    ("scout statement, one ISO week", "SELECT * FROM ops.v_scout_statement WHERE iso_week = %s", "scout"),
    ("scout payouts, one ISO week", "SELECT * FROM ops.v_scout_payouts WHERE iso_week = %s", "scout"),
]


def bench_statement(url, week, scout_week):
    """Each read of one week: cold (after a restart: empty shared buffers), then the median of 5."""
    out = {}
    for label, sql, which in STATEMENT_READS:
        param = (week if which == "yango" else scout_week,)
        sh(ROOT / "tools" / "pgcluster", "stop", CLUSTER)
        sh(ROOT / "tools" / "pgcluster", "start", CLUSTER)
        with psycopg.connect(url, autocommit=True) as conn:
            cold, rows = timed(conn, sql, param)
            warm = [timed(conn, sql, param)[0] for _ in range(5)]
        out[f"{label} {param[0]}"] = (cold, statistics.median(warm), len(rows))
    return out


if __name__ == "__main__":
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    for f in [f for f in flags if f.startswith("--cluster=")]:
        CLUSTER = f.split("=", 1)[1]
        if not CLUSTER.startswith("money"):
            sys.exit("bench_money: the cluster name must start with 'money' (tools/pgcluster names of this chain)")
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    bench(float(args[0]) if args else 100.0, "--keep" in flags, "--direct-events" in flags)
