"""The fast path of ops.run_pipeline(): a run with nothing new skips its work and says why; a change to
a raw table (insert, update, delete, truncate) or to a package table made by another session is picked
up by the next run; the safety nets (requested, fast path off, failed previous run, new Lima date, age
of the last full run) force a full run; the health snapshot of a skipped run still reports a stall, and
ops.health() by hand stays exact.

Writers are separate sessions, as upstream loaders are. PostgreSQL 15 publishes a session's statistics
counters when it goes idle (at most once a second, otherwise within ~10 s), so each writer asks for
its next flush to be forced (pg_stat_force_next_flush()) and the test waits until another session sees
the counter move - never a blind sleep.
"""
import datetime
import time

import psycopg
import pytest

from conftest import CLUSTER, ROOT, migrate, run
from test_pipeline import count_events, pipeline_db  # noqa: F401 (pipeline_db is a fixture)

CABINET = "public.module_ct_cabinet_leads"
SCOUTING = "public.module_ct_scouting_daily"


@pytest.fixture
def fast_db(pipeline_db):
    """The database of test_pipeline: migrated, 400 seeded leads, no run yet."""
    return pipeline_db


def call_pipeline(url, full=False):
    """One run in its own session, as pg_cron runs it; returns (mode, reason, details) of that run."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline(true)" if full else "CALL ops.run_pipeline()")
        return last_run(conn)


def last_run(conn):
    status, details = conn.execute("SELECT status, details FROM ops.run_log WHERE job = 'run_pipeline' "
                                   "ORDER BY run_id DESC LIMIT 1").fetchone()
    assert status == "succeeded", details
    check = details["steps"][0]
    assert check["step"] == "check_inputs"
    return check["result"]["mode"], check["result"]["reason"], details


def changes(conn, table):
    return conn.execute("SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_all_tables WHERE relid = %s::regclass",
                        (table,)).fetchone()[0]


def write(url, sql, table=None, params=None, session_setup=None):
    """Run sql in a writer session of its own, then wait until another session's counters show it."""
    with psycopg.connect(url, autocommit=True) as observer:
        before = changes(observer, table) if table else None
        with psycopg.connect(url, autocommit=True) as writer:
            if session_setup:
                writer.execute(session_setup)
            writer.execute(sql, params)
            writer.execute("SELECT pg_stat_force_next_flush()")  # published when this statement ends
        if table is None:
            return
        deadline = time.time() + 20
        while changes(observer, table) == before:
            assert time.time() < deadline, f"the counters of {table} never moved"
            time.sleep(0.05)


def health_snapshot(conn, run_id=None):
    run_id = run_id or conn.execute("SELECT max(run_id) FROM ops.run_log WHERE job = 'run_pipeline'").fetchone()[0]
    return {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
        'SELECT "check", subject, status, observed FROM ops.health_history WHERE run_id = %s', (run_id,))}


def test_a_run_with_nothing_new_skips_its_work_and_logs_why(fast_db):
    mode, reason, _ = call_pipeline(fast_db)
    assert (mode, reason) == ("full", "no full run on record")
    with psycopg.connect(fast_db, autocommit=True) as conn:
        events = count_events(conn)
        assert events == 400
        full_snapshot = health_snapshot(conn)

    # the first skip already reuses every data check: the full run found the pipeline late (no success on
    # record yet), but events_behind had no WARN row, which lateness alone can produce, so its rows hold
    # now that the pipeline is on time (the run after a backfill's catch-up took 17 s at scale 1000 when
    # it recomputed them); so does the next skip
    for _ in range(2):
        mode, reason, details = call_pipeline(fast_db)
        assert mode == "skip" and reason.startswith("inputs unchanged since full run"), reason
        steps = {s["step"]: s for s in details["steps"]}
        for step in ("pipeline_ranges", "populate", "refresh_money_chain"):
            assert steps[step] == {"step": step, "skipped": "inputs unchanged"}
        assert not any(s["step"].startswith("populate_lead_events") for s in details["steps"])
        health = steps["record_health"]["result"]
        assert (health["reused"], health["computed"]) == (9, 3), "data checks reused, clock/cron/run-log checks computed"

    with psycopg.connect(fast_db, autocommit=True) as conn:
        assert count_events(conn) == events
        skip_snapshot = health_snapshot(conn)
        assert skip_snapshot.keys() == full_snapshot.keys()
        data_checks = {k: v for k, v in skip_snapshot.items()  # not the clock, pg_cron and run-log checks
                       if not (k[0].startswith(("cron_", "run_")) or k[0] == "pg_cron")}
        assert data_checks == {k: full_snapshot[k] for k in data_checks}
        exact = {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(
            'SELECT "check", subject, status, observed FROM ops.health()')}
        assert {k: exact[k] for k in data_checks} == data_checks, "what was reused is what ops.health() computes"

        # a run right after a full run in the same session: its own writes are not a change
        conn.execute("CALL ops.run_pipeline(true)")
        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn)[0] == "skip"


