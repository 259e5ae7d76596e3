"""ops.run_pipeline and populate_lead_events where COMMIT, several sessions or pg_cron are involved."""
import threading
import time
from decimal import Decimal

import psycopg
import pytest

from conftest import load_sample, migrate

PIPELINE_LOCK = 7371937301


def seed_leads(conn, n=300, first_day="2025-12-01"):
    """n cabinet leads and n/3 scouting registrations spread over 30 days, with usable phones."""
    conn.execute("""
        INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone)
        SELECT g, 'ext-' || g, %(d)s::timestamp + (g %% 30) * interval '1 day' + interval '10 hours',
               'NOMBRE' || chr(65 + g %% 26), 'APELLIDO' || chr(65 + (g / 26) %% 26), (900000000 + g)::text
        FROM generate_series(1, %(n)s) AS g""", {"d": first_day, "n": n})
    conn.execute("""
        INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone)
        SELECT g, %(d)s::date + g %% 30, 1 + g %% 5, 'NOMBRE' || chr(65 + g %% 26), (900000000 + g)::text
        FROM generate_series(1, %(n)s / 3) AS g""", {"d": first_day, "n": n})


def count_events(conn):
    return conn.execute("SELECT count(*) FROM observational.lead_events").fetchone()[0]


def digest(conn):
    return conn.execute("""
        SELECT count(*), md5(string_agg(row(source_table, source_pk, event_date, person_key IS NULL, scout_id,
                                            payload_json)::text, ',' ORDER BY source_table, source_pk))
        FROM observational.lead_events""").fetchone()


@pytest.fixture
def pipeline_db(fresh_db):
    url = fresh_db("pipe")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        seed_leads(conn)
    return url


# Every table the pipeline writes, compared whole (updated_at and run_id included: an identical row
# rewritten is a change too).
WRITTEN = ("observational.lead_events", "observational.lead_event_rejects", "observational.lead_ledger",
           "canon.identity_links", "canon.identity_registry", "canon.identity_unmatched",
           "ops.cabinet_claims", "ops.cabinet_receivable", "ops.yango_payments_ledger",
           "observational.driver_daily_trips")


def table_digests(conn):
    return {t: conn.execute(f"SELECT count(*), md5(string_agg(x::text, ',' ORDER BY x::text)) FROM {t} AS x").fetchone()
            for t in WRITTEN}


def last_pipeline_steps(conn):
    status, details = conn.execute(
        "SELECT status, details FROM ops.run_log WHERE job = 'run_pipeline' ORDER BY run_id DESC LIMIT 1").fetchone()
    assert status == "succeeded", details
    return details["steps"]


def populate_totals(steps):
    """Summed counts of every populate step of a run, by counter."""
    totals = {}
    for step in steps:
        if step["step"].startswith("populate_lead_events("):
            for counts in step["result"]["sources"].values():
                for k in ("scanned", "inserted", "updated", "unchanged", "rejected"):
                    totals[k] = totals.get(k, 0) + int(counts[k])
    return totals


