"""The sample-data generator (tools/sample_data.sql) and the pair counting of tools/identity_quality:
the data is a pure function of (scale, seed), every raw row has exactly one truth row, the hard cases
are there in the proportions the generator's header states, and the quality tool counts pairs as its
header says and refuses to print what it did not measure."""
import sys
import uuid

import psycopg
import pytest

from conftest import ROOT, load_sample, migrate, with_db

sys.path.insert(0, str(ROOT / "tools"))
import identity_quality as iq  # noqa: E402

DIGEST = """
SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT 'c' || c::text AS x FROM public.module_ct_cabinet_leads AS c
    UNION ALL SELECT 's' || s::text FROM public.module_ct_scouting_daily AS s
    UNION ALL SELECT 'm' || m::text FROM public.module_ct_migrations AS m
    UNION ALL SELECT 'd' || d::text FROM public.drivers AS d
    UNION ALL SELECT 'p' || p::text FROM public.module_ct_cabinet_payments AS p
    UNION ALL SELECT 't' || t::text FROM sample.truth AS t) AS z
"""


@pytest.fixture(scope="module")
def gen_db(cluster_url):
    name = f"gen_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = with_db(cluster_url, name)
    migrate(url)
    load_sample(url, scale=1, seed=1)
    yield url
    with psycopg.connect(cluster_url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_same_seed_same_data_other_seed_other_data(gen_db):
    with psycopg.connect(gen_db) as c:  # one transaction, rolled back
        digests, draws = [], []
        for seed in (2, 3, 2, 0.42, 0.42):
            c.execute("SELECT sample.generate(0.3, %s::float8, '2026-01-07')", (seed,))
            digests.append(c.execute(DIGEST).fetchone()[0])
            draws.append(c.execute("SELECT off_phone FROM sample.params").fetchone()[0])  # first random()
        c.rollback()
    assert len({draws[0], draws[1], draws[3]}) == 3, "seeds 2, 3 and 0.42 start the same random() stream"
    assert digests[0] == digests[2], "seed 2 twice: other data"
    assert digests[3] == digests[4], "seed 0.42 twice: other data"
    assert len({digests[0], digests[1], digests[3]}) == 3, "seeds 2, 3 and 0.42 gave the same data"


def test_every_raw_row_has_one_truth_row(gen_db):
    with psycopg.connect(gen_db) as c:
        iq.check_counts(c)  # raises when truth and raw tables disagree
        n = c.execute("""SELECT count(*) FROM observational.v_source_leads AS v
                         LEFT JOIN sample.truth AS t USING (source_table, source_pk)
                         WHERE t.person_id IS NULL""").fetchone()[0]
        assert n == 0, "lead rows without truth"


def test_households_with_juniors(gen_db):
    with psycopg.connect(gen_db) as c:
        persons, in_household, juniors, bad = c.execute("""
            SELECT count(*), count(*) FILTER (WHERE p.head IS NOT NULL), count(*) FILTER (WHERE p.junior),
                   count(*) FILTER (WHERE p.junior AND NOT (p.fn = h.fn AND p.s1 = h.s1 AND p.phone = h.phone
                                                            AND p.s2 <> h.s2 AND p.dni <> h.dni))
            FROM sample.person AS p LEFT JOIN sample.person AS h ON h.pid = p.head""").fetchone()
    assert 0.02 <= in_household / persons <= 0.10, (in_household, persons)
    assert 0.002 <= juniors / persons <= 0.02, (juniors, persons)
    assert bad == 0, "a junior without the head's given name, first surname and phone, or the same person"


def test_name_only_cabinet_leads_have_a_scouting_registration_days_later(gen_db):
    with psycopg.connect(gen_db) as c:
        rows, persons, without_name_only_row, gap = c.execute("""
            WITH cab AS (
                SELECT t.person_id, c.lead_created_at::date AS d,
                       c.park_phone IS NULL AND c.asset_plate_number IS NULL AND c.asset_model IS NULL AS name_only
                FROM public.module_ct_cabinet_leads AS c
                JOIN sample.truth AS t ON t.source_table = 'module_ct_cabinet_leads'
                 AND t.source_pk = coalesce(nullif(btrim(c.external_id), ''), c.id::text)),
            sct AS (
                SELECT t.person_id, s.registration_date AS d FROM public.module_ct_scouting_daily AS s
                JOIN sample.truth AS t ON t.source_table = 'module_ct_scouting_daily' AND t.source_pk = s.id::text),
            per AS (
                SELECT p.pid,
                       bool_or(cab.name_only) AS has_name_only,
                       (SELECT min(abs(sct.d - x.d)) FROM sct, cab AS x
                        WHERE sct.person_id = p.pid AND x.person_id = p.pid AND x.name_only) AS gap
                FROM sample.person AS p JOIN cab ON cab.person_id = p.pid
                WHERE p.c_name_only GROUP BY p.pid)
            SELECT (SELECT count(*) FROM public.module_ct_cabinet_leads), count(*),
                   count(*) FILTER (WHERE NOT has_name_only), max(gap)
            FROM per""").fetchone()
    assert 0.01 <= persons / rows <= 0.06, (persons, rows)
    assert without_name_only_row == 0, "a name-only human without a cabinet row carrying only a name"
    assert gap is not None and gap <= 2, f"scouting registration {gap} days from the name-only cabinet lead"


def test_names_are_zipf_like_and_accents_partly_typed(gen_db):
    with psycopg.connect(gen_db) as c:
        top, rare, n = c.execute("""
            SELECT max(k), min(k), sum(k) FROM (SELECT s1, count(*) AS k FROM sample.person GROUP BY 1) AS x
        """).fetchone()
        # the given name and first surname are always written: a row keeping the Ñ but no accent while
        # they carry one was typed with accents on some letters only
        partial = c.execute("""
            WITH r AS (
                SELECT t.person_id, concat_ws(' ', c.first_name, c.middle_name, c.last_name) AS nm
                FROM public.module_ct_cabinet_leads AS c
                JOIN sample.truth AS t ON t.source_table = 'module_ct_cabinet_leads'
                 AND t.source_pk = coalesce(nullif(btrim(c.external_id), ''), c.id::text)
                UNION ALL
                SELECT t.person_id, s.driver_name FROM public.module_ct_scouting_daily AS s
                JOIN sample.truth AS t ON t.source_table = 'module_ct_scouting_daily' AND t.source_pk = s.id::text)
            SELECT count(*) FROM r JOIN sample.person AS p ON p.pid = r.person_id
            WHERE r.nm ~ '[Ññ]' AND r.nm !~ '[ÁÉÍÓÚáéíóú]' AND p.fn || ' ' || p.s1 ~ '[ÁÉÍÓÚ]'""").fetchone()[0]
    assert 0.03 <= top / n <= 0.08, f"most common surname {top / n:.3f}"
    assert top >= 10 * rare, f"most common surname {top}, rarest {rare}"
    assert partial > 0, "no name typed with Ñ but without the vowels' accents"


# ----- the counting of tools/identity_quality, on hand-made examples --------------------------------
def test_pair_counts():
    # humans 1 = {a, b, c}, 2 = {d}; persons X = {a, b, d}, c unlinked
    recs = [(1, "X"), (1, "X"), (1, None), (2, "X")]
    assert iq.pair_counts(recs) == (3, 3, 1)  # predicted ab ad bd, true ab ac bc, correct ab


def test_per_rule_charges_a_wrong_pair_to_its_own_records_rules_only():
    # person X: a (R1, human 1), b (R1, human 1), d (R4, human 2); person Y: e (NEW, human 3)
    recs = [(1, "X", "R1"), (1, "X", "R1"), (2, "X", "R4"), (3, "Y", "NEW")]
    out = iq.per_rule_counts(recs)
    assert out["R1"] == [3, 2, 1, 1]   # pairs ab ad bd touch R1; ad bd wrong; true ab found
    assert out["R4"] == [2, 2, 0, 0]   # ad bd touch R4, both wrong
    assert out["NEW"] == [0, 0, 0, 0]  # shares no pair


def test_identifier_agree_pairs_follow_chains_within_the_human():
    recs = [dict(person_id=1, person_key="X", keys={"P1"}),
            dict(person_id=1, person_key="X", keys={"P1", "D1"}),
            dict(person_id=1, person_key=None, keys={"D1"}),      # chained through the second record
            dict(person_id=1, person_key="X", keys={"V9"}),       # no identifier in common
            dict(person_id=2, person_key="Y", keys={"P1"})]       # other human with the same phone
    assert iq.identifier_agree_pairs(recs) == (3, 1)


def test_churn_counts_partition_and_key_changes():
    before = {"a": "K1", "b": "K1", "c": "K2"}
    assert iq.churn(before, {"a": "K9", "b": "K9", "c": "K2", "n": "K2"}) == (3, 0, 2)
    assert iq.churn(before, {"a": "K1", "b": "K2", "c": "K2"}) == (3, 3, 1)  # a, b and c all have other co-members
    assert iq.churn(before, {"a": "K1", "b": "K1"}) == (3, 0, 1)  # c unlinked: still alone, its key gone


def test_churn_groups_name_what_each_record_of_a_changed_person_became():
    # one call: X = {a, b, c}, Y = {d}; daily: a and b two persons, c unlinked (a bridge), d unchanged
    before = {"a": "X", "b": "X", "c": "X", "d": "Y"}
    assert iq.churn_groups(before, {"a": "P", "b": "Q", "d": "R"}) == [[("a", "A"), ("b", "B"), ("c", None)]]
    assert iq.churn_groups(before, {"a": "P", "b": "P", "c": "P", "d": "Q"}) == []  # keys changed, groups not
    assert iq.churn_groups(before, {"a": "P", "b": "P", "c": "P", "d": "P"}) == [
        [("a", "A"), ("b", "A"), ("c", "A")], [("d", "A")]]  # both persons changed: merged


def test_quality_tool_refuses_what_it_did_not_measure(gen_db):
    with psycopg.connect(gen_db) as c:  # no identity run here: no link
        with pytest.raises(iq.NotMeasured, match="no link"):
            iq.fetch(c)
        c.execute("DELETE FROM sample.truth WHERE source_table = 'drivers' AND source_pk = "
                  "(SELECT min(source_pk) FROM sample.truth WHERE source_table = 'drivers')")
        with pytest.raises(iq.NotMeasured, match="differ"):
            iq.check_counts(c)
        c.rollback()
        second_design = iq.second_design(c)
        c.rollback()
    legacy = iq.legacy_decisions(gen_db)
    if not second_design:
        assert legacy is None, "legacy decisions reported without the second design"
    else:
        assert legacy == {}, "legacy decisions on a database without links"
