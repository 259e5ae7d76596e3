"""A loader fuzz test: 1,000 random rows in every raw table (random lengths up to 10,000 characters,
random unicode - NUL excepted, which text cannot hold -, extreme integers, dates and timestamps
including infinity, NULLs; a fixed seed), then pipeline runs. They succeed; every valid lead row is an
event (or waits for tomorrow), every other lead row is a reject, and every health check runs."""
import random
from datetime import date, timedelta

import psycopg

from conftest import migrate

SEED = 20261205
ROWS = 1000
# code point ranges: ASCII, Latin-1, combining marks, Cyrillic, Arabic (right to left), Devanagari,
# zero-width and direction controls, CJK, private use, specials (BOM, U+FFFF), emoji, the last plane
RANGES = [(0x01, 0x7F), (0x80, 0xFF), (0x300, 0x36F), (0x400, 0x4FF), (0x600, 0x6FF), (0x900, 0x97F),
          (0x200B, 0x200F), (0x202A, 0x202E), (0x4E00, 0x9FFF), (0xE000, 0xF8FF), (0xFEFF, 0xFEFF),
          (0xFFF0, 0xFFFF), (0x1F300, 0x1FAFF), (0x10FFF0, 0x10FFFF)]
ASCII = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz +-/.#"
INTS = [-2147483648, -1, 0, 1, 5, 25, 2147483647]
INT_LIMIT = 2147483647


class Fuzz:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.today = None
        pool = [chr(self.rng.randint(lo, hi)) for lo, hi in RANGES for _ in range(19)]
        self.unicode = {b: pool[b % len(pool)] for b in range(256)}
        self.ascii = {b: ASCII[b % len(ASCII)] for b in range(256)}

    def text(self, max_len=10000, null=0.1):
        r = self.rng
        if r.random() < null:
            return None
        roll = r.random()
        n = r.randint(0, 12) if roll < 0.6 else r.randint(13, 300) if roll < 0.85 else r.randint(301, max_len)
        # n random bytes mapped to characters (str.translate: fast enough for 10,000-character values)
        table = self.ascii if r.random() < 0.5 else self.unicode  # ASCII looks like the real thing
        return r.randbytes(n).decode("latin-1").translate(table)

    def integer(self, null=0.1):
        r = self.rng
        if r.random() < null:
            return None
        return str(r.choice(INTS) if r.random() < 0.5 else r.randint(-INT_LIMIT - 1, INT_LIMIT))

    def small_int(self, null=0.1):
        r = self.rng
        if r.random() < null:
            return None
        return str(r.choice(INTS) if r.random() < 0.3 else r.randint(0, 40))

    def day(self, null=0.1):
        """A date as text: mostly plausible lead dates, else extremes PostgreSQL accepts."""
        r = self.rng
        if r.random() < null:
            return None
        if r.random() < 0.65:
            return (self.today - timedelta(days=r.randint(0, 500))).isoformat()
        return r.choice(["infinity", "-infinity", "4713-01-01 BC", "5874897-12-31", "0001-01-01", "1999-12-31",
                         "2019-12-31", "2099-01-01", (self.today + timedelta(days=1)).isoformat(),
                         (self.today + timedelta(days=2)).isoformat()])

    def timestamp(self, null=0.1):
        r = self.rng
        if r.random() < null:
            return None
        if r.random() < 0.65:
            d = self.today - timedelta(days=r.randint(-2, 500))
            return f"{d.isoformat()} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
        return r.choice(["infinity", "-infinity", "4713-01-01 00:00:00 BC", "294276-12-31 23:59:59",
                         "2099-01-01 00:00:00", "1970-01-01 00:00:00"])

    def boolean(self):
        return self.rng.choice([None, "true", "false"])

    def date_file(self):
        r = self.rng
        roll = r.random()
        if roll < 0.5:
            d = self.today - timedelta(days=r.randint(0, 500))
            return d.strftime("%d-%m-%Y") if r.random() < 0.5 else d.isoformat()
        return self.text(max_len=10000)


