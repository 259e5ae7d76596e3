"""Measure, side by side in one run on a throwaway cluster (tools/pgcluster, name "bench", or the name in
the environment variable LA_BENCH_CLUSTER):

  bare      INSERT ... SELECT of the same valid source rows into a copy of lead_events (same indexes)
  backfill  observational.populate_lead_events over the whole sample range (identity included)
  no-op     the same call again (nothing new)
  pipeline  CALL ops.run_pipeline() with nothing new (after one catch-up run), three times, each in a new
            session as pg_cron runs it, with the seconds of each step; then CALL ops.run_pipeline(true)
            (a forced full run with nothing new: what the fast path's safety net costs)
  VmHWM     peak resident memory of the backfill's backend (read from /proc, server defaults)

Targets (issue 4): backfill <= 3x bare; no-op <= 10 % of backfill; pipeline no-op < 1 s at scale 1000;
VmHWM < 1 GiB.
"""
import os
import sys
import time
from pathlib import Path

import psycopg

from benchlib import fresh_cluster, remove_cluster

CLUSTER = os.environ.get("LA_BENCH_CLUSTER", "bench")


def vm_hwm_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def timed(conn, sql, params=None):
    t = time.perf_counter()
    row = conn.execute(sql, params).fetchone() if sql.lstrip().upper().startswith("SELECT") else conn.execute(sql, params)
    return time.perf_counter() - t, row


def last_pipeline_steps(conn):
    """Seconds per step of the last run_pipeline run, 'skipped' for a step the fast path skipped."""
    return conn.execute("""
        SELECT string_agg(CASE WHEN s ? 'skipped' THEN format('%s skipped', s ->> 'step')
                               ELSE format('%s %ss', s ->> 'step', s ->> 'seconds') END, ', ' ORDER BY n)
               || coalesce(' [' || (SELECT x -> 'result' ->> 'reason' FROM jsonb_array_elements(details -> 'steps') AS x
                                    WHERE x ->> 'step' = 'check_inputs') || ']', '')
        FROM ops.run_log, jsonb_array_elements(details -> 'steps') WITH ORDINALITY AS t (s, n)
        WHERE run_id = (SELECT max(run_id) FROM ops.run_log WHERE job = 'run_pipeline')
        GROUP BY details""").fetchone()[0]


def bench(scale):
    url = fresh_cluster(CLUSTER)
    with psycopg.connect(url, autocommit=True) as conn:
        t_gen, _ = timed(conn, "SELECT sample.generate(%s::numeric, 0.42::float8, ops.today())", (scale,))
        conn.execute("VACUUM ANALYZE")
        lo, hi, n_valid = conn.execute(
            "SELECT min(lead_date), max(lead_date), count(*) FROM observational.v_source_leads "
            "WHERE reject_reason IS NULL").fetchone()
        conn.execute("CREATE SCHEMA bench")
        conn.execute("CREATE TABLE bench.lead_events_copy (LIKE observational.lead_events INCLUDING ALL)")
        t_bare, _ = timed(conn, """
            INSERT INTO bench.lead_events_copy (source_table, source_pk, event_date, scout_id, payload_json)
            SELECT source_table, source_pk, lead_date, scout_id, payload_json
            FROM observational.v_source_leads WHERE reject_reason IS NULL""")
    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        t_fill, r = timed(conn, "SELECT observational.populate_lead_events(%s, %s)", (lo, hi))
        hwm = vm_hwm_kib(pid)
        t_noop, r2 = timed(conn, "SELECT observational.populate_lead_events(%s, %s)", (lo, hi))
    with psycopg.connect(url, autocommit=True) as conn:
        t_catch, _ = timed(conn, "CALL ops.run_pipeline()")
    # each no-op run in a new session, as pg_cron runs it (the previous session's statistics are flushed
    # when it ends)
    noop_runs = []
    for _ in range(3):
        with psycopg.connect(url, autocommit=True) as conn:
            t_pipe, _ = timed(conn, "CALL ops.run_pipeline()")
            noop_runs.append((t_pipe, last_pipeline_steps(conn)))
    with psycopg.connect(url, autocommit=True) as conn:
        t_full, _ = timed(conn, "CALL ops.run_pipeline(true)")
        full_steps = last_pipeline_steps(conn)
    print(f"\nscale {scale}: {n_valid} valid lead rows, lead dates {lo}..{hi} (generated in {t_gen:.1f} s)")
    print(f"  {'bare INSERT ... SELECT':34} {t_bare:8.2f} s  {n_valid / t_bare:10.0f} rows/s")
    print(f"  {'backfill (populate, identity in)':34} {t_fill:8.2f} s  {n_valid / t_fill:10.0f} rows/s"
          f"   ratio to bare {t_fill / t_bare:5.2f}  (target <= 3)")
    print(f"  {'no-op re-run':34} {t_noop:8.2f} s  {'':10}        ratio to backfill {t_noop / t_fill:5.1%}  (target <= 10 %)")
    print(f"  {'run_pipeline catch-up':34} {t_catch:8.2f} s")
    for i, (t_pipe, steps) in enumerate(noop_runs, 1):
        print(f"  {f'run_pipeline, nothing new ({i})':34} {t_pipe:8.2f} s  (target < 1 s at scale 1000)")
        print(f"    steps: {steps}")
    print(f"  {'run_pipeline(true), nothing new':34} {t_full:8.2f} s  (forced full run: the safety net)")
    print(f"    steps: {full_steps}")
    print(f"  {'backfill backend VmHWM':34} {hwm / 1024 if hwm else float('nan'):8.0f} MiB  (target < 1024 MiB)")
    remove_cluster(CLUSTER)


if __name__ == "__main__":
    for s in (sys.argv[1:] or ["100"]):
        bench(float(s))
