"""Identity on generated sample data (tools/sample_data.sql, ground truth in sample.truth): quality,
stability of person_keys across runs and after new records. One scale-1 database for the module."""
import psycopg
import pytest

from conftest import ROOT

RANGE = ("2020-01-01", "2026-01-08")

QUALITY = """
WITH rec AS (
    SELECT t.source_table, t.source_pk, t.person_id, l.person_key
    FROM sample.truth t
    LEFT JOIN canon.identity_links l ON l.source_table = t.source_table AND l.source_pk = t.source_pk
),
pred AS (SELECT a.person_id = b.person_id AS ok FROM rec a JOIN rec b ON a.person_key = b.person_key
          AND (a.source_table, a.source_pk) < (b.source_table, b.source_pk)),
truth AS (SELECT count(*) AS n, count(*) FILTER (WHERE a.person_key = b.person_key) AS found
          FROM rec a JOIN rec b ON a.person_id = b.person_id
           AND (a.source_table, a.source_pk) < (b.source_table, b.source_pk))
SELECT (SELECT count(*) FILTER (WHERE ok)::float / nullif(count(*), 0) FROM pred),
       (SELECT found::float / nullif(n, 0) FROM truth)
"""


@pytest.fixture(scope="module")
def sample_db(cluster_url):
    from conftest import sample_database
    with sample_database(cluster_url, "ident") as url:
        with psycopg.connect(url, autocommit=True) as c:
            first = c.execute("SELECT canon.run_identity(%s, %s)", RANGE).fetchone()[0]
        yield url, first


def keys(conn):
    return dict(((t, pk), key) for t, pk, key in
                conn.execute("SELECT source_table, source_pk, person_key FROM canon.identity_links"))


def test_quality_on_scale_1(sample_db):
    url, _ = sample_db
    with psycopg.connect(url) as c:
        precision, recall = c.execute(QUALITY).fetchone()
    assert precision >= 0.99, f"pairwise precision {precision:.4f}"
    # measured 0.918 at scale 1 (0.902 before the shared-phone, weak-candidate and driver-grouping
    # fixes): floor against regressions; the 0.95 target is the xfail test below.
    # 0.902 since the generator writes name-only cabinet leads (no phone, no plate; 3 % of cabinet rows):
    # the rules cannot link them, 108 of the 4,414 true pairs; without those pairs recall is 0.924
    assert recall >= 0.89, f"pairwise recall {recall:.4f}"


# strict, and only for the recall assertion: an SQL error fails the test, and reaching 0.95 shows as XPASS
# (a failure), so the marker is removed as soon as the target is met.
@pytest.mark.xfail(reason="recall target 0.95 not reached: most missed pairs share only a name and a date "
                          "(docs/identity.md, what remains) and a tenth involve rows rejected for a missing "
                          "lead date",
                   raises=AssertionError, strict=True)
def test_recall_target_on_scale_1(sample_db):
    url, _ = sample_db
    with psycopg.connect(url) as c:
        _, recall = c.execute(QUALITY).fetchone()
    assert recall >= 0.95, f"pairwise recall {recall:.4f}"


VETO_INSIDE = """
SELECT count(*) FROM canon.v_identity_records AS a
JOIN canon.v_identity_records AS b
  ON b.person_key = a.person_key AND (b.source_table, b.source_pk) > (a.source_table, a.source_pk)
WHERE canon.pair_veto(canon.compare_levels(
          a.phone, a.id_keys, a.plate, a.name_tokens, a.given_name, a.surnames, a.two_surnames, a.record_date, a.car_key,
          b.phone, b.id_keys, b.plate, b.name_tokens, b.given_name, b.surnames, b.two_surnames, b.record_date, b.car_key,
          0.66)) IS NOT NULL
"""


def test_no_person_holds_a_vetoed_pair(sample_db):
    # two different documents, contradicting surnames or a household never end up in one person
    url, _ = sample_db
    with psycopg.connect(url) as c:
        assert c.execute(VETO_INSIDE).fetchone()[0] == 0


def test_every_link_can_be_explained(sample_db):
    url, _ = sample_db
    with psycopg.connect(url) as c:
        rows = c.execute("""SELECT e.item, count(*) FROM (SELECT source_table, source_pk FROM canon.identity_links
                                                          ORDER BY md5(source_table || source_pk) LIMIT 50) AS l
                            CROSS JOIN LATERAL canon.explain_match(l.source_table, l.source_pk) AS e
                            GROUP BY 1""").fetchall()
    counts = dict(rows)
    assert counts["probability"] == counts["link"] == counts["runner_up"] == 50
    assert counts.get("comparison", 0) >= 6 * 40, "most linked records have another record to be compared with"


