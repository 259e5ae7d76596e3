"""Persons per phone kept by identity (canon.phone_groups, docs/operations.md shared_phones) where COMMIT,
several sessions and the package roles are involved: a full identity run leaves the kept counts equal to
a full count, an operator's split shows at once and is kept by the next snapshot, and a refresh running
beside a transaction that changes identity loses none of its notes, whichever commits first.
One scale-1 database for the module; each test adds its own phones or splits its own records."""

import psycopg
import pytest

from conftest import in_thread, sample_database, wait_until_blocked

RANGE = ("2020-01-01", "2026-01-08")
KEPT = "SELECT phone, records, lead_records, persons FROM canon.phone_groups"
FULL = "SELECT phone, records, lead_records, persons FROM canon.count_phone_persons(NULL)"
CURRENT = "SELECT phone, records, lead_records, persons FROM canon.phone_groups_current()"


@pytest.fixture(scope="module")
def sample_url(cluster_url):
    with sample_database(cluster_url, "phones") as url:
        with psycopg.connect(url, autocommit=True) as c:
            # a new install notes "count every phone" once (migration 0040): the first identity run counts
            assert c.execute("SELECT phone, source_table, source_pk FROM canon.phone_groups_pending").fetchall() \
                == [(None, None, None)]
            c.execute("SELECT canon.run_identity(%s, %s)", RANGE)
        yield url


def rows(conn, sql, *args):
    return sorted(conn.execute(sql, args).fetchall())


def pending(conn):
    return conn.execute("SELECT count(*) FROM canon.phone_groups_pending").fetchone()[0]


def assert_kept_is_full(conn):
    full = rows(conn, FULL)
    assert rows(conn, KEPT) == full
    assert rows(conn, CURRENT) == full
    assert pending(conn) == 0


def add_shared_phone(conn, phone, persons=3):
    """A phone on one cabinet lead record of each of `persons` new persons (a new shared phone)."""
    tag = phone[-4:]
    conn.execute("""
        INSERT INTO canon.identity_registry (person_key, confidence_level)
        SELECT ('00000000-0000-0000-' || %(t)s || '-' || lpad(g::text, 12, '0'))::uuid, 'HIGH'
        FROM generate_series(1, %(n)s) AS g""", {"t": tag, "n": persons})
    conn.execute("""
        INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, row_hash)
        SELECT 'module_ct_cabinet_leads', 'pg-' || %(t)s || '-' || g, '2025-12-20', %(p)s, 'x'
        FROM generate_series(1, %(n)s) AS g""", {"t": tag, "p": phone, "n": persons})
    conn.execute("""
        INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
        SELECT ('00000000-0000-0000-' || %(t)s || '-' || lpad(g::text, 12, '0'))::uuid,
               'module_ct_cabinet_leads', 'pg-' || %(t)s || '-' || g, 'MANUAL', 100, 'HIGH'
        FROM generate_series(1, %(n)s) AS g""", {"t": tag, "n": persons})


def splittable(conn, offset):
    """A linked lead record whose person holds another record on the same shared phone: splitting it
    adds one person to that phone. The phone's kept persons equal max_phone_group_size first when
    such a phone exists, so the split also moves the shared_phones check."""
    return conn.execute("""
        SELECT k.source_table, k.source_pk, k.phone
        FROM canon.lead_keys AS k
        JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        JOIN canon.phone_groups AS g ON g.phone = k.phone
        WHERE EXISTS (SELECT 1 FROM canon.lead_keys AS o
                      JOIN canon.identity_links AS m ON m.source_table = o.source_table AND m.source_pk = o.source_pk
                      WHERE o.phone = k.phone AND m.person_key = l.person_key
                        AND (o.source_table, o.source_pk) <> (k.source_table, k.source_pk))
        ORDER BY g.persons = ops.get_setting('max_phone_group_size')::integer DESC, k.phone, k.source_table, k.source_pk
        OFFSET %s LIMIT 1""", (offset,)).fetchone()


def test_full_identity_run_keeps_the_full_count(sample_url):
    with psycopg.connect(sample_url, autocommit=True) as c:
        assert rows(c, KEPT), "the sample data has shared phones"
        assert_kept_is_full(c)


def test_writer_split_shows_at_once_and_the_snapshot_keeps_it(sample_url):
    with psycopg.connect(sample_url, autocommit=True) as admin:
        assert_kept_is_full(admin)
        table, pk, phone = splittable(admin, 0)
        persons_before = admin.execute("SELECT persons FROM canon.phone_groups WHERE phone = %s", (phone,)).fetchone()[0]
        check_before = admin.execute("SELECT observed FROM ops.health_check_shared_phones()").fetchone()[0]
        with psycopg.connect(sample_url) as writer:  # one transaction, committed by the block
            writer.execute("SET ROLE lead_attribution_writer")
            writer.execute("SELECT canon.split_record(%s, %s, 'not the same person')", (table, pk))
        # before any refresh: the kept row is stale, the readers count the pending phone live
        assert admin.execute("SELECT persons FROM canon.phone_groups WHERE phone = %s", (phone,)).fetchone()[0] \
            == persons_before
        assert pending(admin) > 0
        full = rows(admin, FULL)
        assert dict((p, n) for p, _, _, n in full)[phone] == persons_before + 1
        assert rows(admin, CURRENT) == full
        # the check reads the same live count: its observed text is what a full count gives
        check_now = admin.execute("SELECT observed FROM ops.health_check_shared_phones()").fetchone()[0]
        admin.execute("CREATE TEMP TABLE kept_before AS " + KEPT)
        admin.execute("BEGIN")
        admin.execute("DELETE FROM canon.phone_groups")
        admin.execute("DELETE FROM canon.phone_groups_pending")
        admin.execute("INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL)")
        check_full = admin.execute("SELECT observed FROM ops.health_check_shared_phones()").fetchone()[0]
        admin.execute("ROLLBACK")
        assert check_now == check_full
        if persons_before == admin.execute("SELECT ops.get_setting('max_phone_group_size')::int").fetchone()[0]:
            assert check_now != check_before, "the split put one more phone over max_phone_group_size"

        # the health snapshot, as the job runs it, folds the note in
        with psycopg.connect(sample_url) as job:
            job.execute("SET ROLE lead_attribution_job")
            job.execute("SELECT ops.record_health(0)")
        assert_kept_is_full(admin)
        assert admin.execute("SELECT persons FROM canon.phone_groups WHERE phone = %s", (phone,)).fetchone()[0] \
            == persons_before + 1