def test_a_requested_full_run_repairs_an_event_edited_by_hand(fast_db):
    """populate's own fast path does not see an UPDATE of an event by hand (it fingerprints row counts);
    CALL ops.run_pipeline(true) clears its state, so the requested run re-reads the sources."""
    assert call_pipeline(fast_db)[0] == "full"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        pk, payload = conn.execute("""
            SELECT e.source_pk, e.payload_json FROM observational.lead_events AS e
            JOIN public.module_ct_cabinet_leads AS c ON c.external_id = e.source_pk
            WHERE e.source_table = 'module_ct_cabinet_leads' AND c.lead_created_at::date = '2025-12-29'
            ORDER BY e.source_pk LIMIT 1""").fetchone()
        conn.execute("""UPDATE observational.lead_events SET payload_json = '{"edited": true}'
                        WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""", (pk,))
    mode, reason, _ = call_pipeline(fast_db, full=True)
    assert (mode, reason) == ("full", "requested")
    with psycopg.connect(fast_db, autocommit=True) as conn:
        repaired = conn.execute("""SELECT payload_json FROM observational.lead_events
                                   WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""",
                                (pk,)).fetchone()[0]
    assert repaired == payload


@pytest.mark.parametrize("change", ["insert", "update", "delete", "truncate"])
def test_a_raw_change_after_a_run_is_picked_up_by_the_next_one(fast_db, change):
    assert call_pipeline(fast_db)[0] == "full"
    assert call_pipeline(fast_db)[0] == "skip"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        # a lead inside the lookback window (seed: one lead per day 2025-12-01..30, watermark 2025-12-30)
        pk, event_date = conn.execute("""
            SELECT external_id, lead_created_at::date FROM public.module_ct_cabinet_leads
            WHERE lead_created_at::date = '2025-12-29' ORDER BY id LIMIT 1""").fetchone()

    if change == "insert":
        write(fast_db, """INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
                          VALUES (70001, 'fast-1', '2025-12-29 08:00', 'NUEVO', '987700001')""", CABINET)
        table = CABINET
    elif change == "update":
        write(fast_db, "UPDATE public.module_ct_cabinet_leads SET first_name = 'RENOMBRADO' WHERE external_id = %s",
              CABINET, (pk,))
        table = CABINET
    elif change == "delete":
        write(fast_db, "DELETE FROM public.module_ct_cabinet_leads WHERE external_id = %s", CABINET, (pk,))
        table = CABINET
    else:
        write(fast_db, "TRUNCATE public.module_ct_scouting_daily")  # a new relfilenode, counters may not move
        table = SCOUTING

    mode, reason, _ = call_pipeline(fast_db)
    assert mode == "full" and table in reason, reason
    with psycopg.connect(fast_db, autocommit=True) as conn:
        snapshot = health_snapshot(conn)
        if change == "insert":
            assert conn.execute("SELECT event_date FROM observational.lead_events WHERE source_pk = 'fast-1'"
                                ).fetchone()[0].isoformat() == "2025-12-29"
        elif change == "update":
            assert conn.execute("SELECT payload_json ->> 'first_name' FROM observational.lead_events "
                                "WHERE source_pk = %s", (pk,)).fetchone()[0] == "RENOMBRADO"
        elif change == "delete":
            assert count_events(conn) == 400, "the event of a deleted source row stays (docs/rules.md §4)"
            assert conn.execute("SELECT event_date FROM observational.lead_events WHERE source_pk = %s",
                                (pk,)).fetchone()[0] == event_date, "with its date"
            assert snapshot[("events_without_source", "module_ct_cabinet_leads")][0] == "WARN"
        else:
            assert snapshot[("events_without_source", "module_ct_scouting_daily")] == ("WARN", "100 events")
            assert snapshot[("source_freshness", "module_ct_scouting_daily")][0] == "CRIT"
    assert call_pipeline(fast_db)[0] == "skip", "and the run after that has nothing new again"