def test_first_run_counts_every_valid_record(sample_db):
    url, first = sample_db
    with psycopg.connect(url) as c:
        valid = dict(c.execute("""SELECT source_table, count(*) FROM observational.v_source_leads
                                  WHERE reject_reason IS NULL AND lead_date BETWEEN %s AND %s GROUP BY 1""",
                               RANGE).fetchall())
    for table, n in valid.items():
        s = first["sources"][table]
        assert s["scanned"] == n
        assert s["linked_existing"] + s["new_person"] + s["unmatched"] == s["processed"] == n


def test_second_run_changes_nothing(sample_db):
    url, _ = sample_db
    with psycopg.connect(url, autocommit=True) as c:
        before = keys(c)
        second = c.execute("SELECT canon.run_identity(%s, %s)", RANGE).fetchone()[0]
        after = keys(c)
    assert after == before
    assert second["rules"] == {}
    assert sum(s["processed"] for s in second["sources"].values()) == 0


def test_a_new_row_version_with_the_same_content_is_not_normalized_again(sample_db):
    # an upstream UPDATE that rewrites a row unchanged gives it a new version (xmin, ctid): its record
    # and driver are hashed again, found unchanged and only their stored version moves on
    url, _ = sample_db
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("SELECT canon.run_identity(%s, %s)", RANGE)  # nothing pending
        pk = c.execute("SELECT min(id)::text FROM public.module_ct_scouting_daily").fetchone()[0]
        driver = c.execute("SELECT min(driver_id) FROM public.drivers").fetchone()[0]
        before = c.execute("""SELECT k.run_id, k.row_version, d.run_id, d.row_version
                              FROM canon.lead_keys k, canon.drivers_index d
                              WHERE k.source_table = 'module_ct_scouting_daily' AND k.source_pk = %s
                                AND d.driver_id = %s""", (pk, driver)).fetchone()
        c.execute("UPDATE public.module_ct_scouting_daily SET driver_name = driver_name WHERE id::text = %s", (pk,))
        c.execute("UPDATE public.drivers SET phone = phone WHERE driver_id = %s", (driver,))
        run = c.execute("SELECT canon.run_identity(%s, %s)", RANGE).fetchone()[0]
        after = c.execute("""SELECT k.run_id, k.row_version, d.run_id, d.row_version
                             FROM canon.lead_keys k, canon.drivers_index d
                             WHERE k.source_table = 'module_ct_scouting_daily' AND k.source_pk = %s
                               AND d.driver_id = %s""", (pk, driver)).fetchone()
        again = c.execute("SELECT canon.run_identity(%s, %s)", RANGE).fetchone()[0]
        state = c.execute("SELECT run_id FROM canon.identity_source_state WHERE input = 'leads'").fetchone()[0]
    assert before[1] is not None and before[3] is not None, "no row version stored"
    assert after[0] == before[0] and after[2] == before[2], "an unchanged row was normalized again"
    assert after[1] != before[1] and after[3] != before[3], "the new row version was not stored"
    assert run["drivers"]["changed"] == 0
    assert sum(s["processed"] for s in run["sources"].values()) == 0
    assert run["sources"] == again["sources"], "the scanned counts moved"
    assert state == run["run_id"], "the second run read the lead rows again"


def test_new_records_keep_existing_keys(sample_db):
    url, _ = sample_db
    with psycopg.connect(url, autocommit=True) as c:
        before = keys(c)
        c.execute("SELECT sample.add_records(0.05)")
        run = c.execute("SELECT canon.run_identity(%s, %s)", RANGE).fetchone()[0]
        after = keys(c)
        precision, _ = c.execute(QUALITY).fetchone()
    assert {k: after[k] for k in before} == before, "an existing person_key changed"
    assert len(after) > len(before), "the new records were not linked"
    assert sum(s["processed"] for s in run["sources"].values()) > 0
    assert precision >= 0.99


PARTITION = """
SELECT l.source_table, l.source_pk, l.match_rule,
       min(l.source_table || ':' || l.source_pk) OVER (PARTITION BY l.person_key) AS person
FROM canon.identity_links AS l ORDER BY 1, 2
"""
RESET_IDENTITY = (ROOT / "tools" / "reset_identity.sql").read_text()


