"""A batch of hostile source rows goes through the whole pipeline: good rows land, bad rows are
rejected with reason codes, nothing crashes, and every raw row is accounted for exactly once - each
row by its own key, in events or in rejects, with the outcome its values call for. Identifiers of
rows that take the reject, queue and failure paths never reach the server log, the run log, health,
notices or the error a failed run raises."""
import datetime
import re

import psycopg
import pytest

from conftest import CLUSTER, ROOT, migrate

HOSTILE = [
    "", "   ", "\t\n\r", "x" * 10000, "\x01\x02\x1f control", "😀🚕🇵🇪", "'; DROP TABLE public.drivers; --",
    "$$ SELECT 1 $$", "NULL", "Robert'); DELETE FROM canon.identity_links;--", "ÑÑÑ ÁÉÍÓÚ Ü Ç", "9" * 300,
    "+51 987 654 321 ext 9", "abc987654321xyz", "0", "-1", "%s %d {}", "\\x00",
]


def test_hostile_rows_are_classified_and_counts_reconcile(fresh_db):
    url = fresh_db("hostile")
    migrate(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, middle_name,
                last_name, park_phone, asset_plate_number, asset_model, activation_city)
            SELECT 100 + i, CASE WHEN i %% 3 = 0 THEN NULL ELSE 'h-' || i END,
                   (ARRAY[timestamp '2025-12-10 10:00', NULL, timestamp '0001-01-01 00:00',
                          timestamp '9999-12-31 23:59:59', timestamp '2025-12-11 23:59:59'])[1 + i %% 5],
                   s, s, s, s, s, s, s
            FROM unnest(%s::text[]) WITH ORDINALITY AS t (s, i)""", (HOSTILE,))
        # external ids differing only by surrounding spaces: one event, the others rejected as duplicates
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
            VALUES (201, 'dup-1', '2025-12-12 09:00', 'ANA', '987000201'),
                   (202, ' dup-1', '2025-12-12 09:00', 'ANA', '987000201'),
                   (203, 'dup-1  ', '2025-12-13 09:00', 'ANA', '987000201'),
                   (204, NULL, NULL, NULL, NULL)""")
        conn.execute("""
            INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                driver_license, driver_document, acquisition_method)
            SELECT 100 + i, (ARRAY[date '2025-12-10', NULL, date '0001-01-01', date '9999-12-31'])[1 + i %% 4],
                   CASE WHEN i %% 2 = 0 THEN NULL ELSE i::int END, s, s, s, s, s
            FROM unnest(%s::text[]) WITH ORDINALITY AS t (s, i)""", (HOSTILE,))
        conn.execute("""
            INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, scout_name, hire_date, created_at)
            SELECT 100 + i, s, s, NULL, s, (ARRAY[date '2025-12-10', NULL, date '9999-12-31'])[1 + i %% 3],
                   CASE WHEN i %% 2 = 0 THEN NULL ELSE timestamp '2025-12-09 08:00' END
            FROM unnest(%s::text[]) WITH ORDINALITY AS t (s, i)""", (HOSTILE,))
        # good rows beside them
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, last_name, park_phone)
            VALUES (1, 'good-1', '2025-12-05 12:00', 'Carmen', 'Quispe Huaman', '987111222')""")

        conn.execute("CALL ops.run_pipeline()")
        assert conn.execute("SELECT status FROM ops.run_log WHERE job = 'run_pipeline' ORDER BY run_id DESC LIMIT 1"
                            ).fetchone()[0] == "succeeded"
        assert conn.execute("SELECT count(*) FROM observational.lead_events WHERE source_pk = 'good-1'").fetchone()[0] == 1

        # every raw row once, by its own key: the outcome computed here from what was inserted
        expected = expected_outcomes()
        actual = {}
        for table, pk, outcome in conn.execute("""
                SELECT source_table, source_pk, 'event' FROM observational.lead_events
                UNION ALL SELECT source_table, source_pk, reason_code FROM observational.lead_event_rejects"""):
            assert (table, pk) not in actual, f"{table}/{pk} is both an event and a reject"
            actual[(table, pk)] = outcome
        assert actual == expected


def lead_date(value):
    """What a raw date or timestamp of the fixture becomes: the event date, or why it cannot be one."""
    if value is None:
        return "MISSING_DATE"
    if not datetime.date(2020, 1, 1) <= value <= datetime.date.today() + datetime.timedelta(days=1):
        return "DATE_OUT_OF_RANGE"
    return "event"


def expected_outcomes():
    """(source_table, source_pk) -> 'event' or reject reason for every raw row inserted above."""
    d = datetime.date
    out = {}
    for i in range(1, len(HOSTILE) + 1):
        cabinet = [d(2025, 12, 10), None, d(1, 1, 1), d(9999, 12, 31), d(2025, 12, 11)][i % 5]
        out[("module_ct_cabinet_leads", str(100 + i) if i % 3 == 0 else f"h-{i}")] = lead_date(cabinet)
        scouting = [d(2025, 12, 10), None, d(1, 1, 1), d(9999, 12, 31)][i % 4]
        out[("module_ct_scouting_daily", str(100 + i))] = lead_date(scouting)
        hire = [d(2025, 12, 10), None, d(9999, 12, 31)][i % 3]
        migration = hire if hire is not None else (None if i % 2 == 0 else d(2025, 12, 9))
        out[("module_ct_migrations", str(100 + i))] = lead_date(migration)
    out[("module_ct_cabinet_leads", "dup-1")] = "event"  # the lowest id keeps the key
    out[("module_ct_cabinet_leads", "dup-1#202")] = "DUPLICATE_PK"
    out[("module_ct_cabinet_leads", "dup-1#203")] = "DUPLICATE_PK"
    out[("module_ct_cabinet_leads", "204")] = "MISSING_DATE"
    out[("module_ct_cabinet_leads", "good-1")] = "event"
    return out


# Identifiers only rows on the reject, queue and failure paths carry: phone, document, licence.
PRIVATE = {"phone": ["987123401", "987123402", "987123403", "987123404", "987123405", "987123406"],
           "document": ["44556671", "44556672", "44556673", "44556676"], "license": ["Q44556674", "Q44556675"]}


def digits_windows(value):
    """Every 6-digit run of an identifier: masked text keeps only the last 3 digits of such a run."""
    digits = re.sub(r"[^0-9]", "", value)
    return {digits[i:i + 6] for i in range(len(digits) - 5)}


def test_identifiers_on_failing_paths_are_never_logged(fresh_db):
    url = fresh_db("leak")
    migrate(url)
    log = ROOT / ".pgcluster" / CLUSTER / "server.log"
    log_start = log.stat().st_size
    notices = []
    p, doc, lic = PRIVATE["phone"], PRIVATE["document"], PRIVATE["license"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.add_notice_handler(lambda d: notices.append(" ".join(str(x) for x in (
            d.message_primary, d.message_detail, d.message_hint, d.context) if x)))
        conn.execute("""
            INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, park_phone)
            VALUES (1, 'no-date', NULL, 'SIN FECHA', %(p0)s),                 -- rejected: no date
                   (2, 'old', '1900-01-01 10:00', 'ANTIGUO', %(p1)s),         -- rejected: date out of range
                   (3, 'twice', '2025-12-10 10:00', 'CARMEN ROJAS', '987000003'),
                   (4, ' twice', '2025-12-10 10:00', 'CARMEN ROJAS', %(p2)s), -- rejected: duplicate key
                   (5, 'shared-a', '2025-12-11 10:00', 'ANA PEREZ', %(p3)s),  -- one phone, two names: queue
                   (6, 'shared-b', '2025-12-11 11:00', 'LUIS GOMEZ', %(p3)s),
                   (7, 'fails', '2025-12-12 10:00', 'FALLA', %(p4)s)""",
                     {"p0": p[0], "p1": p[1], "p2": p[2], "p3": p[3], "p4": p[4]})
        conn.execute("""
            INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                driver_license, driver_document)
            VALUES (1, NULL, 1, 'SIN FECHA', NULL, %(l0)s, %(d0)s),
                   (2, '2025-12-11', 1, 'JOSE QUISPE', NULL, %(l1)s, %(d1)s),
                   (3, '2025-12-11', 2, 'MARIA TORRES', NULL, NULL, %(d1)s)""",
                     {"l0": lic[0], "l1": lic[1], "d0": doc[0], "d1": doc[1]})
        # two drivers a later lead matches both of as strongly (same phone, same name): the queue with
        # candidates (a document on one of them would outweigh the phone by more than ambiguity_margin)
        conn.execute("""
            INSERT INTO public.drivers (driver_id, park_id, full_name, phone, document_number, license_number, hire_date)
            VALUES ('drv-a', '08e20910d81d42658d4334d3f6d10ac0', 'PEDRO SALAS', %(p)s, NULL, NULL, '2025-12-01'),
                   ('drv-b', '08e20910d81d42658d4334d3f6d10ac0', 'PEDRO SALAS', %(p)s, NULL, NULL, '2025-12-01')""",
                     {"p": PRIVATE["phone"][5], "d": PRIVATE["document"][3]})
        conn.execute("""
            INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
                driver_document)
            VALUES (4, '2025-12-12', 3, 'PEDRO SALAS', %(p)s, %(d)s)""",
                     {"p": PRIVATE["phone"][5], "d": PRIVATE["document"][3]})
        # the failure path: an error whose text carries a row's identifiers, raised mid-run
        conn.execute("""CREATE FUNCTION public.t_fail() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF NEW.source_pk = 'fails' THEN
                                RAISE EXCEPTION 'cannot store lead with phone % document %', %L, %L;
                            END IF;
                            RETURN NEW;
                        END $$""".replace("%L, %L", f"'{p[4]}', '{doc[2]}'"))
        conn.execute("CREATE TRIGGER t_fail BEFORE INSERT ON observational.lead_events "
                     "FOR EACH ROW EXECUTE FUNCTION public.t_fail()")
        with pytest.raises(psycopg.errors.RaiseException) as raised:
            conn.execute("CALL ops.run_pipeline()")
        error = raised.value.diag
        client_error = " ".join(str(x) for x in (error.message_primary, error.message_detail,
                                                 error.message_hint, error.context) if x)
        assert "*" in client_error and "cannot store lead" in client_error, client_error
        conn.execute("DROP TRIGGER t_fail ON observational.lead_events")
        conn.execute("CALL ops.run_pipeline()")
        queue = dict(conn.execute("SELECT reason_code, count(*) FROM canon.identity_unmatched GROUP BY 1").fetchall())
        assert queue.get("MULTIPLE_CANDIDATES"), queue
        assert conn.execute("SELECT count(*) FROM observational.lead_event_rejects").fetchone()[0] == 4

        texts = {
            "client error": client_error,
            "notices": "\n".join(notices),
            "run_log": conn.execute("SELECT string_agg(concat_ws(' ', details, error_message), ' ') "
                                    "FROM ops.run_log").fetchone()[0],
            "health": "\n".join(" ".join(str(v) for v in r) for r in conn.execute("SELECT * FROM ops.health()")),
            "diagnose": conn.execute("SELECT ops.diagnose()").fetchone()[0],
            "health_history": conn.execute("SELECT string_agg(h::text, ' ') FROM ops.health_history AS h").fetchone()[0],
            "queue": conn.execute("SELECT string_agg(concat_ws(' ', reason_code, details, candidates), ' ') "
                                  "FROM canon.identity_unmatched").fetchone()[0],
            "rejects": conn.execute("SELECT string_agg(r::text, ' ') FROM observational.lead_event_rejects AS r"
                                    ).fetchone()[0],
        }
    with open(log, errors="replace") as f:
        f.seek(log_start)
        texts["server log"] = f.read()
    assert "cannot store lead" in texts["server log"] and "cannot store lead" in texts["run_log"], \
        "the failure reached the logs scanned here"
    identifiers = [v for values in PRIVATE.values() for v in values]
    leaks = sorted((where, value) for where, text in texts.items() for value in identifiers
                   if value in text or any(w in text for w in digits_windows(value)))
    assert leaks == []
