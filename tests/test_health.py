"""ops.health() / ops.diagnose() on the real cluster: the 2025-12-14 incident reproduced and fixed by
its own hint, pg_cron jobs failing, never running or swallowing their errors, healthy sample data, a
monitoring role without raw data, runs abandoned by a dead backend, and no personal data in any output.

Everything written to cron.job / cron.job_run_details happens in a transaction that is rolled back,
so pg_cron never sees it and the shared database is left as it was; committed sample data is removed
by the module fixture.
"""
import re
import time

import psycopg
import pytest

from conftest import ROOT, run

PIPELINE, PURGE = "lead-attribution-pipeline", "lead-attribution-purge"
SOURCES = ("module_ct_cabinet_leads", "module_ct_migrations", "module_ct_scouting_daily")
SCHEMAS = ("canon", "observational", "ops")
RAW = ("module_ct_cabinet_leads", "module_ct_scouting_daily", "module_ct_migrations", "drivers",
       "summary_daily", "module_ct_cabinet_payments", "module_ct_scouts_list")


def health(conn):
    return {(r[0], r[1]): dict(zip(("check", "subject", "status", "observed", "threshold", "detail", "hint"), r))
            for r in conn.execute("SELECT * FROM ops.health()")}


def activate(conn, jobname):
    """Make the (paused) package job active inside the current transaction; returns its jobid."""
    return conn.execute("UPDATE cron.job SET active = true WHERE jobname = %s RETURNING jobid", (jobname,)).fetchone()[0]


def add_cron_runs(conn, jobid, status, n, message=None, ended_minutes_ago=None):
    conn.execute("""
        INSERT INTO cron.job_run_details (jobid, runid, database, username, command, status, return_message,
                                          start_time, end_time)
        SELECT j.jobid, nextval('cron.runid_seq'), j.database, j.username, j.command, %s, %s,
               now() - make_interval(mins => %s) - interval '2 seconds', now() - make_interval(mins => %s)
        FROM cron.job AS j, generate_series(1, %s)
        WHERE j.jobid = %s""", (status, message, ended_minutes_ago, ended_minutes_ago, n, jobid))


@pytest.fixture(scope="module")
def hdb(db_url):
    """db_url with the sample generator installed; tables empty before the module are emptied after it."""
    run("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", db_url, "-f", ROOT / "tools" / "sample_data.sql")
    with psycopg.connect(db_url, autocommit=True) as conn:
        empty = []
        for (table,) in conn.execute("""
                SELECT c.oid::regclass::text FROM pg_class AS c
                WHERE c.relkind = 'r' AND (c.relnamespace::regnamespace::text = ANY(%s)
                      OR c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s))""",
                                     (list(SCHEMAS), list(RAW))).fetchall():
            if conn.execute(f"SELECT NOT EXISTS (SELECT FROM {table})").fetchone()[0]:
                empty.append(table)
    yield db_url
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(empty)}")
        conn.execute("DROP SCHEMA sample CASCADE")


