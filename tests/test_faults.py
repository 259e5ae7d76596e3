"""Faults in the middle of a pipeline run: statement_timeout, cancel, terminate, fast server restart.

After each: nothing of the interrupted transaction is visible, the run log says failed or abandoned,
the advisory lock is free, and the next run loads everything - row count and content digest equal to
an uninterrupted run on the same data.
"""
import threading
import time

import psycopg
import pytest

from conftest import CLUSTER, ROOT, migrate, run
from test_pipeline import PIPELINE_LOCK, count_events, digest, seed_leads


@pytest.fixture(scope="module")
def reference_digest(cluster_url):
    import uuid
    name = f"ref_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.replace("/lead_attribution?", f"/{name}?")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        seed_leads(conn)
        conn.execute("CALL ops.run_pipeline()")
        expected = digest(conn)
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return expected


def wait_until_blocked(admin, pid):
    for _ in range(200):
        if admin.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone() == ("Lock",):
            return
        time.sleep(0.05)
    raise AssertionError("the pipeline never reached the blocked step")


@pytest.mark.parametrize("fault", ["statement_timeout", "cancel", "terminate", "restart"])
def test_fault_mid_run_leaves_no_partial_state(fresh_db, reference_digest, fault):
    url = fresh_db("fault")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        seed_leads(conn)

    errors = []
    blocker = psycopg.connect(url, autocommit=True)
    victim = psycopg.connect(url, autocommit=True)
    try:
        # Hold the ledger: the run writes events, then waits here with its transaction open.
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE observational.lead_ledger IN ACCESS EXCLUSIVE MODE")
        if fault == "statement_timeout":
            victim.execute("SET statement_timeout = '1500ms'")

        def call():
            try:
                victim.execute("CALL ops.run_pipeline()")
            except psycopg.Error as exc:
                errors.append(exc)

        t = threading.Thread(target=call)
        t.start()
        with psycopg.connect(url, autocommit=True) as admin:
            wait_until_blocked(admin, victim.info.backend_pid)
            if fault == "cancel":
                admin.execute("SELECT pg_cancel_backend(%s)", (victim.info.backend_pid,))
            elif fault == "terminate":
                admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
        if fault == "restart":
            run(ROOT / "tools" / "pgcluster", "stop", CLUSTER)
            run(ROOT / "tools" / "pgcluster", "start", CLUSTER)
        t.join(timeout=60)
        assert not t.is_alive()
        assert errors, f"the run interrupted by {fault} must fail"
    finally:
        for c in (blocker, victim):
            try:
                c.close()
            except psycopg.Error:
                pass

    with psycopg.connect(url, autocommit=True) as conn:
        assert count_events(conn) == 0, "nothing of the interrupted transaction is visible"
        status = conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline'").fetchone()[0]
        assert status == ("failed" if fault in ("statement_timeout", "cancel") else "running")
        assert conn.execute("SELECT pg_try_advisory_lock(%s)", (PIPELINE_LOCK,)).fetchone()[0]
        conn.execute("SELECT pg_advisory_unlock(%s)", (PIPELINE_LOCK,))
        conn.execute("CALL ops.run_pipeline()")
        statuses = [r[0] for r in conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' ORDER BY run_id")]
        assert statuses == ["failed" if fault in ("statement_timeout", "cancel") else "abandoned", "succeeded"]
        assert digest(conn) == reference_digest
