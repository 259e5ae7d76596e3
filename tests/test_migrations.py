"""Install = migrate: idempotent, no drift, never touches existing raw data, preserves package data."""
import re

import psycopg

from conftest import ROOT, conninfo, migrate, run

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def dump(url, *extra):
    c = conninfo(url)
    return run(PG_DUMP, "-h", c["host"], "-p", c["port"], "-U", c["user"], "--no-comments", "--restrict-key=leadattribution",
               *extra, c["dbname"]).stdout


def test_load_order_lists_every_sql_file_once():
    listed = [l.split("#", 1)[0].strip() for l in (ROOT / "sql" / "load_order.txt").read_text().splitlines()]
    listed = [l for l in listed if l]
    on_disk = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "sql").rglob("*.sql"))
    assert len(listed) == len(set(listed)), "a file is listed twice in sql/load_order.txt"
    assert sorted(listed) == on_disk


def test_migrate_twice_is_a_noop(fresh_db):
    url = fresh_db("twice")
    first = migrate(url)
    assert "0005.lead-events" in first.stdout
    schema_1 = dump(url, "--schema-only")
    second = migrate(url)
    assert "0 migration(s) applied" in second.stdout
    schema_2 = dump(url, "--schema-only")
    assert schema_1 == schema_2


def test_migrate_without_pg_cron_says_so(fresh_db):
    # Only the cluster's cron.database_name can hold pg_cron: any other database installs without it.
    out = migrate(fresh_db("nocron")).stdout
    assert re.search(r"NOTICE: lead-attribution: pg_cron schedules skipped: .*cron\.database_name", out)


def test_existing_raw_table_with_extra_columns_is_untouched(fresh_db):
    url = fresh_db("prod")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.module_ct_cabinet_leads (
                id integer PRIMARY KEY, external_id varchar, lead_created_at timestamp,
                first_name varchar, middle_name varchar, last_name varchar, park_phone varchar,
                asset_plate_number varchar, asset_model varchar, asset_color varchar,
                activation_city varchar, target_city varchar, park_name varchar, status varchar,
                tariff varchar, active_1 boolean, active_5 boolean, active_25 boolean,
                last_active_date date, created_at timestamp,
                loader_batch text NOT NULL DEFAULT 'b1', raw_json jsonb)""")
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, raw_json)
            SELECT g, 'ext-' || g, timestamp '2025-12-01' + g * interval '1 hour', 'NAME' || g,
                   jsonb_build_object('g', g)
            FROM generate_series(1, 50) AS g""")
    before = dump(url, "--no-privileges", "-t", "public.module_ct_cabinet_leads")
    migrate(url)
    after = dump(url, "--no-privileges", "-t", "public.module_ct_cabinet_leads")
    # the package grants SELECT on the table; its definition and rows are identical
    assert before == after
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM ops.check_source_contract()").fetchone()[0] == 0


def test_contract_checker_reports_missing_columns(fresh_db):
    # a column dropped upstream after the install (tools/migrate refuses one missing beforehand)
    url = fresh_db("partial")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.module_ct_scouts_list DROP COLUMN is_active CASCADE")
        rows = conn.execute("SELECT * FROM ops.check_source_contract()").fetchall()
    assert rows == [("module_ct_scouts_list", "is_active", "column missing")]


def test_migrate_preserves_package_data(fresh_db):
    url = fresh_db("data")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE ops.settings SET value = '5' WHERE key = 'lookback_days'")
        conn.execute("INSERT INTO canon.identity_registry (confidence_level, primary_full_name) "
                     "SELECT 'HIGH', 'P' || g FROM generate_series(1, 20) g")
        before = conn.execute("SELECT md5(string_agg(r::text, ',' ORDER BY person_key)) "
                              "FROM canon.identity_registry r").fetchone()[0]
    migrate(url)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT ops.get_setting('lookback_days')").fetchone()[0] == "5"
        after = conn.execute("SELECT md5(string_agg(r::text, ',' ORDER BY person_key)) "
                             "FROM canon.identity_registry r").fetchone()[0]
    assert before == after
