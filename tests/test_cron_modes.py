"""pg_cron's other way to run jobs. The test cluster runs pg_cron with cron.host (a login as
lead_attribution_job through the local socket, tests/test_pipeline.py); this module makes a second
cluster with cron.use_background_workers = on (no login, no pg_hba, no peer map: the README's
recommended setting) and checks that the package's job really runs there and succeeds. pg_cron 1.4
schedules by the minute: about a minute."""
import os
import time

import psycopg
import pytest

from conftest import ROOT, migrate, run

CLUSTER = "cronworkers"


@pytest.fixture(scope="module")
def workers_url():
    env = dict(os.environ, LA_CRON_MODE="workers")
    run(ROOT / "tools" / "pgcluster", "remove", CLUSTER)
    url = run(ROOT / "tools" / "pgcluster", "create", CLUSTER, env=env).stdout.strip().splitlines()[-1]
    try:
        migrate(url)
        yield url
    finally:
        run(ROOT / "tools" / "pgcluster", "remove", CLUSTER, check=False)


def test_background_worker_mode_runs_the_pipeline_job(workers_url):
    with psycopg.connect(workers_url, autocommit=True) as conn:
        assert conn.execute("SHOW cron.use_background_workers").fetchone()[0] == "on"
        assert conn.execute("SELECT current_setting('cron.host', true)").fetchone()[0] in (None, "", "localhost")
        # pg_hba rejects every connection of the job role: a job that runs proves pg_cron did not log in
        hba = ROOT / ".pgcluster" / CLUSTER / "data" / "pg_hba.conf"
        hba.write_text("local all lead_attribution_job reject\nhost all lead_attribution_job all reject\n"
                       + hba.read_text())
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        with pytest.raises(psycopg.OperationalError, match="lead_attribution_job"):
            psycopg.connect(workers_url.replace("postgres@", "lead_attribution_job@")).close()
        conn.execute("INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, "
                     "driver_phone) SELECT g, ops.today() - 1, 1, 'NAME ' || g, '9' || (10000000 + g) "
                     "FROM generate_series(1, 20) g")
        # the package's own pipeline job (every 10 minutes) would otherwise run beside the test's at a
        # ten-minute mark, and one of the two logs a skipped run (the identity lock): the test's job alone
        conn.execute("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'lead-attribution-pipeline'")
        job = conn.execute("SELECT cron.schedule_in_database('la-test-workers', '* * * * *', "
                           "'CALL ops.run_pipeline()', current_database(), 'lead_attribution_job')").fetchone()[0]
        deadline, row = time.time() + 80, None
        while time.time() < deadline and row is None:
            row = conn.execute("SELECT status, return_message FROM cron.job_run_details WHERE jobid = %s "
                               "AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1",
                               (job,)).fetchone()
            time.sleep(2)
        conn.execute("SELECT cron.unschedule(%s)", (job,))
        assert row is not None, "pg_cron did not run the job within 80 s"
        assert row[0] == "succeeded", row[1]
        assert conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' "
                            "ORDER BY run_id DESC LIMIT 1").fetchone()[0] == "succeeded"
        assert conn.execute("SELECT count(*) FROM observational.lead_events").fetchone()[0] == 20
