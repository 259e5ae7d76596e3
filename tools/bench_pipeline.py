"""Measure, side by side in one run on a throwaway cluster (tools/pgcluster, name "bench", or the name in
the environment variable LA_BENCH_CLUSTER):

  bare      INSERT ... SELECT of the same valid source rows into a copy of lead_events (same indexes)
  backfill  observational.populate_lead_events over the whole sample range (identity included)
  no-op     the same call again (nothing new): cold first (server restarted, new session), then the
            median of three more, each in a new session
  pipeline  CALL ops.run_pipeline() with nothing new, each run in a new session as pg_cron runs it, with
            the seconds of each step: after a catch-up run, the server is restarted (its first run is a
            full one: the restart safety net, shown), then the cold no-op (first new session) and the
            median of three more; then CALL ops.run_pipeline(true) (a forced full run with nothing new)
  VmHWM     peak resident memory of the backfill's backend (read from /proc, server defaults)

Exits non-zero, after printing, when a figure is not what its line says: a backfill that did not insert
every valid row, a no-op that inserted or updated something, a pipeline no-op that did not skip, a
forced run that was not full, or no VmHWM reading.

Targets (docs/performance.md): backfill <= 3x bare; no-op <= 10 % of backfill; pipeline no-op < 1 s at scale 1000;
VmHWM < 1 GiB.
"""
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

from benchlib import ROOT, fresh_cluster, remove_cluster, sh

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


def restart(name):
    """Stop and start the cluster: empty shared buffers, every backend new."""
    sh(ROOT / "tools" / "pgcluster", "stop", name)
    sh(ROOT / "tools" / "pgcluster", "start", name)


def changed(result):
    """Rows a populate call inserted or updated, over its sources."""
    return sum(int(v["inserted"]) + int(v["updated"]) for v in result["sources"].values())


def pipeline_run(url):
    """One CALL ops.run_pipeline() in a new session: (seconds, mode, reason, steps)."""
    with psycopg.connect(url, autocommit=True) as conn:
        t, _ = timed(conn, "CALL ops.run_pipeline()")
        mode, reason = conn.execute("""
            SELECT s -> 'result' ->> 'mode', s -> 'result' ->> 'reason'
            FROM ops.run_log, jsonb_array_elements(details -> 'steps') AS s
            WHERE run_id = (SELECT max(run_id) FROM ops.run_log WHERE job = 'run_pipeline')
              AND s ->> 'step' = 'check_inputs'""").fetchone()
        return t, mode, reason, last_pipeline_steps(conn)