def test_a_first_install_lets_the_job_role_read_its_cron_jobs(db_url):
    """db_url was migrated once, as a first install is: pg_cron is created by the install itself, and
    the job role must get USAGE on its schema in that same migrate (ops.cron_job_status needs it)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM public._yoyo_migration").fetchone()[0] > 0
        assert conn.execute("SELECT has_schema_privilege('lead_attribution_job', 'cron', 'USAGE')").fetchone()[0]
        jobs = {r[0]: r[1] for r in conn.execute("SELECT jobname, jobid FROM ops.cron_job_status()")}
        assert set(jobs) == {PIPELINE, PURGE} and all(jobs.values()), jobs


def expected_hint(conn, source):
    first, last = conn.execute("""
        SELECT min(l.lead_date), max(l.lead_date) FROM observational.v_source_leads AS l
        WHERE l.source_table = %s AND l.reject_reason IS NULL AND l.lead_date <= ops.today()
          AND NOT EXISTS (SELECT FROM observational.lead_events AS e
                          WHERE e.source_table = l.source_table AND e.source_pk = l.source_pk)""",
                               (source,)).fetchone()
    return f"SELECT observational.populate_lead_events('{first}','{last}');"


def test_incident_is_crit_with_both_causes_and_its_hints_fix_it(hdb):
    with psycopg.connect(hdb) as conn:  # one transaction, rolled back
        conn.execute("SELECT sample.generate(0.1, 0.42, '2026-01-07')")
        conn.execute("SELECT observational.populate_lead_events('2025-11-01', '2025-12-14')")
        conn.execute("DELETE FROM cron.job WHERE jobname = %s", (PIPELINE,))
        rows = health(conn)

        hints = set()
        for source in SOURCES:
            row = rows[("events_behind_source", source)]
            assert row["status"] == "CRIT", row
            assert row["hint"] == expected_hint(conn, source)
            assert "events max 2025-12-14" in row["observed"]
            hints.add(row["hint"])
        assert "SELECT observational.populate_lead_events('2025-12-15','2026-01-07');" in hints
        job = rows[("cron_job", PIPELINE)]
        assert (job["status"], job["observed"]) == ("CRIT", "missing")
        assert "ops.ensure_cron_job('lead-attribution-pipeline', '*/10 * * * *', 'CALL ops.run_pipeline()')" in job["hint"]

        report = conn.execute("SELECT ops.diagnose()").fetchone()[0]
        assert "CRIT  events_behind_source / module_ct_cabinet_leads" in report
        assert "CRIT  cron_job / lead-attribution-pipeline" in report
        assert re.search(r"money: S/ [0-9,]+\.00", report), "the cabinet leads without events are priced"

        for hint in sorted(hints):  # run the hints as an operator would paste them
            conn.execute(hint)
        conn.execute(job["hint"])
        rows = health(conn)
        for source in SOURCES:
            assert rows[("events_behind_source", source)]["status"] == "OK"
            assert rows[("event_date_gaps", source)]["status"] == "OK"
        assert rows[("cron_job", PIPELINE)]["status"] == "OK"
        conn.rollback()


def test_a_job_failing_every_run_is_crit(hdb):
    with psycopg.connect(hdb) as conn:
        jobid = activate(conn, PIPELINE)
        conn.execute("DELETE FROM cron.job_run_details WHERE jobid = %s", (jobid,))
        add_cron_runs(conn, jobid, "failed", 5, "connection failed")
        conn.execute("UPDATE cron.job_run_details SET start_time = NULL, end_time = NULL WHERE jobid = %s", (jobid,))
        rows = health(conn)
        failures = rows[("cron_failures", PIPELINE)]
        assert failures["status"] == "CRIT" and failures["observed"].startswith("5 consecutive")
        assert "connection failed" in failures["detail"] and "pg_hba" in failures["hint"]
        assert rows[("cron_last_success", PIPELINE)]["status"] == "CRIT"
        conn.rollback()


def test_a_job_that_never_runs_is_crit(hdb):
    with psycopg.connect(hdb) as conn:
        jobid = activate(conn, PIPELINE)
        conn.execute("DELETE FROM cron.job_run_details WHERE jobid = %s", (jobid,))
        conn.execute("DELETE FROM ops.run_log")
        conn.execute("DELETE FROM ops.cron_job_scheduled")  # scheduled long ago: its first run was due
        rows = health(conn)
        assert rows[("cron_job", PIPELINE)]["status"] == "OK"
        assert (rows[("cron_last_success", PIPELINE)]["status"], rows[("cron_last_success", PIPELINE)]["observed"]) \
            == ("CRIT", "never")
        assert rows[("run_last_success", "run_pipeline")]["status"] == "CRIT"
        conn.rollback()


def test_a_job_that_swallows_its_error_is_caught_by_the_data_checks(hdb):
    with psycopg.connect(hdb) as conn:
        conn.execute("SELECT sample.generate(0.1, 0.42, ops.today())")  # loaded, never populated
        jobid = activate(conn, PIPELINE)
        conn.execute("DELETE FROM cron.job_run_details WHERE jobid = %s", (jobid,))
        conn.execute("DELETE FROM ops.run_log")
        conn.execute("DELETE FROM ops.cron_job_scheduled")  # scheduled long ago: its first run was due
        add_cron_runs(conn, jobid, "succeeded", 3, "CALL", ended_minutes_ago=3)
        rows = health(conn)
        assert rows[("cron_last_success", PIPELINE)]["status"] == "OK", "pg_cron believes the job works"
        assert rows[("cron_failures", PIPELINE)]["status"] == "OK"
        for source in SOURCES:
            assert rows[("events_behind_source", source)]["status"] == "CRIT"
        assert rows[("run_last_success", "run_pipeline")]["status"] == "CRIT"
        conn.rollback()


def sample_identifiers(conn):
    """Every phone, document, licence (raw and normalized) and full name of the sample data."""
    values = set()
    for row in conn.execute("""
            SELECT phone, phone2, dni, lic, fn || ' ' || s1, s1 || ' ' || s2 FROM sample.person
            UNION ALL SELECT driver_phone, driver_document, driver_license, driver_name, NULL, NULL
            FROM public.module_ct_scouting_daily
            UNION ALL SELECT park_phone, NULL, NULL, concat_ws(' ', first_name, last_name), NULL, NULL
            FROM public.module_ct_cabinet_leads
            UNION ALL SELECT phone, document_number, license_number, full_name, NULL, NULL FROM public.drivers"""):
        for value in row:
            if value and len(value.strip()) >= 6:
                values.add(value.strip())
                digits = re.sub(r"[^0-9]", "", value)
                if len(digits) >= 7:
                    values.add(digits[-9:] if len(digits) > 9 else digits)
    return values


def test_healthy_sample_data_has_no_warn_or_crit_and_no_personal_data(hdb):
    with psycopg.connect(hdb, autocommit=True) as conn:
        conn.execute("SELECT sample.generate(0.1, 0.42, ops.today())")
        conn.execute("CALL ops.run_pipeline()")
        conn.execute("CALL ops.purge_history()")
    with psycopg.connect(hdb) as conn:
        for jobname in (PIPELINE, PURGE):
            add_cron_runs(conn, activate(conn, jobname), "succeeded", 1, "CALL", ended_minutes_ago=1)
        rows = health(conn)
        bad = [r for r in rows.values() if r["status"] != "OK"]
        assert bad == []
        report = conn.execute("SELECT ops.diagnose()").fetchone()[0]
        assert "Nothing to do" in report

        output = "\n".join(str(v) for r in rows.values() for v in r.values()) + report + "\n".join(
            str(r) for r in conn.execute("SELECT * FROM ops.health_history"))
        identifiers = sample_identifiers(conn)
        assert len(identifiers) > 500
        leaked = sorted(v for v in identifiers if v in output)
        assert leaked == []
        conn.rollback()


def test_a_monitoring_role_reads_health_without_raw_data(hdb):
    with psycopg.connect(hdb, autocommit=True) as conn:
        conn.execute("SET ROLE lead_attribution_reader")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM public.module_ct_cabinet_leads")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM cron.job")
        rows = health(conn)
        assert [r for r in rows.values() if r["observed"] == "cannot run"] == []
        assert rows[("cron_job", PIPELINE)]["observed"].startswith("inactive"), "the job role's job is visible"
        assert conn.execute("SELECT count(*) FROM ops.v_health").fetchone()[0] == len(rows)
        assert conn.execute("SELECT ops.diagnose()").fetchone()[0].startswith("lead-attribution health")


def test_a_run_abandoned_by_a_dead_backend_is_crit(hdb):
    with psycopg.connect(hdb, autocommit=True) as victim, psycopg.connect(hdb, autocommit=True) as admin:
        run_id = victim.execute("SELECT ops.start_run('run_pipeline')").fetchone()[0]
        try:
            assert health(admin)[("run_stuck", "run_pipeline")]["status"] == "OK", "a live run is not abandoned"
            admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
            for _ in range(50):
                if not admin.execute("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)",
                                     (victim.info.backend_pid,)).fetchone()[0]:
                    break
                time.sleep(0.1)
            row = health(admin)[("run_stuck", "run_pipeline")]
            assert row["status"] == "CRIT" and "1 abandoned by a dead backend" in row["observed"]
            assert row["hint"].startswith("CALL ops.run_pipeline();")
        finally:
            admin.execute("DELETE FROM ops.run_log WHERE run_id = %s", (run_id,))


def test_purge_history_deletes_what_is_older_than_run_history_days(hdb):
    """Run logs and pg_cron run details older than run_history_days are deleted by the purge job's
    role; newer ones and an old run still marked running are kept."""
    with psycopg.connect(hdb, autocommit=True) as conn:
        conn.execute("UPDATE ops.settings SET value = '30' WHERE key = 'run_history_days'")
        ids = {}
        for name, age, status in (("old", 31, "succeeded"), ("old_failed", 45, "failed"), ("new", 29, "succeeded"),
                                  ("old_running", 60, "running")):
            ids[name] = conn.execute(
                "INSERT INTO ops.run_log (job, status, started_at, finished_at) "
                "VALUES ('t_purge_probe', %s, now() - make_interval(days => %s), now() - make_interval(days => %s)) "
                "RETURNING run_id", (status, age, age)).fetchone()[0]
        jobid = conn.execute("SELECT jobid FROM cron.job WHERE jobname = %s", (PURGE,)).fetchone()[0]
        runids = {}
        for name, age in (("old", 31), ("new", 29)):
            runids[name] = conn.execute("""
                INSERT INTO cron.job_run_details (jobid, runid, database, username, command, status, return_message,
                                                  start_time, end_time)
                SELECT jobid, nextval('cron.runid_seq'), database, username, command, 'succeeded', 'CALL',
                       now() - make_interval(days => %s), now() - make_interval(days => %s)
                FROM cron.job WHERE jobid = %s RETURNING runid""", (age, age, jobid)).fetchone()[0]
        try:
            conn.execute("SET ROLE lead_attribution_job")  # as pg_cron runs it
            conn.execute("CALL ops.purge_history()")
            conn.execute("RESET ROLE")
            kept = {r[0] for r in conn.execute("SELECT run_id FROM ops.run_log WHERE job = 't_purge_probe'")}
            assert kept == {ids["new"], ids["old_running"]}
            kept_cron = {r[0] for r in conn.execute("SELECT runid FROM cron.job_run_details WHERE runid = ANY(%s)",
                                                    (list(runids.values()),))}
            assert kept_cron == {runids["new"]}
            status, details = conn.execute("SELECT status, details FROM ops.run_log WHERE job = 'purge_history' "
                                           "ORDER BY run_id DESC LIMIT 1").fetchone()
            assert status == "succeeded" and details["run_log_deleted"] >= 2 and details["cron_details_deleted"] >= 1
        finally:
            conn.execute("RESET ROLE")
            conn.execute("UPDATE ops.settings SET value = '90' WHERE key = 'run_history_days'")
            conn.execute("DELETE FROM ops.run_log WHERE job = 't_purge_probe'")
            conn.execute("DELETE FROM cron.job_run_details WHERE runid = ANY(%s)", (list(runids.values()),))
