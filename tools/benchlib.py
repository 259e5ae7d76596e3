"""What the benchmark scripts share: the repository root, a checked subprocess, and a throwaway
cluster (tools/pgcluster) migrated, with the sample-data functions loaded and pg_cron's jobs
deactivated so no scheduled run lands inside a measurement."""
import subprocess
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def sh(*args):
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def fresh_cluster(name):
    """Remove cluster `name` if it exists, create, migrate and prepare it; returns its URL."""
    sh(ROOT / "tools" / "pgcluster", "remove", name)
    url = sh(ROOT / "tools" / "pgcluster", "create", name).strip().splitlines()[-1]
    sh(ROOT / "tools" / "migrate", "--sandbox", url)
    sh("psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", ROOT / "tools" / "sample_data.sql")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT cron.alter_job(jobid, active => false) FROM cron.job")
    return url


def remove_cluster(name):
    sh(ROOT / "tools" / "pgcluster", "remove", name)