def test_package_tables_and_settings_are_inputs_too(fast_db):
    call_pipeline(fast_db)
    with psycopg.connect(fast_db, autocommit=True) as conn:
        pk = conn.execute("SELECT source_pk FROM observational.lead_events ORDER BY source_pk LIMIT 1").fetchone()[0]
    # an event deleted by hand is re-created by the next run (the dates of rows that are not events)
    write(fast_db, "DELETE FROM observational.lead_events WHERE source_pk = %s", "observational.lead_events", (pk,))
    mode, reason, _ = call_pipeline(fast_db)
    assert mode == "full" and "observational.lead_events" in reason, reason
    with psycopg.connect(fast_db, autocommit=True) as conn:
        assert count_events(conn) == 400
    # a setting is an input: a broken one must fail the next run, not hide behind a skip
    try:
        write(fast_db, "UPDATE ops.settings SET value = 'three' WHERE key = 'lookback_days'", "ops.settings")
        with psycopg.connect(fast_db, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InvalidTextRepresentation):
                conn.execute("CALL ops.run_pipeline()")
    finally:
        write(fast_db, "UPDATE ops.settings SET value = '3' WHERE key = 'lookback_days'", "ops.settings")
    mode, reason, _ = call_pipeline(fast_db)
    assert (mode, reason) == ("full", f"previous run {last_failed_run(fast_db)} failed")


def last_failed_run(url):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT max(run_id) FROM ops.run_log WHERE job = 'run_pipeline' AND status = 'failed'"
                            ).fetchone()[0]


def test_safety_nets_force_a_full_run(fast_db):
    call_pipeline(fast_db)
    assert call_pipeline(fast_db)[0] == "skip"

    assert call_pipeline(fast_db, full=True)[:2] == ("full", "requested")
    assert call_pipeline(fast_db)[0] == "skip"

    with psycopg.connect(fast_db, autocommit=True) as conn:  # the state table is not an input: no counter moves
        conn.execute("UPDATE ops.pipeline_state SET full_business_date = full_business_date - 1")
        today = conn.execute("SELECT ops.today()").fetchone()[0]
    mode, reason, _ = call_pipeline(fast_db)
    assert (mode, reason) == ("full", f"Lima date changed from {today - datetime.timedelta(days=1)} to {today}")
    assert call_pipeline(fast_db)[0] == "skip"

    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("UPDATE ops.pipeline_state SET full_started_at = full_started_at - interval '61 minutes'")
    mode, reason, _ = call_pipeline(fast_db)
    assert mode == "full" and reason.startswith("last full run") and "(pipeline_full_check_minutes 60)" in reason, reason
    assert call_pipeline(fast_db)[0] == "skip"

    with psycopg.connect(fast_db, autocommit=True) as conn:
        run_id = conn.execute("SELECT max(run_id) FROM ops.run_log WHERE job = 'run_pipeline'").fetchone()[0]
        conn.execute("UPDATE ops.run_log SET status = 'abandoned' WHERE run_id = %s", (run_id,))
    assert call_pipeline(fast_db)[:2] == ("full", f"previous run {run_id} abandoned")

    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("UPDATE ops.settings SET value = '0' WHERE key = 'pipeline_full_check_minutes'")
    for _ in range(2):
        assert call_pipeline(fast_db)[:2] == ("full", "fast path off (pipeline_full_check_minutes = 0)")


def test_restart_statistics_reset_and_code_change_force_a_full_run(fast_db):
    """Counters restart with the server or a statistics reset, and a migrate changes the code: the
    fingerprint cannot be compared, so the next run is full whatever the counters say."""
    call_pipeline(fast_db)
    assert call_pipeline(fast_db)[0] == "skip"

    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_reset()")
    assert call_pipeline(fast_db)[:2] == ("full", "server restarted or statistics reset")
    assert call_pipeline(fast_db)[0] == "skip"

    run(ROOT / "tools" / "pgcluster", "stop", CLUSTER)
    run(ROOT / "tools" / "pgcluster", "start", CLUSTER)
    assert call_pipeline(fast_db)[:2] == ("full", "server restarted or statistics reset")
    assert call_pipeline(fast_db)[0] == "skip"

    migrate(fast_db)  # the same code re-applied: views are re-created, the code digest moves
    assert call_pipeline(fast_db)[:2] == ("full", "package code changed")
    assert call_pipeline(fast_db)[0] == "skip"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION ops.t_code_probe() RETURNS integer LANGUAGE sql AS 'SELECT 1'")
    assert call_pipeline(fast_db)[:2] == ("full", "package code changed")
    assert call_pipeline(fast_db)[0] == "skip"