def copy_rows(conn, table, columns, rows):
    with conn.cursor().copy(f"COPY public.{table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_fuzz(conn, f):
    r = f.rng
    driver_ids = []
    while len(driver_ids) < ROWS:  # the raw table's primary key bounds it (an index entry <= 2704 bytes)
        d = f.text(max_len=600, null=0)
        if d not in driver_ids:
            driver_ids.append(d)
    known = lambda: r.choice(driver_ids) if r.random() < 0.3 else f.text()  # noqa: E731
    ids = r.sample(range(-INT_LIMIT - 1, INT_LIMIT), 5 * ROWS)

    copy_rows(conn, "module_ct_cabinet_leads",
              ["id", "external_id", "lead_created_at", "first_name", "middle_name", "last_name", "park_phone",
               "asset_plate_number", "asset_model", "asset_color", "activation_city", "target_city", "park_name",
               "status", "tariff", "active_1", "active_5", "active_25", "last_active_date", "created_at"],
              [(str(ids[i]), f.text(null=0.2), f.timestamp(), f.text(), f.text(), f.text(), f.text(), f.text(),
                f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.boolean(), f.boolean(),
                f.boolean(), f.day(), f.timestamp()) for i in range(ROWS)])
    copy_rows(conn, "module_ct_scouting_daily",
              ["id", "registration_date", "scout_id", "driver_name", "driver_phone", "driver_license",
               "driver_document", "acquisition_method", "created_at", "updated_at"],
              [(str(ids[ROWS + i]), f.day(), f.integer(), f.text(), f.text(), f.text(), f.text(), f.text(),
                f.timestamp(), f.timestamp()) for i in range(ROWS)])
    copy_rows(conn, "module_ct_migrations",
              ["id", "driver_id", "driver_name", "scout_id", "scout_name", "hire_date", "created_at", "updated_at"],
              [(str(ids[2 * ROWS + i]), known(), f.text(), f.integer(), f.text(), f.day(), f.timestamp(),
                f.timestamp()) for i in range(ROWS)])
    copy_rows(conn, "drivers",
              ["driver_id", "park_id", "first_name", "middle_name", "last_name", "full_name", "phone",
               "license_number", "license_normalized_number", "document_number", "car_brand", "car_model",
               "car_color", "car_number", "car_normalized_number", "hire_date", "fire_date", "work_status",
               "created_at", "updated_at"],
              [(driver_ids[i], r.choice([None, "08e20910d81d42658d4334d3f6d10ac0", f.text()]), f.text(), f.text(),
                f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.text(), f.text(),
                f.text(), f.day(), f.day(), f.text(), f.timestamp(), f.timestamp()) for i in range(ROWS)])
    copy_rows(conn, "summary_daily",
              ["driver_id", "date_file", "count_orders_completed", "sum_work_time_seconds", "created_at"],
              [(known(), f.date_file(), f.integer(), f.integer(), f.timestamp()) for _ in range(ROWS)])
    copy_rows(conn, "module_ct_cabinet_payments",
              ["id", "date", "time", "scout_id", "driver", "driver_id", "person_key", "trip_1", "trip_5", "trip_25",
               "created_at", "updated_at"],
              [(str(ids[3 * ROWS + i]), f.day(), f.text(), f.integer(), f.text(), known(),
                r.choice([None, "00000000-0000-4000-8000-000000000001", "ffffffff-ffff-ffff-ffff-ffffffffffff"]),
                f.boolean(), f.boolean(), f.boolean(), f.timestamp(), f.timestamp()) for i in range(ROWS)])
    copy_rows(conn, "module_ct_scouts_list", ["scout_id", "name", "is_active"],
              [(str(ids[4 * ROWS + i]), f.text(), f.boolean()) for i in range(ROWS)])


def test_random_loader_rows_never_stop_the_pipeline(fresh_db):
    url = fresh_db("fuzz")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        f = Fuzz(SEED)
        f.today = conn.execute("SELECT ops.today()").fetchone()[0]
        assert isinstance(f.today, date)
        load_fuzz(conn, f)

        for full in (False, True, False):
            conn.execute("CALL ops.run_pipeline(%s)", (full,))
            assert conn.execute("""SELECT status, error_message FROM ops.run_log WHERE job = 'run_pipeline'
                                   ORDER BY run_id DESC LIMIT 1""").fetchone() == ("succeeded", None)

        # every valid lead row is an event (tomorrow's wait for tomorrow), every other one a reject
        unaccounted = conn.execute("""
            SELECT l.source_table, l.reject_reason, pg_catalog.count(*)
            FROM observational.v_source_leads AS l
            WHERE CASE WHEN l.reject_reason IS NULL
                       THEN l.lead_date <= ops.today()
                            AND NOT EXISTS (SELECT FROM observational.lead_events AS e
                                            WHERE e.source_table = l.source_table AND e.source_pk = l.source_pk)
                       ELSE NOT EXISTS (SELECT FROM observational.lead_event_rejects AS r
                                        WHERE r.source_table = l.source_table AND r.source_pk = l.source_pk
                                          AND r.reason_code = l.reject_reason) END
            GROUP BY 1, 2""").fetchall()
        assert unaccounted == []
        # the health scan's lean view gives the keys of the lead view, row for row
        assert conn.execute("""
            SELECT count(*) FROM (
                (SELECT source_table, source_pk, lead_date, reject_reason, row_version FROM observational.v_source_leads
                 EXCEPT ALL
                 SELECT source_table, source_pk, lead_date, reject_reason, row_version FROM observational.v_source_lead_keys)
                UNION ALL
                (SELECT source_table, source_pk, lead_date, reject_reason, row_version FROM observational.v_source_lead_keys
                 EXCEPT ALL
                 SELECT source_table, source_pk, lead_date, reject_reason, row_version FROM observational.v_source_leads)) AS d
            """).fetchone()[0] == 0
        counts = dict(conn.execute("""
            SELECT reject_reason IS NULL, count(*) FROM observational.v_source_leads GROUP BY 1""").fetchall())
        assert counts[True] > 1000 and counts[False] > 300, counts  # the fuzz reaches both sides
        assert conn.execute("SELECT count(*) FROM observational.lead_events").fetchone()[0] \
            + conn.execute("SELECT count(*) FROM observational.lead_event_rejects").fetchone()[0] \
            >= 3 * ROWS - conn.execute("""SELECT count(*) FROM observational.v_source_leads
                                          WHERE reject_reason IS NULL AND lead_date > ops.today()""").fetchone()[0]

        # health: every data check runs (a check that raises shows as "cannot run"; pg_cron lives in
        # another database of the cluster than this one)
        rows = conn.execute('SELECT "check", subject, status, observed FROM ops.health()').fetchall()
        assert rows and not [r for r in rows if r[3] == "cannot run" and r[0] not in ("pg_cron", "cron_job")], rows
        assert conn.execute("SELECT length(ops.diagnose()) > 0").fetchone()[0]
