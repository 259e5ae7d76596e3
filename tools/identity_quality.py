"""Identity quality on generated sample data with a ground truth.

  tools/identity_quality [--scale 1] [--seed N ...] [--held-out [N]]
                         [--second-run] [--added] [--daily] [--churn] [--show-churn [N]] [--no-times]
                         [--upgraded-url URL] [--keep]

For each seed: a throwaway cluster (tools/pgcluster, name "identq" or $LA_QUALITY_CLUSTER) is created
and migrated, tools/sample_data.sql generates the data (sample.generate(scale, seed, '2026-01-07')),
canon.run_identity resolves every lead date in one call, and the links are compared with the truth
(sample.truth: the true human of every lead record and driver row).

Seeds. Weights and thresholds are chosen on the development seeds 1 and 2 (the default); the held-out
seed 3 (--held-out, or --held-out N) is set aside to report on and is never used for choosing.
--seed N (repeatable) measures other seeds. With several seeds a pooled line sums their pair counts.

What is printed, and how it is counted
  * Pairwise precision / recall / F1 over pairs of records: predicted pairs = two records in one person
    (same person_key), true pairs = two records of one human. "all records" counts every generated
    record (rows identity must reject, e.g. without a lead date, stay unlinked and count as misses);
    "valid records" only the drivers and the lead rows with reject_reason IS NULL (what identity is
    asked to resolve).
  * Per match_rule (valid records). A pair is charged to the rule of each of its two records' own links,
    once per distinct rule: a wrong pair (a, b) inside one predicted person counts against rule(a) and,
    if different, against rule(b); it is never charged to a third rule that merely shares the person.
    This is the simplest attribution that needs no link provenance: a wrong pair is always charged to
    the rule that linked at least one of its two records. A rule's precision is then the share of the
    pairs touching its links that are true; its recall the share of the true pairs touching its links
    that are found (a true pair with one record unlinked is charged to the other record's rule). The
    column "wrong" is the number of false pairs charged to the rule.
  * Recall where identifiers agree (valid records): true pairs whose two records are joined, through
    records of the same human, by a chain of equal identifiers: the normalized 9-digit mobile, the DNI
    (the document, or the digits of a letter + 7-8 digit licence), the normalized plate, and the driver_id
    a fleet migration names. Identifiers are normalized here, independently of the package's code.
  * Unmatched queue by reason.
  * Churn (with --second-run, --added, --daily or --churn for all three): how many records changed
    person between two resolutions, over the records linked by the first. "partition" counts records
    whose set of co-members (among those records) changed, "person_key" those whose key changed. --second-run: a second call with nothing new. --added: after sample.add_records(0.05).
    --daily: identity started over and the same backfill run as one call per lead date, compared with
    the one-call backfill. --show-churn [N] prints up to N (default 10) of the persons behind each count:
    every record of the person in the first resolution, its lead date, and what it became in the second
    (person A, B, ... or unlinked with its queue reason).
  * Times, always cold first then the median of 3: the first resolve (fresh cluster, empty identity),
    then identity started over (tools/reset_identity.sql) and resolved from scratch 3 times (any
    partition change of those re-resolves is reported); with --second-run, the first run with nothing
    new, then 3 more. Measured once (daily backfill, +5 %), nothing is timed. --no-times skips the
    repeats and prints no time at all.
  * Legacy links: on a database resolved by the first design and upgraded to the second one (the second
    design is detected by canon.explain_match or a match_probability column on canon.identity_links), how
    many existing links of each legacy rule (R1_.., R2_.., R3_.., R4_..) the new model would decide
    differently: canon.relink_by_rule(rule, note) is called inside a transaction that is rolled back, and
    the links of that rule whose partition or queue state changed are counted. Measured on the freshly
    resolved database, or on --upgraded-url URL (read only: everything is rolled back). Prints n/a when
    the second design is not installed.

Exit status 1 when it did not measure what it prints: generation or a resolve failed, no link, a link
for a record the truth does not know, truth and raw tables disagreeing on the number of rows, or a
churn / legacy measurement that could not be made.
"""
import argparse
import os
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import ROOT, fresh_cluster, remove_cluster  # noqa: E402

DEV_SEEDS = (1, 2)
HELD_OUT_SEED = 3
END = "2026-01-07"
RANGE = ("2020-01-01", "2026-01-08")
RESET = (ROOT / "tools" / "reset_identity.sql").read_text()
LEGACY_RULES = re.compile(r"^R[0-9]")


