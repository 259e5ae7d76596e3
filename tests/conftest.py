"""Test harness: a real, throwaway PostgreSQL 15 cluster with pg_cron, started by the tests themselves.

One cluster per pytest session (tools/pgcluster, name "pytest"), removed at the end. The database
"lead_attribution" (pg_cron's database) is migrated once; tests that need an empty or special database
create their own with `fresh_db`.
"""
import contextlib
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = os.environ.get("LA_TEST_CLUSTER", "pytest")


def run(*args, **kwargs):
    kwargs.setdefault("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)


def with_db(url, dbname):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def conninfo(url):
    """host, port, user, dbname of a cluster URL (for pg_prove, psql, pg_dump)."""
    parts = urlsplit(url)
    q = parse_qs(parts.query)
    return {"host": q["host"][0], "port": q["port"][0], "user": parts.username,
            "dbname": parts.path.lstrip("/")}


def migrate(url, sandbox=True, **kwargs):
    """tools/migrate; the test databases are throwaway, so missing raw tables are created (--sandbox)."""
    return run(ROOT / "tools" / "migrate", *(["--sandbox"] if sandbox else []), url, **kwargs)


def load_sample(url, scale=1, end="2026-01-07", seed=0.42):
    run("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", ROOT / "tools" / "sample_data.sql")
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT sample.generate(%s, %s, %s::date)", (scale, seed, end)).fetchone()[0]


@pytest.fixture(scope="session")
def cluster_url():
    run(ROOT / "tools" / "pgcluster", "remove", CLUSTER)
    url = run(ROOT / "tools" / "pgcluster", "create", CLUSTER).stdout.strip().splitlines()[-1]
    yield url
    run(ROOT / "tools" / "pgcluster", "remove", CLUSTER, check=False)


@pytest.fixture(scope="session")
def db_url(cluster_url):
    """The migrated pg_cron database, shared by the session (tests clean up what they add).

    The package's own schedules are paused so no run fires in the middle of another test; the cron
    tests schedule what they need.
    """
    migrate(cluster_url)
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute("SELECT cron.alter_job(jobid, active => false) FROM cron.job "
                     "WHERE jobname LIKE 'lead-attribution-%'")
    return cluster_url


@pytest.fixture
def fresh_db(cluster_url):
    """Factory: a new empty database on the session cluster; dropped after the test."""
    made = []

    def make(prefix="t"):
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(cluster_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return with_db(cluster_url, name)

    yield make
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as c:
        yield c


@contextlib.contextmanager
def sample_database(cluster_url, prefix, scale=1):
    """A new database on the session cluster with the package and generated sample data (module
    fixtures); dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_db(cluster_url, name)
        migrate(url)
        load_sample(url, scale=scale)
        yield url
    finally:
        with psycopg.connect(cluster_url, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def in_thread(conn, sql, errors):
    """Run sql on conn in a started thread; a database error is appended to errors."""
    def call():
        try:
            conn.execute(sql)
        except psycopg.Error as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    return t


def wait_until_blocked(admin, pid, what="the session"):
    """Wait until backend pid waits for a lock; fail after 10 s."""
    for _ in range(200):
        if admin.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() == ("Lock",):
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} never waited for a lock")
