"""A fresh install's health: the run taking a snapshot never reports itself as failed, and a job that has
not reached its first scheduled time since it was scheduled is OK ("first run at ..."), not late."""
from decimal import Decimal

import psycopg

from conftest import migrate

PIPELINE, PURGE = "lead-attribution-pipeline", "lead-attribution-purge"


def statuses(conn, sql, *args):
    return {(r[0], r[1]): (r[2], r[3]) for r in conn.execute(sql, args)}


def test_a_successful_run_records_itself_as_succeeding(fresh_db):
    url = fresh_db("selfrun")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        run_id, status = conn.execute("SELECT run_id, status FROM ops.run_log WHERE job = 'run_pipeline' "
                                      "ORDER BY run_id DESC LIMIT 1").fetchone()
        assert status == "succeeded"
        snap = statuses(conn, 'SELECT "check", subject, status, observed FROM ops.health_history '
                              "WHERE run_id = %s", run_id)
    assert snap[("run_last_success", "run_pipeline")][0] == "OK", snap[("run_last_success", "run_pipeline")]
    assert snap[("run_failures", "run_pipeline")][0] == "OK"


def test_cron_next_run_reads_the_package_schedules(conn):
    rows = conn.execute("""
        SELECT ops.cron_next_run('*/10 * * * *', '2026-12-05 04:31:10+00'),
               ops.cron_next_run('17 8 * * *', '2026-12-05 08:17:00+00'),
               ops.cron_next_run('0 3 * * 1', '2026-12-05 09:00+00'),
               ops.cron_next_run('5-10/2 1 * * *', '2026-12-05 01:07+00'),
               ops.cron_next_run('@daily', '2026-12-05 09:00+00')""").fetchone()
    assert [r.isoformat() if r else None for r in rows] == [
        "2026-12-05T04:40:00+00:00", "2026-12-06T08:17:00+00:00", "2026-12-07T03:00:00+00:00",
        "2026-12-05T01:09:00+00:00", None]


def test_a_job_before_its_first_scheduled_time_is_ok_then_late(db_url):
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE cron.job SET active = true WHERE jobname LIKE 'lead-attribution-%'")
        conn.execute("DELETE FROM cron.job_run_details WHERE jobid IN "
                     "(SELECT jobid FROM cron.job WHERE jobname LIKE 'lead-attribution-%')")
        conn.execute("DELETE FROM ops.run_log")
        # scheduled just after today's 08:17 UTC: the purge's first run is tomorrow's
        conn.execute("UPDATE ops.cron_job_scheduled SET scheduled_at = now()")
        conn.execute("UPDATE ops.cron_job_scheduled SET scheduled_at = date_trunc('day', now()) + interval '8 hours 18 minutes' "
                     "WHERE jobname = %s AND now() > date_trunc('day', now()) + interval '8 hours 18 minutes'", (PURGE,))
        rows = statuses(conn, 'SELECT "check", subject, status, observed FROM ops.health()')
        for key in [("cron_last_success", PURGE), ("run_last_success", "purge_history"),
                    ("cron_last_success", PIPELINE), ("run_last_success", "run_pipeline")]:
            assert rows[key][0] == "OK" and rows[key][1].startswith("first run at "), (key, rows[key])
        # scheduled three days ago and never run: late as before
        conn.execute("UPDATE ops.cron_job_scheduled SET scheduled_at = now() - interval '3 days'")
        rows = statuses(conn, 'SELECT "check", subject, status, observed FROM ops.health()')
        assert rows[("cron_last_success", PURGE)] == ("WARN", "never")
        assert rows[("run_last_success", "purge_history")] == ("WARN", "never")
        assert rows[("cron_last_success", PIPELINE)] == ("CRIT", "never")
        conn.rollback()


def test_a_snapshot_scans_the_lead_sources_once_for_the_lead_checks(fresh_db):
    """events_behind_source, event_date_gaps, events_without_source and source_freshness share one scan
    of the raw lead tables per snapshot (ops.health_lead_scan_prepare), with the same rows as computed
    one by one; its key-by-key second step reads only a source whose counts differ; a table of that
    name that the package owner did not make is ignored."""
    url = fresh_db("scan")
    migrate(url)
    from conftest import load_sample
    # the business's today (business_timezone), not the machine's: between midnight UTC and midnight in
    # Lima the machine's date holds leads the pipeline leaves for tomorrow, and their counts differ
    with psycopg.connect(url) as conn:
        today = conn.execute("SELECT ops.today()").fetchone()[0]
    load_sample(url, scale=Decimal("0.1"), end=today)
    checks = "ops.health_check_events_behind(), ops.health_check_event_gaps(), ops.health_check_orphan_events()"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        conn.execute("DELETE FROM observational.lead_events WHERE id IN "
                     "(SELECT id FROM observational.lead_events "
                     " WHERE source_table = 'module_ct_cabinet_leads' ORDER BY id LIMIT 5)")

        def rows():
            return [conn.execute(f"SELECT jsonb_agg(r ORDER BY r.subject) FROM {f} AS r").fetchone()[0]
                    for f in checks.split(", ")]

        alone = rows()
        assert any(r["status"] != "OK" for r in alone[0])
        with conn.transaction():
            conn.execute("SELECT ops.health_lead_scan_prepare()")
            assert conn.execute("SELECT relowner::regrole::text FROM pg_class "
                                "WHERE oid = to_regclass('pg_temp.health_lead_scan')").fetchone()[0] \
                == "lead_attribution_owner"
            assert rows() == alone
            conn.execute("SELECT ops.health_lead_scan_release()")
        # a look-alike made by another role is not read
        with conn.transaction():
            conn.execute("CREATE TEMP TABLE health_lead_scan AS SELECT * FROM ops.health_lead_scan() LIMIT 0")
            assert rows() == alone
            conn.execute("DROP TABLE pg_temp.health_lead_scan")

        def seq_scans():
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT pg_stat_clear_snapshot()")
            return dict(conn.execute("SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relid IN "
                                     "('public.module_ct_scouting_daily'::regclass, "
                                     " 'public.module_ct_cabinet_leads'::regclass)").fetchall())

        before = seq_scans()
        conn.execute("SELECT ops.record_health(0)")
        after = seq_scans()
        assert conn.execute("SELECT to_regclass('pg_temp.health_lead_scan')").fetchone()[0] is None
    scans = {t: after[t] - before[t] for t in after}
    # the shared scan's first step and source_future_dated's count; the second step only where the
    # counts differ (the deleted events are cabinet leads)
    assert scans == {"module_ct_scouting_daily": 2, "module_ct_cabinet_leads": 3}, scans
