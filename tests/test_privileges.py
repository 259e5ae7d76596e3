"""Least privilege seen from real logins: a monitoring login holding only the reader role gets the same
health as a superuser, the job runs the pipeline without any statistics privilege, cannot delete its
recent failures from pg_cron's history, and a row-security policy on a raw table stops the job's run
loudly instead of running the table owner's code.

Roles are cluster-wide: each test creates its own and drops it; cron rows are removed or rolled back.
"""
import psycopg
import pytest

from conftest import migrate
from test_health import PIPELINE, PURGE, activate, add_cron_runs, hdb  # noqa: F401 (fixture)
from test_pipeline import seed_leads

MONITOR = "la_monitor"
JOB = "lead_attribution_job"


@pytest.fixture
def monitor(cluster_url):
    """A login holding only lead_attribution_reader, as a monitoring system would use."""
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {MONITOR}")
        admin.execute(f"CREATE ROLE {MONITOR} LOGIN IN ROLE lead_attribution_reader")
    yield MONITOR
    with psycopg.connect(cluster_url, autocommit=True) as admin:
        admin.execute(f"DROP ROLE {MONITOR}")


def statuses(conn):
    return sorted(conn.execute('SELECT "check", subject, status FROM ops.health()').fetchall())


def failures(conn):
    return conn.execute("""SELECT "check", subject, detail FROM ops.health()
                           WHERE observed = 'cannot run' OR detail ~ 'SQLSTATE|permission|privilege'""").fetchall()


def test_reader_login_gets_the_superusers_health_on_a_healthy_database(hdb, monitor):  # noqa: F811
    with psycopg.connect(hdb, autocommit=True) as conn:
        conn.execute("SELECT sample.generate(0.1, 0.42, ops.today())")
    with psycopg.connect(hdb, user=JOB, autocommit=True) as job:
        assert job.execute("SELECT pg_has_role('pg_read_all_stats', 'USAGE')").fetchone()[0] is False
        job.execute("CALL ops.run_pipeline()")  # the job's own login: no statistics privilege needed
        job.execute("CALL ops.purge_history()")
    with psycopg.connect(hdb) as conn:
        for jobname in (PIPELINE, PURGE):
            add_cron_runs(conn, activate(conn, jobname), "succeeded", 1, "CALL", ended_minutes_ago=1)
        as_superuser = statuses(conn)
        conn.execute(f"SET ROLE {monitor}")  # the same uncommitted cron rows, seen with the login's rights
        assert conn.execute("SELECT pg_has_role('lead_attribution_owner', 'USAGE')").fetchone()[0] is False
        as_reader = statuses(conn)
        assert failures(conn) == []
        conn.rollback()
    assert as_reader == as_superuser
    assert [r for r in as_reader if r[2] == "CRIT"] == []
    with psycopg.connect(hdb, user=monitor) as conn:  # a real login of its own
        assert failures(conn) == []
        assert ("pg_cron", "extension", "OK") in statuses(conn)


def test_reader_login_gets_no_permission_error_where_pg_cron_is_not_installed(fresh_db, monitor):
    url = fresh_db("nocron")
    migrate(url)
    with psycopg.connect(url) as conn:
        as_superuser = statuses(conn)
    with psycopg.connect(url, user=monitor) as conn:
        as_reader = statuses(conn)
        assert failures(conn) == []
    assert as_reader == as_superuser
    assert ("pg_cron", "extension", "CRIT") in as_reader


def test_the_job_cannot_delete_its_recent_failures_from_cron_history(db_url):
    with psycopg.connect(db_url, autocommit=True) as admin:
        jobid = admin.execute("SELECT jobid FROM cron.job WHERE jobname = %s", (PIPELINE,)).fetchone()[0]
        assert admin.execute("SELECT username FROM cron.job WHERE jobid = %s", (jobid,)).fetchone()[0] == JOB
        add_cron_runs(admin, jobid, "failed", 2, "boom", ended_minutes_ago=5)
        admin.execute("""UPDATE cron.job_run_details SET start_time = now() - interval '400 days'
                         WHERE runid = (SELECT max(runid) FROM cron.job_run_details WHERE jobid = %s)""", (jobid,))
        try:
            with psycopg.connect(db_url, user=JOB, autocommit=True) as job:
                job.execute("SET row_security = on")  # off by default for the job; it may turn it on
                assert job.execute("SELECT count(*) FROM cron.job_run_details WHERE jobid = %s",
                                   (jobid,)).fetchone()[0] == 2, "the job sees its own history"
                deleted = job.execute("DELETE FROM cron.job_run_details WHERE jobid = %s", (jobid,)).rowcount
                assert deleted == 1, "only the run older than run_history_days may go"
                job.execute("CALL ops.purge_history()")
                assert job.execute("SELECT count(*) FROM cron.job_run_details WHERE jobid = %s AND status = 'failed'",
                                   (jobid,)).fetchone()[0] == 1
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    job.execute("ALTER FUNCTION ops.cron_job_status() RENAME TO gone")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    job.execute("UPDATE ops.settings SET value = '1' WHERE key = 'run_history_days'")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    job.execute("DELETE FROM ops.run_log")
        finally:
            admin.execute("DELETE FROM cron.job_run_details WHERE jobid = %s", (jobid,))
            admin.execute("DELETE FROM ops.run_log WHERE job = 'purge_history'")


def test_a_policy_on_a_raw_table_stops_the_jobs_run_without_running_its_code(fresh_db, cluster_url):
    url = fresh_db("trap")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as admin:
        seed_leads(admin, n=30)
        admin.execute("DROP ROLE IF EXISTS la_table_owner")
        admin.execute("CREATE ROLE la_table_owner")
        admin.execute("CREATE SCHEMA la_trap AUTHORIZATION la_table_owner")
        admin.execute("ALTER TABLE public.drivers OWNER TO la_table_owner")
        admin.execute("SET ROLE la_table_owner")
        admin.execute("""CREATE FUNCTION la_trap.grab() RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN EXECUTE 'GRANT SELECT ON canon.lead_keys, canon.identity_registry TO la_table_owner'; RETURN true; END $f$""")
        admin.execute("GRANT USAGE ON SCHEMA la_trap TO PUBLIC")
        admin.execute("ALTER TABLE public.drivers ENABLE ROW LEVEL SECURITY")
        admin.execute("CREATE POLICY trap ON public.drivers USING (la_trap.grab())")
        admin.execute("RESET ROLE")
    try:
        with psycopg.connect(url, user=JOB, autocommit=True) as job:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                job.execute("CALL ops.run_pipeline()")
        with psycopg.connect(url, autocommit=True) as admin:
            assert admin.execute("SELECT has_table_privilege('la_table_owner', 'canon.lead_keys', 'SELECT') "
                                 "OR has_table_privilege('la_table_owner', 'canon.identity_registry', 'SELECT')"
                                 ).fetchone()[0] is False
            assert admin.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' "
                                 "ORDER BY run_id DESC LIMIT 1").fetchone()[0] == "failed"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("ALTER TABLE public.drivers OWNER TO postgres")
            admin.execute("DROP OWNED BY la_table_owner CASCADE")
        with psycopg.connect(cluster_url, autocommit=True) as admin:
            admin.execute("DROP ROLE la_table_owner")
