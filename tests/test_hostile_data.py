"""Hostile, late and corrected loader data never stops the pipeline nor is silently skipped: overlong
keys become rejects or NULL identifiers, huge trip counts do not overflow the money chain, a row dated
in the future moves no watermark past now (and health reports it), run_pipeline(true) forces every
layer, and a row corrected upstream long after its lead date is re-read by the next run.

One sample database (scale 0.1, lead dates ending today) per test: each test changes raw rows."""
import random
import string
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from conftest import load_sample, migrate


def last_run(conn):
    return conn.execute("""SELECT status, error_message FROM ops.run_log WHERE job = 'run_pipeline'
                           ORDER BY run_id DESC LIMIT 1""").fetchone()


def health_rows(conn, check):
    return {r[0]: r[1:] for r in conn.execute(
        """SELECT subject, status, observed, detail, hint FROM ops.health() WHERE "check" = %s""", (check,))}


@pytest.fixture
def sample_db(fresh_db):
    url = fresh_db("hostile_data")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        today = conn.execute("SELECT ops.today()").fetchone()[0]
    load_sample(url, scale=Decimal("0.1"), end=today.isoformat())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn)[0] == "succeeded"
    return url


def noise(n, alphabet=string.ascii_letters + string.digits, seed=7):
    """n random characters: no compression brings them under the 2704-byte index entry limit."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def test_overlong_keys_and_identifiers_are_rejects_or_null_never_a_failed_run(sample_db):
    with psycopg.connect(sample_db, autocommit=True) as conn:
        today = conn.execute("SELECT ops.today()").fetchone()[0]
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name,
                                                         park_phone, asset_plate_number, asset_model)
            VALUES (900001, %(pk)s, %(day)s, 'Ana', 'Torres', '987000001', 'ABC123', 'Corolla'),
                   (900002, 'ok-plate', %(day)s, %(name)s, %(name)s, %(digits)s, %(plate)s, %(plate)s)""",
                     {"pk": noise(4000), "day": today, "name": noise(4000, seed=8), "digits": noise(4000, string.digits),
                      "plate": noise(4000, seed=9)})
        conn.execute("""
            INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                                                          driver_license, driver_document)
            VALUES (900001, %(day)s, 1, %(name)s, %(digits)s, %(lic)s, %(digits)s)""",
                     {"day": today, "name": noise(4000, seed=10), "digits": noise(4000, string.digits, seed=11),
                      "lic": noise(4000, seed=12)})
        conn.execute("""
            INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, hire_date, created_at)
            VALUES (900001, %s, 'Luis Rojas', 1, %s, now())""", (noise(4000, seed=13), today))
        conn.execute("""
            INSERT INTO public.drivers (driver_id, park_id, full_name, phone, license_number, document_number,
                                        car_number, created_at, updated_at)
            VALUES ('long-identifiers', 'p', %(name)s, %(digits)s, %(lic)s, %(digits)s, %(lic)s, now(), now())""",
                     {"name": noise(4000, seed=14), "digits": noise(4000, string.digits, seed=15), "lic": noise(4000, seed=16)})
        conn.execute("""
            INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
            VALUES (%s, to_char(%s::date, 'DD-MM-YYYY'), 3, 3600, now())""", (noise(4000, seed=17), today))
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_payments (id, date, driver, driver_id, trip_1, created_at)
            VALUES (900001, %s, %s, %s, true, now())""", (today, noise(4000, seed=18), noise(4000, seed=19)))

        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn) == ("succeeded", None)
        reject = conn.execute("""SELECT source_pk, reason_code FROM observational.lead_event_rejects
                                 WHERE source_table = 'module_ct_cabinet_leads' AND source_pk LIKE '%%#900001'""").fetchone()
        assert reject is not None and reject[1] == "PK_TOO_LONG" and len(reject[0]) < 60, reject
        keys = conn.execute("""SELECT phone, plate, name_key IS NOT NULL FROM canon.lead_keys
                               WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'ok-plate'""").fetchone()
        assert keys == (None, None, True), "overlong identifiers normalize to NULL, the name is bounded"
        assert conn.execute("""SELECT license, document FROM canon.lead_keys
                               WHERE source_table = 'module_ct_scouting_daily' AND source_pk = '900001'""").fetchone() \
            == (None, None)
        assert conn.execute("""SELECT driver_id FROM canon.lead_keys
                               WHERE source_table = 'module_ct_migrations' AND source_pk = '900001'""").fetchone() == (None,)
        assert conn.execute("""SELECT license, plate FROM canon.drivers_index WHERE driver_id = 'long-identifiers'"""
                            ).fetchone() == (None, None)
        assert conn.execute("SELECT max(length(driver_id)) <= 100 FROM observational.driver_daily_trips").fetchone()[0]
        assert conn.execute("""SELECT match_status FROM ops.yango_payment_snapshots WHERE payment_id = 900001
                               ORDER BY snapshot_id DESC LIMIT 1""").fetchone() == ("unmatched",)
        # and the next runs too
        conn.execute("CALL ops.run_pipeline(true)")
        assert last_run(conn) == ("succeeded", None)


def linked_cabinet_driver(conn):
    """A cabinet person's driver and lead date (from the receivable)."""
    return conn.execute("""SELECT lead_source_pk, driver_id, lead_date FROM ops.cabinet_receivable
                           WHERE driver_id IS NOT NULL ORDER BY lead_date DESC, lead_source_pk LIMIT 1""").fetchone()