class NotMeasured(Exception):
    """The tool could not measure what it would print."""


# ------------------------------------------------------------------------------------------------
# identifiers, normalized independently of the package
# ------------------------------------------------------------------------------------------------
def norm_phone(raw):
    if not raw:
        return None
    d = re.sub(r"[^0-9]", "", raw)
    if len(d) == 11 and d.startswith("51"):
        d = d[2:]
    return d if len(d) == 9 and d[0] == "9" and d != "999999999" else None


def norm_dni(raw):
    if not raw:
        return None
    d = re.sub(r"[^0-9]", "", raw)
    if len(d) == 7:
        d = "0" + d
    if len(d) != 8 or len(set(d)) == 1 or d in ("12345678", "87654321", "01234567"):
        return None
    return d


def licence_dni(raw):
    if not raw:
        return None
    s = re.sub(r"[^A-Z0-9]", "", raw.upper())
    return norm_dni(s) if re.fullmatch(r"[A-Z]?[0-9]{7,8}", s) else None


def norm_plate(raw):
    if not raw:
        return None
    s = re.sub(r"[^A-Z0-9]", "", raw.upper())
    return s if re.search(r"[0-9]", s) and re.search(r"[A-Z]", s) and len(s) >= 5 else None


def identifier_keys(rec):
    keys = set()
    if p := norm_phone(rec["phone"]):
        keys.add("P" + p)
    for d in (norm_dni(rec["doc"]), licence_dni(rec["lic"])):
        if d:
            keys.add("D" + d)
    if pl := norm_plate(rec["plate"]):
        keys.add("V" + pl)
    if rec["driver_id"]:
        keys.add("I" + rec["driver_id"].strip())
    return keys


# ------------------------------------------------------------------------------------------------
# pair counting (pure functions: tests/test_generator.py checks them on small examples)
# ------------------------------------------------------------------------------------------------
def c2(n):
    return n * (n - 1) // 2


def pair_counts(recs):
    """recs: iterable of (person_id, person_key or None). Returns (predicted, true, correct) pairs."""
    by_key, by_pid, by_both = Counter(), Counter(), Counter()
    for pid, key in recs:
        by_pid[pid] += 1
        if key is not None:
            by_key[key] += 1
            by_both[(key, pid)] += 1
    return (sum(c2(n) for n in by_key.values()), sum(c2(n) for n in by_pid.values()),
            sum(c2(n) for n in by_both.values()))


def prf(predicted, true, correct):
    p = correct / predicted if predicted else None
    r = correct / true if true else None
    f = 2 * p * r / (p + r) if p and r else None
    return p, r, f


def per_rule_counts(recs):
    """recs: iterable of (person_id, person_key or None, rule or None). A pair is charged once to each
    distinct rule of its two records' own links. Returns {rule: [predicted, wrong, true, found]}."""
    recs = list(recs)
    out = defaultdict(lambda: [0, 0, 0, 0])
    # predicted pairs: within a person_key; pairs touching rule r = C(n,2) - C(n - n_r, 2)
    key_n, key_rule, key_pid, key_pid_rule = Counter(), Counter(), Counter(), Counter()
    for pid, key, rule in recs:
        if key is None:
            continue
        key_n[key] += 1
        key_rule[(key, rule)] += 1
        key_pid[(key, pid)] += 1
        key_pid_rule[(key, pid, rule)] += 1
    for (key, rule), n_r in key_rule.items():
        predicted = c2(key_n[key]) - c2(key_n[key] - n_r)
        out[rule][0] += predicted
    correct = Counter()
    for (key, pid, rule), m_r in key_pid_rule.items():
        m = key_pid[(key, pid)]
        correct[rule] += c2(m) - c2(m - m_r)
    for rule in list(out):
        out[rule][1] = out[rule][0] - correct[rule]
    # true pairs: within a person_id; found when both records share a person_key
    # (an unlinked record has rule None: the "(unlinked)" row counts the true pairs it misses)
    pid_n, pid_rule = Counter(), Counter()
    for pid, key, rule in recs:
        pid_n[pid] += 1
        pid_rule[(pid, rule)] += 1
    for (pid, rule), n_r in pid_rule.items():
        out[rule][2] += c2(pid_n[pid]) - c2(pid_n[pid] - n_r)
    for rule in list(out):             # found pairs touching r = correct pairs touching r
        out[rule][3] = correct[rule]
    return dict(out)