def test_pipeline_backfills_everything_then_a_forced_rerun_changes_nothing(fresh_db):
    """Idempotence with the work really done twice: CALL ops.run_pipeline(true) skips nothing (no fast
    path, populate re-scans its ranges), and every table it writes comes out identical."""
    url = fresh_db("idem")
    migrate(url)
    load_sample(url, scale=Decimal("0.1"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        first = last_pipeline_steps(conn)
        done = populate_totals(first)
        assert done["inserted"] == count_events(conn) > 200 and done["updated"] == 0, done
        money = next(s for s in first if s["step"] == "refresh_money_chain")["result"]
        assert money["claims"]["inserted"] > 0 and money["receivable"]["inserted"] > 0, money
        before = table_digests(conn)
        assert all(n > 0 for n, _ in before.values()), before

        conn.execute("CALL ops.run_pipeline(true)")
        again = last_pipeline_steps(conn)
        assert again[0]["result"]["mode"] == "full"
        assert not any("skipped" in s for s in again), again
        redone = populate_totals(again)
        assert redone["scanned"] > 0, "the forced run scanned source rows"
        assert (redone["inserted"], redone["updated"]) == (0, 0), redone
        assert redone["unchanged"] == redone["scanned"] - redone["rejected"], redone
        money = next(s for s in again if s["step"] == "refresh_money_chain")["result"]
        for part in ("claims", "receivable"):
            assert (money[part]["inserted"], money[part]["updated"], money[part]["deleted"]) == (0, 0, 0), money
        assert money["payments"]["ledger_rows_appended"] == 0, money
        assert table_digests(conn) == before


def test_late_loaded_row_with_an_old_lead_date_is_picked_up(pipeline_db):
    with psycopg.connect(pipeline_db, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        # loaded today, dated two months before every watermark: outside watermark - lookback
        conn.execute("""INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
                        VALUES (99999, 'late-1', '2025-10-02 08:00', 'TARDIO', '999888777')""")
        conn.execute("CALL ops.run_pipeline()")
        assert conn.execute("SELECT event_date FROM observational.lead_events WHERE source_pk = 'late-1'"
                            ).fetchone()[0].isoformat() == "2025-10-02"


def test_two_concurrent_populate_calls_neither_duplicate_nor_deadlock(pipeline_db):
    results = {}
    with psycopg.connect(pipeline_db) as first, psycopg.connect(pipeline_db, autocommit=True) as second:
        results["first"] = first.execute(
            "SELECT observational.populate_lead_events('2025-12-01', '2025-12-30')").fetchone()[0]

        def run_second():
            # one day more than the first covered: a real scan, not populate's own skip path
            results["second"] = second.execute(
                "SELECT observational.populate_lead_events('2025-12-01', '2025-12-31')").fetchone()[0]

        t = threading.Thread(target=run_second)
        t.start()
        time.sleep(1.0)
        assert t.is_alive(), "the second call must wait for the first one's lock"
        with psycopg.connect(pipeline_db) as observer:
            waits_on_populate_lock = observer.execute("""
                SELECT EXISTS (SELECT FROM pg_locks WHERE pid = %s AND NOT granted AND locktype = 'advisory'
                                 AND ((classid::bigint << 32) | objid::bigint) = hashtext('lead_attribution.populate'))""",
                                                      (second.info.backend_pid,)).fetchone()[0]
        first.commit()
        t.join(timeout=60)
        assert not t.is_alive()
    assert waits_on_populate_lock, "the second call waits on populate's lock, before any work"
    assert "skipped" not in results["second"]["ledger"], "the second call scanned its range"
    firsts = {k: (v["inserted"], v["updated"]) for k, v in results["first"]["sources"].items()}
    seconds = {k: (v["inserted"], v["updated"], v["unchanged"]) for k, v in results["second"]["sources"].items()}
    assert firsts == {"module_ct_cabinet_leads": (300, 0), "module_ct_scouting_daily": (100, 0),
                      "module_ct_migrations": (0, 0)}
    assert seconds == {"module_ct_cabinet_leads": (0, 0, 300), "module_ct_scouting_daily": (0, 0, 100),
                       "module_ct_migrations": (0, 0, 0)}, "the second saw every event of the first as it is"
    with psycopg.connect(pipeline_db) as conn:
        assert conn.execute("SELECT count(DISTINCT run_id) FROM observational.lead_events").fetchone()[0] == 1, \
            "every event was written by the first call, none rewritten by the second"


def test_overlapping_pipeline_run_is_skipped(pipeline_db):
    with psycopg.connect(pipeline_db, autocommit=True) as holder, \
            psycopg.connect(pipeline_db, autocommit=True) as conn:
        holder.execute("SELECT pg_advisory_lock(%s)", (PIPELINE_LOCK,))
        conn.execute("CALL ops.run_pipeline()")
        assert conn.execute("SELECT status FROM ops.run_log ORDER BY run_id DESC LIMIT 1").fetchone()[0] == "skipped"
        assert count_events(conn) == 0


def test_failure_is_logged_raised_and_releases_the_lock(pipeline_db):
    with psycopg.connect(pipeline_db, autocommit=True) as conn:
        conn.execute("UPDATE ops.settings SET value = 'three' WHERE key = 'lookback_days'")
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute("CALL ops.run_pipeline()")
        status, state = conn.execute("SELECT status, error_sqlstate FROM ops.run_log WHERE job = 'run_pipeline' "
                                     "ORDER BY run_id DESC LIMIT 1").fetchone()
        assert (status, state) == ("failed", "22P02")
        with psycopg.connect(pipeline_db, autocommit=True) as other:
            assert other.execute("SELECT pg_try_advisory_lock(%s)", (PIPELINE_LOCK,)).fetchone()[0]


def test_a_real_pg_cron_job_runs_the_pipeline(db_url):
    """pg_cron 1.4 schedules by the minute: the job must have run within ~70 s, as the job role, and a
    failing run must reach cron.job_run_details with its digits masked."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        seed_leads(conn, n=60)
        job = conn.execute("SELECT cron.schedule_in_database('la-test-pipeline', '* * * * *', "
                           "'CALL ops.run_pipeline()', current_database(), 'lead_attribution_job')").fetchone()[0]
        try:
            deadline = time.time() + 75
            row = None
            while time.time() < deadline:
                row = conn.execute("SELECT status, return_message FROM cron.job_run_details WHERE jobid = %s "
                                   "AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1",
                                   (job,)).fetchone()
                if row:
                    break
                time.sleep(2)
            assert row is not None, "pg_cron did not run the job within 75 s"
            assert row[0] == "succeeded", row[1]
            assert conn.execute("SELECT username FROM cron.job WHERE jobid = %s", (job,)).fetchone()[0] \
                == "lead_attribution_job"
            assert conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' "
                                "ORDER BY run_id DESC LIMIT 1").fetchone()[0] == "succeeded"
            assert count_events(conn) == 80

            # A failing run: its error text, as pg_cron stores it, must not hold a raw phone.
            last = conn.execute("SELECT max(runid) FROM cron.job_run_details WHERE jobid = %s", (job,)).fetchone()[0]
            conn.execute("UPDATE ops.settings SET value = '987654321x' WHERE key = 'lookback_days'")
            # published at once, so the next run cannot take the fast path past the changed setting
            conn.execute("SELECT pg_stat_force_next_flush()")
            deadline = time.time() + 75
            failed = None
            while time.time() < deadline and failed is None:
                failed = conn.execute("SELECT status, return_message FROM cron.job_run_details WHERE jobid = %s "
                                      "AND runid > %s AND status IN ('succeeded', 'failed') LIMIT 1",
                                      (job, last)).fetchone()
                time.sleep(2)
            assert failed is not None and failed[0] == "failed", failed
            assert "987654321" not in failed[1] and "***321" in failed[1], failed[1]
        finally:
            conn.execute("UPDATE ops.settings SET value = '3' WHERE key = 'lookback_days'")
            conn.execute("SELECT cron.unschedule(%s)", (job,))
            conn.execute("TRUNCATE public.module_ct_cabinet_leads, public.module_ct_scouting_daily")
            conn.execute("TRUNCATE observational.lead_events, observational.lead_event_rejects, "
                         "observational.lead_ledger, canon.identity_links, canon.identity_unmatched, "
                         "canon.person_merges, canon.identity_registry CASCADE")