def bench(scale):
    """Measure one scale; returns the list of figures that are not what they claim (empty: all good)."""
    problems = []
    url = fresh_cluster(CLUSTER)
    with psycopg.connect(url, autocommit=True) as conn:
        t_gen, _ = timed(conn, "SELECT sample.generate(%s::numeric, 0.42::float8, ops.today())", (scale,))
        conn.execute("VACUUM ANALYZE")
        # valid rows dated up to today: the view accepts tomorrow's (Lima) date, populate loads it tomorrow
        lo, hi, n_valid = conn.execute(
            "SELECT min(lead_date), max(lead_date), count(*) FROM observational.v_source_leads "
            "WHERE reject_reason IS NULL AND lead_date <= ops.today()").fetchone()
        conn.execute("CREATE SCHEMA bench")
        conn.execute("CREATE TABLE bench.lead_events_copy (LIKE observational.lead_events INCLUDING ALL)")
        t_bare, _ = timed(conn, """
            INSERT INTO bench.lead_events_copy (source_table, source_pk, event_date, scout_id, payload_json)
            SELECT source_table, source_pk, lead_date, scout_id, payload_json
            FROM observational.v_source_leads WHERE reject_reason IS NULL AND lead_date <= ops.today()""")
    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.info.backend_pid
        t_fill, (r,) = timed(conn, "SELECT observational.populate_lead_events(%s, %s)", (lo, hi))
        hwm = vm_hwm_kib(pid)
    if sum(int(v["inserted"]) for v in r["sources"].values()) != n_valid:
        problems.append(f"the backfill inserted {r['sources']}, not the {n_valid} valid rows")
    if hwm is None:
        problems.append("no VmHWM reading of the backfill's backend (/proc not readable)")

    # the populate no-op: cold (restarted server, new session), then three more in new sessions
    restart(CLUSTER)
    noop = []
    for _ in range(4):
        with psycopg.connect(url, autocommit=True) as conn:
            t, (r2,) = timed(conn, "SELECT observational.populate_lead_events(%s, %s)", (lo, hi))
        noop.append(t)
        if changed(r2):
            problems.append(f"a populate no-op changed {changed(r2)} rows")
    t_noop_cold, t_noop = noop[0], statistics.median(noop[1:])

    t_catch = pipeline_run(url)[0]
    restart(CLUSTER)
    after_restart = pipeline_run(url)
    if after_restart[1] != "full":
        problems.append(f"the first pipeline run after a restart was {after_restart[1]}: {after_restart[2]}")
    runs = [pipeline_run(url) for _ in range(4)]
    for _, mode, reason, _ in runs:
        if mode != "skip":
            problems.append(f"a pipeline no-op did not skip: {mode} ({reason})")
    t_pipe_cold, t_pipe = runs[0][0], statistics.median(t for t, *_ in runs[1:])
    with psycopg.connect(url, autocommit=True) as conn:
        t_full, _ = timed(conn, "CALL ops.run_pipeline(true)")
        full_steps = last_pipeline_steps(conn)
    if "[requested]" not in full_steps:
        problems.append(f"the forced run was not a requested full run: {full_steps}")

    print(f"\nscale {scale}: {n_valid} valid lead rows, lead dates {lo}..{hi} (generated in {t_gen:.1f} s)")
    print(f"  {'bare INSERT ... SELECT':34} {t_bare:8.2f} s  {n_valid / t_bare:10.0f} rows/s")
    print(f"  {'backfill (populate, identity in)':34} {t_fill:8.2f} s  {n_valid / t_fill:10.0f} rows/s"
          f"   ratio to bare {t_fill / t_bare:5.2f}  (target <= 3)")
    print(f"  {'no-op re-run, cold (restarted)':34} {t_noop_cold:8.2f} s  {'':10}        ratio to backfill {t_noop_cold / t_fill:5.1%}")
    print(f"  {'no-op re-run, median of 3':34} {t_noop:8.2f} s  {'':10}        ratio to backfill {t_noop / t_fill:5.1%}  (target <= 10 %)")
    print(f"  {'run_pipeline catch-up':34} {t_catch:8.2f} s")
    print(f"  {'run_pipeline after restart (full)':34} {after_restart[0]:8.2f} s  (the restart safety net)")
    print(f"    steps: {after_restart[3]}")
    print(f"  {'run_pipeline no-op, cold':34} {t_pipe_cold:8.2f} s  (first new session after that)")
    print(f"    steps: {runs[0][3]}")
    print(f"  {'run_pipeline no-op, median of 3':34} {t_pipe:8.2f} s  (target < 1 s at scale 1000)")
    print(f"    steps: {runs[-1][3]}")
    print(f"  {'run_pipeline(true), nothing new':34} {t_full:8.2f} s  (forced full run: the safety net)")
    print(f"    steps: {full_steps}")
    print(f"  {'backfill backend VmHWM':34} {hwm / 1024 if hwm else float('nan'):8.0f} MiB  (target < 1024 MiB)")
    remove_cluster(CLUSTER)
    return problems


if __name__ == "__main__":
    failed = []
    for s in (sys.argv[1:] or ["100"]):
        failed += [f"scale {s}: {p}" for p in bench(float(s))]
    for p in failed:
        print(f"bench_pipeline: NOT MEASURED AS PRINTED: {p}", file=sys.stderr)
    sys.exit(1 if failed else 0)
