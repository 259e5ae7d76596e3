"""tools/migrate [--sandbox] <postgres-url>: check the raw tables, apply pending yoyo migrations, then
re-apply all code from sql/.

The raw source tables (docs/rules.md section 1) are checked first: a missing table, a missing column or a
type the package cannot read stops the install before any change (no schema, no migration table), with
one line per problem and its fix. Upstream loaders own these tables; the package only reads them.

--sandbox is for throwaway databases only (the demo, the tests, the benchmarks): it first creates the
contract tables that are missing, empty, with exactly the columns the package reads. Without it a
missing table is an error: an empty stand-in would make the pipeline look healthy on nothing.

Idempotent: on an up-to-date database it applies no migration and re-creates identical code.
"""
import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent

# The raw source contract: every table and column the package reads, with the type it reads it as.
# Kinds: string (varchar, text, char: any string type), int (smallint or integer), bool, date,
# timestamp (without time zone: the sources hold Lima wall-clock times), uuid.
CONTRACT = {
    "module_ct_cabinet_leads": {"pk": "id", "columns": [
        ("id", "int"), ("external_id", "string"), ("lead_created_at", "timestamp"),
        ("first_name", "string"), ("middle_name", "string"), ("last_name", "string"),
        ("park_phone", "string"), ("asset_plate_number", "string"), ("asset_model", "string"),
        ("asset_color", "string"), ("activation_city", "string"), ("target_city", "string"),
        ("park_name", "string"), ("status", "string"), ("tariff", "string"), ("active_1", "bool"),
        ("active_5", "bool"), ("active_25", "bool"), ("last_active_date", "date"),
        ("created_at", "timestamp")]},
    "module_ct_scouting_daily": {"pk": "id", "columns": [
        ("id", "int"), ("registration_date", "date"), ("scout_id", "int"), ("driver_name", "string"),
        ("driver_phone", "string"), ("driver_license", "string"), ("driver_document", "string"),
        ("acquisition_method", "string"), ("created_at", "timestamp"), ("updated_at", "timestamp")]},
    "module_ct_migrations": {"pk": "id", "columns": [
        ("id", "int"), ("driver_id", "string"), ("driver_name", "string"), ("scout_id", "int"),
        ("scout_name", "string"), ("hire_date", "date"), ("created_at", "timestamp"),
        ("updated_at", "timestamp")]},
    "drivers": {"pk": "driver_id", "columns": [
        ("driver_id", "string"), ("park_id", "string"), ("first_name", "string"),
        ("middle_name", "string"), ("last_name", "string"), ("full_name", "string"),
        ("phone", "string"), ("license_number", "string"), ("license_normalized_number", "string"),
        ("document_number", "string"), ("car_brand", "string"), ("car_model", "string"),
        ("car_color", "string"), ("car_number", "string"), ("car_normalized_number", "string"),
        ("hire_date", "date"), ("fire_date", "date"), ("work_status", "string"),
        ("created_at", "timestamp"), ("updated_at", "timestamp")]},
    "summary_daily": {"pk": None, "columns": [
        ("driver_id", "string"), ("date_file", "string"), ("count_orders_completed", "int"),
        ("sum_work_time_seconds", "int"), ("created_at", "timestamp")]},
    "module_ct_cabinet_payments": {"pk": "id", "columns": [
        ("id", "int"), ("date", "date"), ("time", "string"), ("scout_id", "int"), ("driver", "string"),
        ("driver_id", "string"), ("person_key", "uuid"), ("trip_1", "bool"), ("trip_5", "bool"),
        ("trip_25", "bool"), ("created_at", "timestamp"), ("updated_at", "timestamp")]},
    "module_ct_scouts_list": {"pk": "scout_id", "columns": [
        ("scout_id", "int"), ("name", "string"), ("is_active", "bool")]},
}

# The type a sandbox table gets, and the base types (domains resolved) each kind accepts.
SANDBOX_TYPE = {"string": "varchar", "int": "integer", "bool": "boolean", "date": "date",
                "timestamp": "timestamp", "uuid": "uuid"}
READS_AS = {"string": "a string type (varchar or text)", "int": "integer", "bool": "boolean",
            "date": "date", "timestamp": "timestamp without time zone (Lima wall-clock time)",
            "uuid": "uuid"}
ACCEPTED = {"int": ("int2", "int4"), "bool": ("bool",), "date": ("date",), "timestamp": ("timestamp",),
            "uuid": ("uuid",)}  # "string": any type of category S (text, varchar, char, name)

# One row per contract column: where the table is (or in which other schemas a relation of that name
# exists), and the column's base type. Reads the catalog only: nothing is created.
CHECK_SQL = """
WITH contract AS (
    SELECT c->>0 AS table_name, c->>1 AS column_name, c->>2 AS kind, ord
    FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS j (c, ord)
), rel AS (
    SELECT c.oid, c.relname
    FROM pg_catalog.pg_class AS c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
)
SELECT k.table_name, k.column_name, k.kind, r.oid IS NOT NULL AS table_found,
       a.attname IS NOT NULL AS column_found,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS column_type,
       COALESCE(bt.typname, t.typname) AS base_type,
       COALESCE(bt.typcategory, t.typcategory)::text AS base_category,
       (SELECT pg_catalog.array_agg(o.relnamespace::regnamespace::text ORDER BY 1)
        FROM pg_catalog.pg_class AS o
        WHERE o.relname = k.table_name AND o.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND o.relnamespace <> 'public'::regnamespace) AS elsewhere
FROM contract AS k
LEFT JOIN rel AS r ON r.relname = k.table_name
LEFT JOIN pg_catalog.pg_attribute AS a
       ON a.attrelid = r.oid AND a.attname = k.column_name AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_type AS t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type AS bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
ORDER BY k.ord
"""