def test_resolution_does_not_depend_on_the_plan(sample_db):
    # the same records resolved from scratch under other join and aggregation strategies and more
    # memory give the same persons, rules and queue: no statement's result depends on its plan
    url, _ = sample_db
    runs = []
    with psycopg.connect(url) as c:  # one transaction, rolled back
        for settings in ([], ["enable_hashjoin = off", "enable_hashagg = off", "work_mem = '64MB'"],
                         ["enable_mergejoin = off", "enable_nestloop = off"]):
            c.execute(RESET_IDENTITY)
            c.execute("RESET ALL")
            c.execute("SET LOCAL client_min_messages = warning")
            for s in settings:
                c.execute(f"SET LOCAL {s}")
            c.execute("SELECT canon.run_identity(%s, %s)", RANGE)
            runs.append((c.execute(PARTITION).fetchall(),
                         c.execute("SELECT source_table, source_pk, reason_code FROM canon.identity_unmatched "
                                   "ORDER BY 1, 2").fetchall()))
        c.rollback()
    assert len(runs[0][0]) > 1000
    assert runs[1] == runs[0], "hash joins/aggregates off: another resolution"
    assert runs[2] == runs[0], "merge and nested-loop joins off: another resolution"


def test_a_first_load_drops_and_adds_back_the_links_keys_and_indexes(sample_db):
    # a first load writes the links without their secondary indexes and their key to the persons, then
    # builds the indexes and adds the key back, validated (canon.drop_secondary_indexes): the table ends as
    # declared, and the key is a new one (it was dropped, so rows were not checked one by one)
    url, _ = sample_db
    shape = """SELECT (SELECT array_agg(pg_get_indexdef(indexrelid) ORDER BY indexrelid::regclass::text)
                       FROM pg_index WHERE indrelid = 'canon.identity_links'::regclass),
                      (SELECT array_agg(pg_get_constraintdef(oid) || ' ' || convalidated ORDER BY conname)
                       FROM pg_constraint WHERE conrelid = 'canon.identity_links'::regclass AND contype = 'f')"""
    key_oid = """SELECT oid FROM pg_constraint WHERE conrelid = 'canon.identity_links'::regclass AND contype = 'f'"""
    with psycopg.connect(url) as c:  # one transaction, rolled back
        before, oid_before = c.execute(shape).fetchone(), c.execute(key_oid).fetchone()[0]
        c.execute(RESET_IDENTITY)
        c.execute("SET LOCAL client_min_messages = warning")
        c.execute("SELECT canon.run_identity(%s, %s)", RANGE)
        after, oid_after = c.execute(shape).fetchone(), c.execute(key_oid).fetchone()[0]
        c.rollback()
    assert before[1] == ["FOREIGN KEY (person_key) REFERENCES canon.identity_registry(person_key) true"]
    assert after == before
    assert oid_after != oid_before


def test_a_table_in_use_keeps_its_keys_and_indexes(sample_db):
    # a reader holding the persons table: the bulk-load helpers give up within their 1 s wait, drop
    # nothing and say so (NULL); the caller then loads row by row
    url, _ = sample_db
    with psycopg.connect(url) as reader, psycopg.connect(url) as loader:
        reader.execute("SELECT count(*) FROM canon.identity_registry")  # holds ACCESS SHARE until rollback
        loader.execute("SET statement_timeout = '30s'")  # a helper waiting without its 1 s limit fails, not hangs
        secondary = """SELECT count(*) FROM pg_index WHERE indrelid = 'canon.identity_links'::regclass
                         AND NOT indisunique"""
        indexes = loader.execute(secondary).fetchone()[0]
        assert indexes >= 4  # person, linked_at, drivers' linked_at, run (migrations 0004, 0010, 0041, 0046)
        assert loader.execute("SELECT canon.lock_for_bulk_load(ARRAY['canon.identity_registry'::regclass])"
                              ).fetchone()[0] is False
        assert loader.execute("SELECT canon.drop_secondary_indexes('canon.identity_links'::regclass)").fetchone()[0] is None
        assert loader.execute("""SELECT count(*) FROM pg_constraint WHERE conrelid = 'canon.identity_links'::regclass
                                 AND contype = 'f'""").fetchone()[0] == 1
        assert loader.execute(secondary).fetchone()[0] == indexes  # none dropped
        # and it holds no lock of a bulk load: the links it locked before the refused table are released
        assert loader.execute("""SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()
                                 AND mode = 'AccessExclusiveLock' AND locktype = 'relation'""").fetchone()[0] == 0
        assert loader.execute("SELECT canon.lock_for_bulk_load(ARRAY['canon.lead_keys'::regclass])").fetchone()[0] is True
        loader.rollback()
        reader.rollback()
