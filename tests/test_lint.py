"""Static gates: plpgsql_check over every package function, squawk over every migration."""
import psycopg

from conftest import ROOT, run


def test_plpgsql_check_finds_no_error_or_security_warning(db_url):
    # the pg_cron database: code that reads cron.* is checked against the real pg_cron catalog
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
        rows = conn.execute("""
            SELECT p.oid::regprocedure::text, r.level, r.message, r.lineno
            FROM pg_proc p
            JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
            CROSS JOIN LATERAL plpgsql_check_function_tb(p.oid, security_warnings => true,
                                                         fatal_errors => false) r
            WHERE p.pronamespace IN ('canon'::regnamespace, 'observational'::regnamespace,
                                     'ops'::regnamespace)
              AND p.prorettype <> 'trigger'::regtype
              AND (r.level = 'error' OR r.message ILIKE '%security%'
                   OR r.message ILIKE '%sql injection%' OR r.message ILIKE '%search_path%')
        """).fetchall()
    assert rows == [], "\n".join(map(str, rows))


def test_squawk_passes_on_every_migration():
    files = sorted(str(p) for p in (ROOT / "migrations").glob("*.sql"))
    result = run(ROOT / ".venv" / "bin" / "squawk", "--config", ROOT / ".squawk.toml", *files, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