def test_refresh_while_a_change_is_open_loses_no_note(sample_url):
    """A changes identity and keeps its transaction open; B refreshes and commits; then A commits."""
    with psycopg.connect(sample_url, autocommit=True) as admin, \
            psycopg.connect(sample_url, autocommit=True) as a, \
            psycopg.connect(sample_url, autocommit=True) as b:
        admin.execute("SELECT canon.refresh_phone_groups()")
        table, pk, phone = splittable(admin, 1)
        a.execute("BEGIN")
        a.execute("SET LOCAL ROLE lead_attribution_writer")
        a.execute("SELECT canon.split_record(%s, %s, 'not the same person')", (table, pk))
        add_shared_phone(a, "955990001")
        b.execute("SELECT canon.refresh_phone_groups()")  # does not wait for A, and cannot see its notes
        a.execute("COMMIT")
        assert pending(admin) > 0, "A's notes outlive the refresh that ran before A committed"
        full = rows(admin, FULL)
        assert {"955990001", phone} <= {p for p, *_ in full}
        assert rows(admin, CURRENT) == full
        assert rows(admin, KEPT) != full
        admin.execute("SELECT canon.refresh_phone_groups()")
        assert_kept_is_full(admin)


def test_change_committed_while_a_refresh_is_open_loses_no_note(sample_url):
    """B's refresh runs first and keeps its transaction (and lock) open; A changes identity and commits."""
    with psycopg.connect(sample_url, autocommit=True) as admin, \
            psycopg.connect(sample_url, autocommit=True) as a, \
            psycopg.connect(sample_url, autocommit=True) as b:
        add_shared_phone(admin, "955990002")  # a note for B to take
        b.execute("BEGIN")
        b.execute("SELECT canon.refresh_phone_groups()")
        table, pk, phone = splittable(admin, 2)
        with a.transaction():
            a.execute("SET LOCAL ROLE lead_attribution_writer")
            a.execute("SELECT canon.split_record(%s, %s, 'not the same person')", (table, pk))
            add_shared_phone(a, "955990003")
        # B still holds the refresh: readers see B's taken note as pending and A's notes
        assert rows(admin, CURRENT) == rows(admin, FULL)
        b.execute("COMMIT")
        assert pending(admin) > 0, "A committed after B took the notes: its notes stay for the next refresh"
        full = rows(admin, FULL)
        assert {"955990002", "955990003", phone} <= {p for p, *_ in full}
        assert rows(admin, CURRENT) == full
        admin.execute("SELECT canon.refresh_phone_groups()")
        assert_kept_is_full(admin)


def test_change_committed_in_the_middle_of_a_refresh_loses_no_note(sample_url):
    """B's refresh has taken the notes and waits before writing its counts (a session holds
    canon.phone_groups); A commits a change then; B finishes."""
    with psycopg.connect(sample_url, autocommit=True) as admin, \
            psycopg.connect(sample_url, autocommit=True) as a, \
            psycopg.connect(sample_url, autocommit=True) as b, \
            psycopg.connect(sample_url, autocommit=True) as holder:
        add_shared_phone(admin, "955990004")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE canon.phone_groups IN EXCLUSIVE MODE")
        errors = []
        t = in_thread(b, "SELECT canon.refresh_phone_groups()", errors)
        wait_until_blocked(admin, b.info.backend_pid, "the refresh")
        # B's notes are taken (uncommitted): A's change and notes commit now
        add_shared_phone(a, "955990005")
        holder.execute("COMMIT")
        t.join(timeout=30)
        assert not t.is_alive() and not errors, errors
        assert pending(admin) > 0, "A's notes were committed after B took its own"
        full = rows(admin, FULL)
        assert {"955990004", "955990005"} <= {p for p, *_ in full}
        assert rows(admin, CURRENT) == full
        admin.execute("SELECT canon.refresh_phone_groups()")
        assert_kept_is_full(admin)


def test_count_every_phone_note_on_data(sample_url):
    """An upgrade to 0.8.0 notes "count every phone" on a database with identity data: readers count
    every phone live until the next snapshot (run by the job role) keeps the full count."""
    with psycopg.connect(sample_url, autocommit=True) as admin:
        admin.execute("SELECT canon.refresh_phone_groups()")
        admin.execute("DELETE FROM canon.phone_groups WHERE phone IN (SELECT phone FROM canon.phone_groups LIMIT 3)")
        admin.execute("INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES (NULL, NULL, NULL)")
        full = rows(admin, FULL)
        assert rows(admin, CURRENT) == full
        assert rows(admin, KEPT) != full
        with psycopg.connect(sample_url) as job:
            job.execute("SET ROLE lead_attribution_job")
            assert job.execute("SELECT canon.refresh_phone_groups()").fetchone()[0] is None  # a full count
        assert_kept_is_full(admin)
