"""Run one SQL statement in its own session and trace the memory of its backend.

  tools/memprof <database url> "<sql>" [--every SECONDS] [--dump-step MB]

Every --every seconds (default 2) prints the backend's private (RssAnon) and peak (VmHWM) memory, read
from /proc, and each time the private memory has grown by --dump-step MB (default 150) since the last
dump asks the server to write the backend's memory contexts to its log (pg_log_backend_memory_contexts,
superuser or a role granted EXECUTE on it): the context holding the memory names the statement. NOTICEs
of the statement are printed as they arrive, with the seconds since the start, and its result rows at
the end. The server must run on this machine (the backend's /proc entry is read).

Found the 2.8 GB peak of the scale-1000 backfill this way (README, "Backfill memory at scale 1000").
"""
import argparse
import threading
import time
from pathlib import Path

import psycopg


def status(pid):
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {k: int(fields[k].split()[0]) // 1024 for k in ("RssAnon", "VmHWM")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("sql")
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--dump-step", type=int, default=150)
    args = parser.parse_args()

    work = psycopg.connect(args.url, autocommit=True)
    monitor = psycopg.connect(args.url, autocommit=True)
    pid = work.info.backend_pid
    started = time.monotonic()
    outcome = {}

    def elapsed():
        return time.monotonic() - started

    work.add_notice_handler(lambda d: print(f"{elapsed():8.1f} s  NOTICE {d.message_primary}", flush=True))

    def run():
        try:
            cursor = work.execute(args.sql)
            outcome["rows"] = cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    last_dump, peak = 0, 0
    while worker.is_alive():
        memory = status(pid)
        if memory is None:
            break
        peak = max(peak, memory["RssAnon"])
        print(f"{elapsed():8.1f} s  private {memory['RssAnon']:6d} MB  peak resident (VmHWM) {memory['VmHWM']:6d} MB",
              flush=True)
        if memory["RssAnon"] >= last_dump + args.dump_step:
            monitor.execute("SELECT pg_log_backend_memory_contexts(%s)", (pid,))
            print(f"{elapsed():8.1f} s  memory contexts written to the server log", flush=True)
            last_dump = memory["RssAnon"]
        worker.join(args.every)
    worker.join()
    final = status(pid) or {"VmHWM": float("nan")}
    print(f"{elapsed():8.1f} s  finished: peak private {peak} MB (sampled), VmHWM {final['VmHWM']} MB")
    if "error" in outcome:
        raise SystemExit(f"the statement failed: {outcome['error']}")
    for row in outcome["rows"]:
        print("\t".join("" if value is None else str(value) for value in row))
    work.close()
    monitor.close()


if __name__ == "__main__":
    main()
