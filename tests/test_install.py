"""Installing into an existing database: tools/migrate checks the raw tables first and, when one does not
hold what the package reads, stops before any change (no package schema, no migration table)."""
import sys

import psycopg
import pytest

from conftest import ROOT, migrate

sys.path.insert(0, str(ROOT / "tools"))
import migrate as migrate_tool  # noqa: E402  (tools/migrate.py: the contract it checks)


def make_raw_tables(url, skip=(), schema="public", alter=()):
    """Every contract table as a production loader would have it (plus an extra column), except `skip`."""
    with psycopg.connect(url, autocommit=True) as conn:
        if schema != "public":
            conn.execute(f"CREATE SCHEMA {schema}")
        for table, spec in migrate_tool.CONTRACT.items():
            if table in skip:
                continue
            cols = ", ".join(f"{c} {migrate_tool.SANDBOX_TYPE[k]}" for c, k in spec["columns"])
            conn.execute(f"CREATE TABLE {schema}.{table} ({cols}, loader_batch text)")
        for stmt in alter:
            conn.execute(stmt)


def package_traces(url):
    """What an install leaves behind: package schemas, roles' grants aside, and yoyo's tables."""
    with psycopg.connect(url) as conn:
        return conn.execute("""
            SELECT array_agg(nspname ORDER BY nspname) FILTER (WHERE nspname IN ('canon', 'observational', 'ops')),
                   (SELECT count(*) FROM pg_catalog.pg_class WHERE relname LIKE '%yoyo%'),
                   (SELECT count(*) FROM pg_catalog.pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind = 'r')
            FROM pg_catalog.pg_namespace""").fetchone()


def refused(url):
    tables_before = package_traces(url)[2]
    out = migrate(url, sandbox=False, check=False)
    assert out.returncode != 0, out.stdout
    schemas, yoyo_tables, tables_after = package_traces(url)
    assert schemas is None, f"package schemas created before the check stopped: {schemas}"
    assert yoyo_tables == 0, "the migration table was created before the check stopped"
    assert tables_after == tables_before, "a raw table was created without --sandbox"
    assert "nothing was changed" in out.stderr
    return out.stderr


def test_complete_raw_tables_install_without_sandbox(fresh_db):
    url = fresh_db("prod")
    make_raw_tables(url)
    out = migrate(url, sandbox=False)
    assert "0015.identity-work-unused-columns" in out.stdout
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM ops.check_source_contract()").fetchone()[0] == 0
        # 0002 created nothing: the loader's extra column is still on every raw table
        assert conn.execute("SELECT count(*) FROM pg_catalog.pg_attribute WHERE attname = 'loader_batch' "
                            "AND attrelid::regclass::text NOT LIKE '%.%'").fetchone()[0] == 7


def test_missing_table_is_refused(fresh_db):
    url = fresh_db("notable")
    make_raw_tables(url, skip={"summary_daily", "drivers"})
    err = refused(url)
    assert "public.drivers: table missing" in err
    assert "public.summary_daily: table missing" in err
    assert "--sandbox" in err


def test_table_in_another_schema_is_refused(fresh_db):
    url = fresh_db("schema")
    make_raw_tables(url, skip={"drivers"})
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA fleet")
        conn.execute("CREATE TABLE fleet.drivers (driver_id varchar PRIMARY KEY)")
    err = refused(url)
    assert "public.drivers: table missing (found fleet.drivers" in err
    assert "ALTER TABLE fleet.drivers SET SCHEMA public" in err


def test_missing_column_is_refused(fresh_db):
    url = fresh_db("nocol")
    make_raw_tables(url, alter=["ALTER TABLE public.module_ct_scouts_list DROP COLUMN is_active",
                                "ALTER TABLE public.drivers RENAME COLUMN updated_at TO updatedat"])
    err = refused(url)
    assert "public.module_ct_scouts_list.is_active: column missing" in err
    assert "public.drivers.updated_at: column missing" in err
    assert "ADD COLUMN is_active boolean" in err


def test_unreadable_type_is_refused(fresh_db):
    url = fresh_db("type")
    make_raw_tables(url, alter=[
        "ALTER TABLE public.module_ct_cabinet_leads ALTER COLUMN lead_created_at TYPE timestamptz",
        "ALTER TABLE public.drivers ALTER COLUMN hire_date TYPE text",
        # accepted: text for varchar, a domain over varchar, smallint for integer
        "CREATE DOMAIN public.phone_t AS varchar(20)",
        "ALTER TABLE public.drivers ALTER COLUMN phone TYPE public.phone_t",
        "ALTER TABLE public.drivers ALTER COLUMN full_name TYPE text",
        "ALTER TABLE public.module_ct_scouts_list ALTER COLUMN scout_id TYPE smallint"])
    err = refused(url)
    problems = [l for l in err.splitlines() if l.startswith("  - ")]
    assert len(problems) == 2, err
    assert "public.module_ct_cabinet_leads.lead_created_at: type timestamp with time zone" in err
    assert "public.drivers.hire_date: type text, the package reads it as date" in err


def test_sandbox_creates_only_missing_tables_and_still_checks_columns(fresh_db):
    url = fresh_db("sandbox")
    make_raw_tables(url, skip={"drivers"}, alter=["ALTER TABLE public.summary_daily DROP COLUMN created_at"])
    out = migrate(url, sandbox=True, check=False)
    assert out.returncode != 0
    assert "public.summary_daily.created_at: column missing" in out.stderr
    assert package_traces(url)[0] is None
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.summary_daily ADD COLUMN created_at timestamp")
    migrate(url, sandbox=True)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM ops.check_source_contract()").fetchone()[0] == 0


def test_contract_matches_the_database_checker(fresh_db):
    # tools/migrate's contract and ops.check_source_contract() name the same tables and columns
    url = fresh_db("same")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in migrate_tool.CONTRACT:
            conn.execute(f"ALTER TABLE public.{table} RENAME TO {table}_gone")
        rows = conn.execute("SELECT table_name, column_name FROM ops.check_source_contract()").fetchall()
    assert sorted(rows) == sorted((t, c) for t, c, _ in migrate_tool.contract_rows())


@pytest.mark.parametrize("url", ["mysql://x/y"])
def test_non_postgres_url_is_refused(url):
    out = migrate(url, sandbox=False, check=False)
    assert out.returncode != 0 and "postgres" in out.stderr
