"""Re-apply the package's code (functions, views, grants, cron schedules) after every migrate.

Code is not state: it lives in sql/ and is loaded in the explicit order of sql/load_order.txt, in one
transaction. Views are dropped (in reverse order, never CASCADE) and re-created so a changed column list
applies cleanly; a foreign view that depends on ours makes the load fail loudly instead of vanishing.
"""
from pathlib import Path

from psycopg import sql
from yoyo import step

ROOT = Path(__file__).resolve().parent.parent


def load_order():
    files = []
    for line in (ROOT / "sql" / "load_order.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            files.append(line)
    return files


def view_name(path):
    # sql/views/ops.v_payment_calculation.sql -> ops.v_payment_calculation
    return Path(path).name[: -len(".sql")]


def show_notice(diag):
    print(f"{diag.severity}: {diag.message_primary}" + (f" HINT: {diag.message_hint}" if diag.message_hint else ""))


def apply_code(conn):
    files = load_order()
    conn.add_notice_handler(show_notice)
    with conn.cursor() as cur:
        cur.execute("SET LOCAL check_function_bodies = off")
        cur.execute("SET LOCAL client_min_messages = warning")
        for path in reversed([f for f in files if f.startswith("sql/views/")]):
            schema, name = view_name(path).split(".", 1)
            cur.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(sql.Identifier(schema, name)))
        cur.execute("SET LOCAL client_min_messages = notice")
        for path in files:
            try:
                cur.execute((ROOT / path).read_text())
            except Exception as exc:
                raise RuntimeError(f"loading {path} failed: {exc}") from exc


steps = [step(apply_code)]
