"""A batch of hostile source rows goes through the whole pipeline: good rows land, bad rows are
rejected with reason codes, nothing crashes, and every raw row is accounted for exactly once."""
import psycopg

from conftest import migrate

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

        reconciled = conn.execute("""
            SELECT s.source_table, s.n,
                   (SELECT count(*) FROM observational.lead_events e WHERE e.source_table = s.source_table),
                   (SELECT count(*) FROM observational.lead_event_rejects r WHERE r.source_table = s.source_table)
            FROM (SELECT 'module_ct_cabinet_leads' AS source_table, count(*) AS n FROM public.module_ct_cabinet_leads
                  UNION ALL SELECT 'module_ct_scouting_daily', count(*) FROM public.module_ct_scouting_daily
                  UNION ALL SELECT 'module_ct_migrations', count(*) FROM public.module_ct_migrations) s""").fetchall()
        for table, raw, events, rejects in reconciled:
            assert raw == events + rejects, (table, raw, events, rejects)

        reasons = dict(conn.execute("SELECT reason_code, count(*) FROM observational.lead_event_rejects GROUP BY 1").fetchall())
        assert set(reasons) <= {"MISSING_DATE", "DATE_OUT_OF_RANGE", "DUPLICATE_PK", "MISSING_PK"}
        assert reasons["DUPLICATE_PK"] == 2
        assert reasons["MISSING_DATE"] > 0 and reasons["DATE_OUT_OF_RANGE"] > 0

        # nothing hostile leaked into logs
        logs = conn.execute("SELECT string_agg(details::text || coalesce(error_message, ''), ' ') FROM ops.run_log").fetchone()[0]
        assert "987111222" not in logs and "DROP TABLE" not in logs
