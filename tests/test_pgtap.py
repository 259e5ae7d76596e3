"""Runs every pgTAP file of tests/pgtap with pg_prove, one pytest test per file."""
from pathlib import Path

import psycopg
import pytest

from conftest import ROOT, conninfo, run

FILES = sorted((ROOT / "tests" / "pgtap").glob("*.sql"))


@pytest.fixture(scope="module")
def pgtap_db(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
    return db_url


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_pgtap_file(pgtap_db, path: Path):
    c = conninfo(pgtap_db)
    result = run("pg_prove", "--verbose", "--host", c["host"], "--port", c["port"],
                 "--username", c["user"], "--dbname", c["dbname"], path, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