def test_trip_sums_beyond_integer_do_not_fail_the_money_chain(sample_db):
    with psycopg.connect(sample_db, autocommit=True) as conn:
        lead, driver, lead_date = linked_cabinet_driver(conn)
        conn.execute("""
            INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
            SELECT %s, to_char(%s::date + d, 'DD-MM-YYYY'), 2147483647, 2147483647, localtimestamp
            FROM generate_series(0, 1) AS d""", (driver, lead_date))
        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn) == ("succeeded", None)
        trips = conn.execute("SELECT trips_14d FROM ops.cabinet_receivable WHERE lead_source_pk = %s", (lead,)).fetchone()[0]
        assert trips >= 2 * 2147483647
        assert conn.execute("SELECT max(trips_14d) FROM ops.v_cabinet_financial_14d").fetchone()[0] == trips
        assert conn.execute("SELECT max(trips_30d) >= 2 * 2147483647::bigint FROM observational.v_conversion_metrics"
                            ).fetchone()[0]


def test_future_dated_rows_move_no_watermark_and_are_reported(sample_db):
    with psycopg.connect(sample_db, autocommit=True) as conn:
        _, driver, lead_date = linked_cabinet_driver(conn)
        conn.execute("""
            INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
            VALUES (%s, to_char(%s::date, 'DD-MM-YYYY'), 1, 60, '2099-01-01')""", (driver, lead_date - timedelta(days=30)))
        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn)[0] == "succeeded"
        # a later, ordinary delivery is read by the next run, not hidden behind the 2099 watermark
        conn.execute("""
            INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
            VALUES (%s, to_char(%s::date, 'DD-MM-YYYY'), 7, 600, localtimestamp)""", (driver, lead_date - timedelta(days=31)))
        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn)[0] == "succeeded"
        assert conn.execute("""SELECT trips FROM observational.driver_daily_trips WHERE driver_id = %s AND trip_date = %s""",
                            (driver, lead_date - timedelta(days=31))).fetchone() == (7,)

        # every driver row old but one updated "in 2099": drivers are not fresh, and both are reported
        conn.execute("UPDATE public.drivers SET created_at = '2020-01-01', updated_at = '2020-01-01'")
        conn.execute("UPDATE public.drivers SET updated_at = '2099-01-01' WHERE driver_id = %s", (driver,))
        freshness = health_rows(conn, "source_freshness")
        assert freshness["drivers"][0] == "CRIT", freshness["drivers"]
        future = health_rows(conn, "source_future_dated")
        assert future["drivers"][:2] == ("WARN", "1 rows") and "SELECT * FROM public.drivers WHERE" in future["drivers"][3]
        assert future["summary_daily"][:2] == ("WARN", "1 rows")
        assert future["module_ct_cabinet_leads"][0] == "OK"


def test_forced_run_recomputes_the_money_chain_in_full(sample_db):
    with psycopg.connect(sample_db, autocommit=True) as conn:
        conn.execute("CALL ops.run_pipeline(true)")
        assert last_run(conn)[0] == "succeeded"
        assert conn.execute("SELECT last_mode, last_reason FROM ops.money_refresh_state").fetchone() == ("full", "requested")


def test_a_row_corrected_upstream_weeks_after_its_lead_date_is_reread(sample_db):
    with psycopg.connect(sample_db, autocommit=True) as conn:
        lead_id, pk = conn.execute("""
            SELECT c.id, c.external_id FROM public.module_ct_cabinet_leads AS c
            JOIN observational.lead_events AS e ON e.source_table = 'module_ct_cabinet_leads' AND e.source_pk = c.external_id
            WHERE c.lead_created_at::date <= ops.today() - 20 ORDER BY c.lead_created_at DESC, c.id LIMIT 1""").fetchone()
        conn.execute("UPDATE public.module_ct_cabinet_leads SET first_name = 'Corregido', park_phone = '+51 912 345 670' "
                     "WHERE id = %s", (lead_id,))
        behind = health_rows(conn, "events_behind_source")["module_ct_cabinet_leads"]
        assert "1 changed upstream since read" in behind[1], behind
        assert behind[3].startswith("SELECT observational.populate_lead_events("), behind

        conn.execute("CALL ops.run_pipeline()")
        assert last_run(conn)[0] == "succeeded"
        assert conn.execute("""SELECT payload_json ->> 'first_name' FROM observational.lead_events
                               WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""", (pk,)
                            ).fetchone() == ("Corregido",)
        assert conn.execute("""SELECT phone FROM canon.lead_keys
                               WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""", (pk,)
                            ).fetchone() == ("912345670",)
        behind = health_rows(conn, "events_behind_source")["module_ct_cabinet_leads"]
        assert behind[0] == "OK" and "changed" not in behind[1], behind

        # a rewrite with the same content only stores the new version: the event is not touched
        before = conn.execute("""SELECT updated_at, run_id FROM observational.lead_events
                                 WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""", (pk,)).fetchone()
        conn.execute("UPDATE public.module_ct_cabinet_leads SET first_name = first_name WHERE id = %s", (lead_id,))
        conn.execute("CALL ops.run_pipeline()")
        assert conn.execute("""SELECT updated_at, run_id FROM observational.lead_events
                               WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = %s""", (pk,)).fetchone() == before
        assert "changed" not in health_rows(conn, "events_behind_source")["module_ct_cabinet_leads"][1]
