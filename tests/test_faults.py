"""Faults in the middle of a pipeline run: statement_timeout, cancel, terminate, fast server restart.

After each: nothing of the interrupted transaction is visible (events, links, registry, queue, ledger,
rejects, populate's and the fast path's state), the run log says failed or abandoned, the advisory
lock is free, and the next run loads everything - every table the pipeline writes equal, person_keys
included, to an uninterrupted run on the same data.
"""
import re

import psycopg
import pytest

from conftest import CLUSTER, ROOT, in_thread, migrate, run, wait_until_blocked
from test_pipeline import PIPELINE_LOCK, seed_leads


# What a run writes, without what differs between two databases by construction (serial ids, times,
# run ids); person_keys are random uuids, so each is replaced by the first record linked to it.
STATE = {
    "observational.lead_events": "source_table, source_pk, event_date, person_key, scout_id, payload_json",
    "observational.lead_event_rejects": "source_table, source_pk, reason_code, details",
    "canon.identity_links": "person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence",
    "canon.identity_registry": "person_key, primary_phone, primary_license, primary_document, primary_full_name, "
                               "confidence_level, merged_into",
    "canon.identity_unmatched": "source_table, source_pk, reason_code, details, candidates, status",
    "observational.lead_ledger": "person_key, attributed_source, attributed_scout_id, attribution_rule, "
                                 "attribution_score, confidence_level, evidence_json, decision_status",
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def seed(conn):
    """seed_leads, plus records identity cannot place (the queue) and one that cannot be an event."""
    seed_leads(conn)
    conn.execute("""
        INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
        VALUES (9001, 'nophone-1', '2025-12-20 09:00', 'SINDATO', NULL),
               (9002, 'nophone-2', '2025-12-21 09:00', 'OTRO', 'n/a'),
               (9003, 'nodate-1', NULL, 'FECHA', '987000903')""")


def pipeline_state(conn):
    """{table: sorted rows as text} with every person_key replaced by its first linked record."""
    label = dict(conn.execute("SELECT person_key::text, min(source_table || '/' || source_pk) "
                              "FROM canon.identity_links GROUP BY person_key").fetchall())
    state = {}
    for table, columns in STATE.items():
        rows = [r[0] for r in conn.execute(f"SELECT row({columns})::text FROM {table}")]
        state[table] = sorted(UUID.sub(lambda m: "person:" + label.get(m.group(0), "unlinked"), r) for r in rows)
    return state


def nothing_written(conn):
    """Row counts of every table a run writes, and of populate's and the fast path's state."""
    tables = list(STATE) + ["observational.populate_state", "ops.pipeline_state", "ops.cabinet_claims"]
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


@pytest.fixture(scope="module")
def reference_digest(cluster_url):
    import uuid
    name = f"ref_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.replace("/lead_attribution?", f"/{name}?")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        seed(conn)
        conn.execute("CALL ops.run_pipeline()")
        expected = pipeline_state(conn)
        assert all(expected[t] for t in ("observational.lead_events", "canon.identity_links",
                                         "canon.identity_registry", "canon.identity_unmatched",
                                         "observational.lead_ledger", "observational.lead_event_rejects")), \
            {t: len(v) for t, v in expected.items()}
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return expected


@pytest.mark.parametrize("fault", ["statement_timeout", "cancel", "terminate", "restart"])
def test_fault_mid_run_leaves_no_partial_state(fresh_db, reference_digest, fault):
    url = fresh_db("fault")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        seed(conn)

    errors = []
    blocker = psycopg.connect(url, autocommit=True)
    victim = psycopg.connect(url, autocommit=True)
    try:
        # Hold the ledger: the run writes events, then waits here with its transaction open.
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE observational.lead_ledger IN ACCESS EXCLUSIVE MODE")
        if fault == "statement_timeout":
            victim.execute("SET statement_timeout = '1500ms'")

        t = in_thread(victim, "CALL ops.run_pipeline()", errors)
        with psycopg.connect(url, autocommit=True) as admin:
            wait_until_blocked(admin, victim.info.backend_pid, "the pipeline")
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
        written = nothing_written(conn)
        assert written == dict.fromkeys(written, 0), "nothing of the interrupted transaction is visible"
        status = conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline'").fetchone()[0]
        assert status == ("failed" if fault in ("statement_timeout", "cancel") else "running")
        assert conn.execute("SELECT pg_try_advisory_lock(%s)", (PIPELINE_LOCK,)).fetchone()[0]
        conn.execute("SELECT pg_advisory_unlock(%s)", (PIPELINE_LOCK,))
        conn.execute("CALL ops.run_pipeline()")
        statuses = [r[0] for r in conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' ORDER BY run_id")]
        assert statuses == ["failed" if fault in ("statement_timeout", "cancel") else "abandoned", "succeeded"]
        assert pipeline_state(conn) == reference_digest