def test_a_view_or_foreign_table_as_input_makes_every_run_full(fast_db):
    """A raw table replaced by a view or a foreign table has no change counters: the fast path cannot
    see its changes, so it never skips while one is an input."""
    call_pipeline(fast_db)
    assert call_pipeline(fast_db)[0] == "skip"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.module_ct_scouts_list RENAME TO scouts_list_data")
        conn.execute("CREATE VIEW public.module_ct_scouts_list AS SELECT * FROM public.scouts_list_data")
    for _ in range(2):
        assert call_pipeline(fast_db)[:2] == ("full", "no change counters for public.module_ct_scouts_list (unsupported:v)")
    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("DROP VIEW public.module_ct_scouts_list")
        conn.execute("ALTER TABLE public.scouts_list_data RENAME TO module_ct_scouts_list")
    assert call_pipeline(fast_db)[0] == "full", "the table back is a change of shape"
    assert call_pipeline(fast_db)[0] == "skip"

    with psycopg.connect(fast_db, autocommit=True) as conn:
        columns = ", ".join(f"{name} {kind}" for name, kind in conn.execute(
            "SELECT quote_ident(attname), format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'public.module_ct_scouts_list'::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum"))
        conn.execute("CREATE EXTENSION IF NOT EXISTS file_fdw")
        conn.execute("CREATE SERVER t_files FOREIGN DATA WRAPPER file_fdw")
        conn.execute("ALTER TABLE public.module_ct_scouts_list RENAME TO scouts_list_data")
        conn.execute(f"CREATE FOREIGN TABLE public.module_ct_scouts_list ({columns}) SERVER t_files "
                     "OPTIONS (filename '/dev/null', format 'csv')")
    for _ in range(2):
        assert call_pipeline(fast_db)[:2] == ("full", "no change counters for public.module_ct_scouts_list (unsupported:f)")


def test_a_change_the_counters_never_see_waits_for_the_age_safety_net(fast_db):
    call_pipeline(fast_db)
    # a loader whose statistics are off (a superuser can do that): no counter moves
    write(fast_db, """INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
                      VALUES (70002, 'unseen-1', '2025-12-10 08:00', 'INVISIBLE', '987700002')""",
          session_setup="SET track_counts = off")
    mode, _, details = call_pipeline(fast_db)
    assert mode == "skip", "the documented limit: the fast path cannot see it"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        exact = {(r[0], r[1]): r[2] for r in conn.execute('SELECT "check", subject, status FROM ops.health()')}
        assert exact[("events_behind_source", "module_ct_cabinet_leads")] == "CRIT", "ops.health() by hand is exact"
        conn.execute("UPDATE ops.pipeline_state SET full_started_at = full_started_at - interval '61 minutes'")
    assert call_pipeline(fast_db)[0] == "full"
    with psycopg.connect(fast_db, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM observational.lead_events WHERE source_pk = 'unseen-1'").fetchone()[0] == 1
        assert health_snapshot(conn)[("events_behind_source", "module_ct_cabinet_leads")][0] == "OK"


def test_the_snapshot_of_a_skipped_run_still_reports_a_stall(fast_db):
    """The 2025-12-14 incident inside a running pipeline: every run succeeds, no event gets written."""
    with psycopg.connect(fast_db, autocommit=True) as conn:
        conn.execute("""CREATE FUNCTION public.swallow_events() RETURNS trigger LANGUAGE plpgsql
                        AS $$ BEGIN RETURN NULL; END $$""")
        conn.execute("""CREATE TRIGGER swallow BEFORE INSERT ON observational.lead_events
                        FOR EACH ROW EXECUTE FUNCTION public.swallow_events()""")
    assert call_pipeline(fast_db)[0] == "full"
    assert call_pipeline(fast_db)[0] == "skip"
    mode, _, details = call_pipeline(fast_db)
    assert mode == "skip"
    assert details["steps"][-1]["result"]["reused"] == 9
    with psycopg.connect(fast_db, autocommit=True) as conn:
        assert count_events(conn) == 0
        snapshot = health_snapshot(conn)
        for source in ("module_ct_cabinet_leads", "module_ct_scouting_daily"):
            status, observed = snapshot[("events_behind_source", source)]
            assert status == "CRIT" and "events max none" in observed, observed
            assert snapshot[("event_date_gaps", source)][0] == "CRIT"
        assert "CRIT  events_behind_source / module_ct_cabinet_leads" in conn.execute("SELECT ops.diagnose()").fetchone()[0]


def test_every_raw_table_and_every_permanent_package_table_is_an_input(fast_db):
    """A table missing from the fingerprint would be a change no run ever notices before the safety
    net: the set is exact - the seven raw tables of the contract and every permanent package table but
    the logs and the fast path's own state."""
    with psycopg.connect(fast_db, autocommit=True) as conn:
        inputs = {r[0] for r in conn.execute("SELECT jsonb_object_keys(ops.pipeline_inputs() -> 'tables')")}
        package = {r[0] for r in conn.execute("""
            SELECT c.oid::regclass::text FROM pg_class c
             WHERE c.relnamespace IN ('canon'::regnamespace, 'observational'::regnamespace, 'ops'::regnamespace)
               AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition""")}
    raw = {f"public.{t}" for t in ("module_ct_cabinet_leads", "module_ct_scouting_daily", "module_ct_migrations",
                                   "drivers", "summary_daily", "module_ct_cabinet_payments",
                                   "module_ct_scouts_list")}
    excluded = {"ops.run_log", "ops.health_history", "ops.pipeline_state", "ops.health_check_cache"}
    assert inputs == raw | (package - excluded)
