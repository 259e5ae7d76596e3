"""Upgrading an installed database, with data, from the oldest release that had the pipeline (0.1.0,
commit e7b5026, see CHANGELOG.md) to the checked-out code: every lead event is kept and every person
keeps its person_key. About 20 s at scale 1."""
import re
import subprocess
import sys

import psycopg
import pytest

from conftest import ROOT, migrate, run

OLDEST_WITH_PIPELINE = "e7b5026"


@pytest.fixture
def old_tree(tmp_path):
    tree = tmp_path / OLDEST_WITH_PIPELINE
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLDEST_WITH_PIPELINE],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def changelog_version():
    """The newest version CHANGELOG.md describes (its first '## x.y.z' heading)."""
    return re.search(r"^## \[?(\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.M).group(1)


def events(url):
    with psycopg.connect(url) as conn:
        return {(t, pk): (day, person) for t, pk, day, person in conn.execute(
            "SELECT source_table, source_pk, event_date, person_key FROM observational.lead_events")}


def test_upgrade_from_the_oldest_release_keeps_events_and_persons(fresh_db, old_tree):
    url = fresh_db("upgrade")
    # the old release's own migrate (its 0002 created the raw tables) and its own sample data
    run(sys.executable, old_tree / "tools" / "migrate.py", url)
    run("psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", old_tree / "tools" / "sample_data.sql")
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regprocedure('ops.version()')").fetchone()[0] is None
        conn.execute("SELECT sample.generate(1, 0.42)")
        conn.execute("CALL ops.run_pipeline()")
    before = events(url)
    assert len(before) > 2000 and sum(p is not None for _, p in before.values()) > 2000

    out = migrate(url, sandbox=False)  # the raw tables exist: no sandbox needed
    assert "0015.identity-work-unused-columns" in out.stdout
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        assert conn.execute("SELECT ops.version()").fetchone()[0] == changelog_version()
    after = events(url)

    assert before.keys() <= after.keys(), "an event was lost by the upgrade"
    changed = [k for k, (day, person) in before.items()
               if after[k][0] != day or (person is not None and after[k][1] != person)]
    assert changed == [], f"{len(changed)} events changed date or person, e.g. {changed[:3]}"