def yoyo_uri(url):
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        sys.exit(f"migrate: expected a postgres:// or postgresql:// URL, got scheme {parts.scheme!r}")
    return urlunsplit(("postgresql+psycopg",) + tuple(parts[1:]))


def libpq_url(url):
    parts = urlsplit(url)
    return urlunsplit(("postgresql",) + tuple(parts[1:]))


def contract_rows():
    return [[t, col, kind] for t, spec in CONTRACT.items() for col, kind in spec["columns"]]


def raw_contract_problems(conn):
    """One line per missing table, missing column or unreadable type; [] when the contract holds."""
    problems, missing_tables = [], set()
    for (table, column, kind, table_found, column_found, column_type, base_type, base_category,
         elsewhere) in conn.execute(CHECK_SQL, (json.dumps(contract_rows()),)).fetchall():
        want = f"{column} {SANDBOX_TYPE[kind]}"
        if not table_found:
            if table in missing_tables:
                continue
            missing_tables.add(table)
            if elsewhere:
                where = ", ".join(f"{s}.{table}" for s in elsewhere)
                problems.append(
                    f"public.{table}: table missing (found {where}, in another schema). Fix: move it "
                    f"(ALTER TABLE {elsewhere[0]}.{table} SET SCHEMA public) or expose it as "
                    f"CREATE VIEW public.{table} AS SELECT * FROM {elsewhere[0]}.{table};")
            else:
                problems.append(
                    f"public.{table}: table missing. Fix: point the upstream loader at public.{table}, "
                    f"or create a view public.{table} over the table that holds these rows.")
        elif not column_found:
            problems.append(
                f"public.{table}.{column}: column missing. Fix: add it to the loader's table "
                f"(ALTER TABLE public.{table} ADD COLUMN {want};) or rename the column that holds it.")
        elif not (base_category == "S" if kind == "string" else base_type in ACCEPTED[kind]):
            problems.append(
                f"public.{table}.{column}: type {column_type}, the package reads it as "
                f"{READS_AS[kind]}. Fix: ALTER TABLE public.{table} ALTER COLUMN {column} TYPE "
                f"{SANDBOX_TYPE[kind]} USING ..., or a view public.{table} that casts it.")
    return problems


def sandbox_ddl():
    """CREATE TABLE IF NOT EXISTS for every contract table, exactly the columns the package reads."""
    stmts = []
    for table, spec in CONTRACT.items():
        cols = [sql.SQL("{} {}{}").format(sql.Identifier(col), sql.SQL(SANDBOX_TYPE[kind]),
                                          sql.SQL(" PRIMARY KEY" if col == spec["pk"] else ""))
                for col, kind in spec["columns"]]
        stmts.append(sql.SQL("CREATE TABLE IF NOT EXISTS {} ({})").format(
            sql.Identifier("public", table), sql.SQL(", ").join(cols)))
    return stmts


def check_raw_tables(url, sandbox):
    try:
        conn = psycopg.connect(libpq_url(url), autocommit=True)
    except psycopg.OperationalError as exc:
        sys.exit(f"migrate: cannot connect: {str(exc).strip()}")
    with conn:
        if sandbox:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '10s'")
                for stmt in sandbox_ddl():
                    conn.execute(stmt)
        problems = raw_contract_problems(conn)
    if problems:
        print("migrate: the raw source tables do not hold what the package reads; nothing was changed.",
              file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        print("migrate: fix the tables above and run tools/migrate again (README, 'Install into an "
              "existing database'). For a throwaway database only, tools/migrate --sandbox URL creates "
              "missing tables, empty.", file=sys.stderr)
        sys.exit(2)


def main(argv):
    ap = argparse.ArgumentParser(prog="tools/migrate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sandbox", action="store_true",
                    help="throwaway databases only: create the missing raw contract tables, empty")
    ap.add_argument("url", help="postgresql://... URL of the database to install into")
    args = ap.parse_args(argv[1:])
    uri = yoyo_uri(args.url)
    check_raw_tables(args.url, args.sandbox)

    from yoyo import get_backend, read_migrations  # after the check: the backend creates its tables

    backend = get_backend(uri)
    migrations = read_migrations(str(ROOT / "migrations"))
    with backend.lock():
        pending = backend.to_apply(migrations)
        for m in pending:
            print(f"migrate: applying {m.id}")
        backend.apply_migrations_only(pending)
        # Always, not only when a migration was pending: code is re-applied on every migrate.
        backend.run_post_apply(migrations)
    print(f"migrate: {len(pending)} migration(s) applied, code re-applied from sql/")


if __name__ == "__main__":
    main(sys.argv)