def identifier_agree_pairs(recs):
    """recs: list of dicts with person_id, person_key, keys (set). Returns (true pairs joined by a chain of
    equal identifiers within the human's records, of which found = same person_key)."""
    by_pid = defaultdict(list)
    for r in recs:
        by_pid[r["person_id"]].append(r)
    total = found = 0
    for group in by_pid.values():
        if len(group) < 2:
            continue
        parent = list(range(len(group)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i
        first = {}
        for i, r in enumerate(group):
            for k in r["keys"]:
                if k in first:
                    parent[find(i)] = find(first[k])
                else:
                    first[k] = i
        comp = defaultdict(list)
        for i in range(len(group)):
            comp[find(i)].append(group[i]["person_key"])
        for keys in comp.values():
            total += c2(len(keys))
            found += sum(c2(n) for k, n in Counter(keys).items() if k is not None)
    return total, found


def partition(links, common):
    """links: {record: person_key}. Each record of `common` -> the set of `common` records of its person
    (itself alone when unlinked)."""
    members = defaultdict(set)
    for rec in common:
        if links.get(rec) is not None:
            members[links[rec]].add(rec)
    frozen = {key: frozenset(m) for key, m in members.items()}
    return {rec: frozen[links[rec]] if links.get(rec) is not None else frozenset((rec,)) for rec in common}


def churn(before, after):
    """before/after: {record: person_key}. Over the records linked in `before`: (records, records whose set
    of co-members changed, records whose person_key changed)."""
    common = set(before)
    a, b = partition(before, common), partition(after, common)
    return (len(common), sum(1 for r in common if a[r] != b[r]),
            sum(1 for r in common if before[r] != after.get(r)))


def churn_groups(before, after):
    """The persons of `before` behind the partition changes that churn() counts: for each person of
    `before` with a record whose co-members differ in `after`, its records (sorted) each with a label of
    its person in `after` ("A", "B", ... in order of first appearance; None when unlinked there). Sorted by
    the person's first record."""
    common = set(before)
    a, b = partition(before, common), partition(after, common)
    groups = []
    for members in {a[r] for r in common if a[r] != b[r]}:  # each changed person once, as its records
        recs = sorted(members)
        labels = {}
        for r in recs:
            if after.get(r) is not None and after[r] not in labels:
                labels[after[r]] = chr(ord("A") + len(labels)) if len(labels) < 26 else f"#{len(labels) + 1}"
        groups.append([(r, labels.get(after.get(r))) for r in recs])
    return sorted(groups)


# ------------------------------------------------------------------------------------------------
# database side
# ------------------------------------------------------------------------------------------------
RECORDS = """
SELECT t.source_table, t.source_pk, t.person_id,
       t.source_table = 'drivers' OR v.reject_reason IS NULL AND v.source_pk IS NOT NULL AS valid,
       l.person_key::text, l.match_rule,
       coalesce(v.phone_raw, d.phone), coalesce(v.document_raw, d.document_number),
       coalesce(v.license_raw, d.license_number), coalesce(v.plate_raw, d.car_number),
       coalesce(v.driver_id, d.driver_id)
FROM sample.truth AS t
LEFT JOIN observational.v_source_leads AS v ON v.source_table = t.source_table AND v.source_pk = t.source_pk
LEFT JOIN public.drivers AS d ON t.source_table = 'drivers' AND d.driver_id = t.source_pk
LEFT JOIN canon.identity_links AS l ON l.source_table = t.source_table AND l.source_pk = t.source_pk
"""


def links_of(conn):
    return {(t, pk): key for t, pk, key in
            conn.execute("SELECT source_table, source_pk, person_key::text FROM canon.identity_links")}


def show_churn(conn, before, after, limit, what):
    """Print up to `limit` persons of `before` whose records are grouped otherwise in `after` (the
    current database state): each record's lead date, its person in `after` and, when unlinked there,
    its queue reason."""
    groups = churn_groups(before, after)
    for group in groups[:limit]:
        parts = []
        for (table, pk), label in group:
            row = conn.execute("""SELECT k.lead_date, u.reason_code
                                  FROM (SELECT 1) AS one
                                  LEFT JOIN canon.lead_keys AS k ON k.source_table = %s AND k.source_pk = %s
                                  LEFT JOIN canon.identity_unmatched AS u
                                         ON u.source_table = %s AND u.source_pk = %s""",
                               (table, pk, table, pk)).fetchone()
            date = f" {row[0]}" if row[0] else ""
            state = f"person {label}" if label else f"unlinked ({row[1] or 'not queued'})"
            parts.append(f"{table}:{pk}{date} -> {state}")
        print(f"    one person, {what}: " + "; ".join(parts))
    if len(groups) > limit:
        print(f"    ... and {len(groups) - limit} more persons")


def resolve(conn, date_from=RANGE[0], date_to=RANGE[1]):
    t = time.perf_counter()
    conn.execute("SET client_min_messages = warning")
    conn.execute("SELECT canon.run_identity(%s, %s)", (date_from, date_to))
    return time.perf_counter() - t


def reset(conn):
    conn.execute("SET client_min_messages = warning")
    conn.execute(RESET)


def check_counts(conn):
    truth = dict(conn.execute("SELECT source_table, count(*) FROM sample.truth GROUP BY 1").fetchall())
    raw = dict(conn.execute("""
        SELECT 'module_ct_cabinet_leads', count(*) FROM public.module_ct_cabinet_leads
        UNION ALL SELECT 'module_ct_scouting_daily', count(*) FROM public.module_ct_scouting_daily
        UNION ALL SELECT 'module_ct_migrations', count(*) FROM public.module_ct_migrations
        UNION ALL SELECT 'drivers', count(*) FROM public.drivers""").fetchall())
    if {k: v for k, v in raw.items() if v} != truth:
        raise NotMeasured(f"truth rows {truth} differ from raw rows {raw}")


def fetch(conn):
    n_links = conn.execute("SELECT count(*) FROM canon.identity_links").fetchone()[0]
    if n_links == 0:
        raise NotMeasured("identity wrote no link")
    unknown = conn.execute("""SELECT count(*) FROM canon.identity_links AS l WHERE NOT EXISTS (
        SELECT FROM sample.truth AS t WHERE t.source_table = l.source_table AND t.source_pk = l.source_pk)""").fetchone()[0]
    if unknown:
        raise NotMeasured(f"{unknown} links name records the truth does not know")
    recs = []
    for t, pk, pid, valid, key, rule, phone, doc, lic, plate, drv in conn.execute(RECORDS):
        rec = dict(rec=(t, pk), person_id=pid, valid=bool(valid), person_key=key, rule=rule,
                   phone=phone, doc=doc, lic=lic, plate=plate, driver_id=drv)
        rec["keys"] = identifier_keys(rec)
        recs.append(rec)
    if sum(1 for r in recs if r["person_key"] is not None) != n_links:
        raise NotMeasured("links and truth records do not join one to one")
    return recs


def second_design(conn):
    return conn.execute("""
        SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'explain_match'
                       AND pronamespace = 'canon'::regnamespace)
            OR EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'canon'
                       AND table_name = 'identity_links' AND column_name = 'match_probability')""").fetchone()[0]


def legacy_decisions(url):
    """{legacy rule: (links, decided differently)} or None when the second design is not installed."""
    with psycopg.connect(url) as conn:
        if not second_design(conn):
            return None
        if not conn.execute("SELECT EXISTS (SELECT FROM pg_proc WHERE proname = 'relink_by_rule' "
                            "AND pronamespace = 'canon'::regnamespace)").fetchone()[0]:
            raise NotMeasured("the second design is installed without canon.relink_by_rule")
        rules = [r for (r,) in conn.execute("SELECT DISTINCT match_rule FROM canon.identity_links ORDER BY 1")
                 if LEGACY_RULES.match(r)]
        conn.rollback()
        out = {}
        for rule in rules:
            before = links_of(conn)
            mine = {(t, pk) for t, pk in conn.execute(
                "SELECT source_table, source_pk FROM canon.identity_links WHERE match_rule = %s", (rule,))}
            conn.execute("SET LOCAL client_min_messages = warning")
            conn.execute("SELECT canon.relink_by_rule(%s, %s)", (rule, "identity_quality dry run, rolled back"))
            after = links_of(conn)
            conn.rollback()
            common = set(before)
            a, b = partition(before, common), partition(after, common)
            out[rule] = (len(mine), sum(1 for r in mine if a[r] != b[r] or after.get(r) is None))
        return out


# ------------------------------------------------------------------------------------------------
# printing
# ------------------------------------------------------------------------------------------------
def fmt(x):
    return "   n/a" if x is None else f"{x:.4f}"


def print_quality(label, c_all, c_valid, rules, agree):
    print(f"  {'scope':<14} {'predicted':>9} {'true':>7} {'correct':>7} {'precision':>9} {'recall':>7} {'F1':>7}")
    for name, c in (("all records", c_all), ("valid records", c_valid)):
        p, r, f = prf(*c)
        print(f"  {name:<14} {c[0]:>9} {c[1]:>7} {c[2]:>7} {fmt(p):>9} {fmt(r):>7} {fmt(f):>7}")
    print(f"  {'match_rule':<24} {'records':>7} {'pairs':>7} {'wrong':>6} {'precision':>9} "
          f"{'true':>7} {'found':>7} {'recall':>7} {'F1':>7}")
    for rule, (n, (pred, wrong, true, found)) in sorted(rules.items(), key=lambda kv: (-kv[1][0], str(kv[0]))):
        p = (pred - wrong) / pred if pred else None
        r = found / true if true else None
        f = 2 * p * r / (p + r) if p and r else None
        print(f"  {rule or '(unlinked)':<24} {n:>7} {pred:>7} {wrong:>6} {fmt(p):>9} {true:>7} {found:>7} "
              f"{fmt(r):>7} {fmt(f):>7}")
    total, found = agree
    print(f"  recall where identifiers agree (valid records): {found} of {total} pairs = "
          f"{fmt(found / total if total else None)}")


def quality(recs):
    c_all = pair_counts((r["person_id"], r["person_key"]) for r in recs)
    valid = [r for r in recs if r["valid"]]
    c_valid = pair_counts((r["person_id"], r["person_key"]) for r in valid)
    counts = per_rule_counts((r["person_id"], r["person_key"], r["rule"]) for r in valid)
    n = Counter(r["rule"] for r in valid)
    rules = {rule: (n[rule], counts.get(rule, [0, 0, 0, 0])) for rule in n}
    agree = identifier_agree_pairs(valid)
    return c_all, c_valid, rules, agree


def add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def measure_seed(args, seed, kind):
    name = args.cluster
    print(f"\n== seed {seed} ({kind}), scale {args.scale:g} ==", flush=True)
    url = fresh_cluster(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            counts = conn.execute("SELECT sample.generate(%s::numeric, %s::float8, %s::date)",
                                  (args.scale, seed, END)).fetchone()[0]
            conn.execute("VACUUM ANALYZE")
            check_counts(conn)
            print(f"generated {counts['truth']} records of {counts['persons']} humans")
            t_first = resolve(conn)
            recs = fetch(conn)
            first = links_of(conn)
            result = quality(recs)
            print(f"links {len(first)}" + ("" if args.no_times else f", first resolve (cold) {t_first:.2f} s"))
            print_quality(f"seed {seed}", *result)
            unmatched = conn.execute("""SELECT reason_code, count(*) FROM canon.identity_unmatched
                                        GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
            print("  unmatched queue: " + (", ".join(f"{r} {n}" for r, n in unmatched) or "empty"))

            if args.second_run:
                times = [resolve(conn) for _ in range(1 if args.no_times else 4)]
                n, part, keys = churn(first, links_of(conn))
                print(f"churn, second run: {part} partition / {keys} person_key changes of {n} records"
                      + ("" if args.no_times else f"; run with nothing new: cold {times[0]:.2f} s, "
                         f"median of 3 more {statistics.median(times[1:]):.2f} s"))
                if args.show_churn:
                    show_churn(conn, first, links_of(conn), args.show_churn, "then in the second run")
            if args.daily:
                reset(conn)
                days = [d for (d,) in conn.execute("""
                    SELECT DISTINCT lead_date FROM observational.v_source_leads
                    WHERE reject_reason IS NULL AND lead_date BETWEEN %s AND %s ORDER BY 1""", RANGE)]
                if not days:
                    raise NotMeasured("no lead date to split the backfill by")
                resolve(conn, RANGE[0], days[0])          # every earlier date (none valid) and the drivers
                for d in days[1:]:
                    resolve(conn, d, d)
                daily = links_of(conn)
                n, part, keys = churn(first, daily)
                missing = len(set(first) ^ set(daily))
                print(f"churn, backfill in {len(days)} daily calls vs one call: {part} partition changes of "
                      f"{n} records, {missing} records linked in one run only")
                if args.show_churn:
                    show_churn(conn, first, daily, args.show_churn, "then in the daily calls")
            if not args.no_times:
                times, changes = [], 0
                for _ in range(3):
                    reset(conn)
                    times.append(resolve(conn))
                    changes = max(changes, churn(first, links_of(conn))[1])
                print(f"full resolve: cold {t_first:.2f} s, median of 3 from scratch {statistics.median(times):.2f} s "
                      f"(runs {', '.join(f'{x:.2f}' for x in times)}); partition changes vs the first: {changes}")
            elif args.added and args.daily:           # back to the one-call state
                reset(conn)
                resolve(conn)
            if args.added:
                before = links_of(conn)
                added = conn.execute("SELECT sample.add_records(0.05)").fetchone()[0]
                resolve(conn)
                after = links_of(conn)
                n, part, keys = churn(before, after)
                if len(after) <= len(before):
                    raise NotMeasured("the added records were not linked")
                print(f"churn, after +5 % records ({added['truth']} records): {part} partition / {keys} "
                      f"person_key changes of {n} existing records, {len(after) - len(before)} new links")
                if args.show_churn:
                    show_churn(conn, before, after, args.show_churn, "then after +5 % records")
        legacy = legacy_decisions(args.upgraded_url or url)
        print("legacy links decided differently by the new model: " + (
            "n/a (second design not installed)" if legacy is None else
            ", ".join(f"{r} {d} of {n}" for r, (n, d) in legacy.items()) or "no legacy link"))
    finally:
        if not args.keep:
            remove_cluster(name)
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=float, action="append", help="seed to measure (repeatable)")
    ap.add_argument("--held-out", nargs="?", const=HELD_OUT_SEED, type=float, default=None,
                    help=f"report on the held-out seed (default {HELD_OUT_SEED}) instead of the dev seeds")
    ap.add_argument("--second-run", action="store_true")
    ap.add_argument("--added", action="store_true")
    ap.add_argument("--daily", action="store_true")
    ap.add_argument("--churn", action="store_true", help="--second-run --added --daily")
    ap.add_argument("--show-churn", nargs="?", const=10, type=int, default=0, metavar="N",
                    help="print up to N (default 10) persons behind each churn count")
    ap.add_argument("--no-times", action="store_true")
    ap.add_argument("--upgraded-url", help="database for the legacy-links report (rolled back)")
    ap.add_argument("--cluster", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the last cluster")
    args = ap.parse_args(argv)
    args.cluster = args.cluster or os.environ.get("LA_QUALITY_CLUSTER", "identq")
    if args.churn:
        args.second_run = args.added = args.daily = True
    if args.held_out is not None:
        seeds = [(args.held_out, "held-out")]
    elif args.seed:
        seeds = [(s, "chosen") for s in args.seed]
    else:
        seeds = [(s, "dev") for s in DEV_SEEDS]
    seeds = [(int(s) if float(s).is_integer() else s, k) for s, k in seeds]
    print(f"identity quality, scale {args.scale:g}, seeds {', '.join(f'{s} ({k})' for s, k in seeds)}")
    try:
        results = [measure_seed(args, s, k) for s, k in seeds]
    except (NotMeasured, psycopg.Error) as e:
        print(f"identity_quality: not measured: {e}", file=sys.stderr)
        return 1
    if len(results) > 1:
        c_all, c_valid = (0, 0, 0), (0, 0, 0)
        rules, agree = {}, (0, 0)
        for a, v, r, g in results:
            c_all, c_valid, agree = add(c_all, a), add(c_valid, v), add(agree, g)
            for rule, (n, c) in r.items():
                n0, c0 = rules.get(rule, (0, (0, 0, 0, 0)))
                rules[rule] = (n0 + n, add(c0, c))
        print(f"\n== pooled over seeds {', '.join(str(s) for s, _ in seeds)} ==")
        print_quality("pooled", c_all, c_valid, rules, agree)
    return 0


if __name__ == "__main__":
    sys.exit(main())
