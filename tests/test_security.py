"""Least privilege and search_path safety of the installed package (catalog checks on a real cluster)."""
import psycopg
import pytest

from conftest import migrate
from test_pipeline import count_events, seed_leads

SCHEMAS = ("canon", "observational", "ops")
ROLES = ("lead_attribution_job", "lead_attribution_writer", "lead_attribution_reader")


@pytest.fixture(scope="module")
def installed(cluster_url):
    import uuid
    name = f"sec_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = cluster_url.replace("/lead_attribution?", f"/{name}?")
    migrate(url)
    yield url
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_public_has_no_privilege_on_any_package_object(installed):
    with psycopg.connect(installed) as conn:
        rows = conn.execute("""
            SELECT 'schema ' || n.nspname FROM pg_namespace n, aclexplode(n.nspacl) a
             WHERE n.nspname = ANY (%(s)s) AND a.grantee = 0
            UNION ALL
            SELECT 'relation ' || c.oid::regclass FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.relnamespace::regnamespace::text = ANY (%(s)s) AND a.grantee = 0
            UNION ALL
            SELECT 'routine ' || p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace::regnamespace::text = ANY (%(s)s)
               AND (p.proacl IS NULL OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0))
        """, {"s": list(SCHEMAS)}).fetchall()
    assert rows == []


def test_only_the_owner_owns_and_creates_in_package_schemas(installed):
    with psycopg.connect(installed) as conn:
        foreign = conn.execute("""
            SELECT c.oid::regclass::text FROM pg_class c
             WHERE c.relnamespace::regnamespace::text = ANY (%(s)s) AND c.relkind IN ('r', 'v', 'm', 'p')
               AND pg_get_userbyid(c.relowner) <> 'lead_attribution_owner'
            UNION ALL
            SELECT p.oid::regprocedure::text FROM pg_proc p
             WHERE p.pronamespace::regnamespace::text = ANY (%(s)s)
               AND pg_get_userbyid(p.proowner) <> 'lead_attribution_owner'
        """, {"s": list(SCHEMAS)}).fetchall()
        assert foreign == []
        creators = conn.execute("""
            SELECT r, s FROM unnest(%(r)s::text[]) r, unnest(%(s)s::text[]) s
             WHERE has_schema_privilege(r, s, 'CREATE')""", {"r": list(ROLES), "s": list(SCHEMAS)}).fetchall()
        assert creators == []


def test_pipeline_roles_keep_temporary_when_public_loses_it(installed):
    """A hardened database revokes TEMPORARY from PUBLIC; the ledger refresh (caller's rights) and
    identity (owner's rights) stage their work in temporary tables and must still run."""
    with psycopg.connect(installed, autocommit=True) as conn:
        db = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f'REVOKE TEMPORARY ON DATABASE "{db}" FROM PUBLIC')
        try:
            migrate(installed)  # grants are re-applied; nothing relies on PUBLIC's default
            roles = ("lead_attribution_owner", "lead_attribution_job", "lead_attribution_writer")
            assert conn.execute("SELECT array_agg(r ORDER BY r) FROM unnest(%s::text[]) r "
                                "WHERE NOT has_database_privilege(r, current_database(), 'TEMPORARY')",
                                (list(roles),)).fetchone()[0] is None
            assert not conn.execute("SELECT has_database_privilege('lead_attribution_reader', "
                                    "current_database(), 'TEMPORARY')").fetchone()[0]
            conn.execute("SET ROLE lead_attribution_writer")
            result = conn.execute("SELECT observational.refresh_lead_ledger('{}'::uuid[])").fetchone()[0]
            assert result == {"persons": 0, "changed": 0, "removed": 0}
            conn.execute("RESET ROLE")
        finally:
            conn.execute("RESET ROLE")
            conn.execute(f'GRANT TEMPORARY ON DATABASE "{db}" TO PUBLIC')


def test_every_security_definer_pins_search_path(installed):
    with psycopg.connect(installed) as conn:
        bad = conn.execute("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
             WHERE p.prosecdef AND p.pronamespace::regnamespace::text = ANY (%(s)s)
               AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
        """, {"s": list(SCHEMAS)}).fetchall()
        assert bad == []


def test_every_function_pins_search_path_and_procedures_pin_it_themselves(installed):
    with psycopg.connect(installed) as conn:
        unpinned = conn.execute("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
             WHERE p.pronamespace::regnamespace::text = ANY (%(s)s) AND p.prokind = 'f'
               AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
               -- a SQL-standard body (RETURN / BEGIN ATOMIC) binds its names when it is created: no
               -- search_path is read when it runs, and without a SET clause the planner can inline it
               AND p.prosqlbody IS NULL
        """, {"s": list(SCHEMAS)}).fetchall()
        assert unpinned == []
        # a procedure pins the session's search_path itself, or only forwards with one schema-qualified
        # CALL of constants to a package procedure that does (ops.run_pipeline() -> run_pipeline(false):
        # the callee then restores the caller's own search_path on every exit)
        procedures = conn.execute("""
            SELECT p.oid::regprocedure::text FROM pg_proc p
             WHERE p.pronamespace::regnamespace::text = ANY (%(s)s) AND p.prokind = 'p'
               AND p.prosrc NOT LIKE '%%set_config(''search_path'', ''pg_catalog, pg_temp'', false)%%'
               AND regexp_replace(p.prosrc, '\\s+', ' ', 'g')
                   !~ '^ ?BEGIN CALL (canon|observational|ops)\\.[a-z_]+\\((true|false)\\); END; ?$'
        """, {"s": list(SCHEMAS)}).fetchall()
        assert procedures == []
        forwarded = conn.execute("""
            SELECT count(*) FROM pg_proc p
             WHERE p.oid = 'ops.run_pipeline(boolean)'::regprocedure
               AND p.prosrc LIKE '%%set_config(''search_path'', ''pg_catalog, pg_temp'', false)%%'
        """).fetchone()[0]
        assert forwarded == 1


def test_search_path_hijack_changes_nothing(installed):
    """An unprivileged role plants look-alike functions and operators in public and pg_temp."""
    with psycopg.connect(installed, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS la_attacker")
        admin.execute("CREATE ROLE la_attacker LOGIN")
        admin.execute("GRANT CREATE, USAGE ON SCHEMA public TO la_attacker")  # an old, careless database
        admin.execute("GRANT lead_attribution_writer TO la_attacker")
        seed_leads(admin, n=30)
        admin.execute("CREATE TABLE public.hijack_log (what text)")
        admin.execute("GRANT INSERT ON public.hijack_log TO PUBLIC")
    try:
        with psycopg.connect(installed, autocommit=True) as attacker:
            attacker.execute("SET ROLE la_attacker")
            for sig, ret in [("format(text, text)", "text"), ("format(text, date, date)", "text"),
                             ("btrim(text)", "text"), ("get_setting(text)", "text"), ("today()", "date"),
                             ("lower(daterange)", "date"), ("normalize_phone(text)", "text"),
                             ("hashtext(text)", "integer"), ("jsonb_build_object(text, bigint)", "jsonb"),
                             ("now()", "timestamptz"), ("current_setting(text)", "text")]:
                name = sig.split("(")[0]
                attacker.execute(f"""CREATE FUNCTION public.{sig} RETURNS {ret} LANGUAGE plpgsql AS $f$
                    BEGIN INSERT INTO public.hijack_log VALUES ('{name}'); RETURN NULL; END $f$""")
            attacker.execute("""CREATE FUNCTION public.jsonb_concat_evil(jsonb, jsonb) RETURNS jsonb LANGUAGE plpgsql AS $f$
                BEGIN INSERT INTO public.hijack_log VALUES ('||'); RETURN $1; END $f$""")
            attacker.execute("CREATE OPERATOR public.|| (LEFTARG = jsonb, RIGHTARG = jsonb, FUNCTION = public.jsonb_concat_evil)")
            attacker.execute("SET search_path = public, pg_catalog")
            attacker.execute("CALL ops.run_pipeline()")
            result = attacker.execute("SELECT observational.populate_lead_events('2025-12-01', '2025-12-30')").fetchone()[0]
            assert attacker.execute("SHOW search_path").fetchone()[0] == "public, pg_catalog"
        with psycopg.connect(installed, autocommit=True) as admin:
            assert admin.execute("SELECT count(*) FROM public.hijack_log").fetchone()[0] == 0
            assert count_events(admin) == 40
            assert sum(v["unchanged"] for v in result["sources"].values()) == 40
    finally:
        with psycopg.connect(installed, autocommit=True) as admin:
            admin.execute("DROP OWNED BY la_attacker CASCADE")
            admin.execute("DROP ROLE la_attacker")
            admin.execute("DROP TABLE IF EXISTS public.hijack_log")


def test_errors_in_logs_never_hold_a_raw_phone(installed):
    with psycopg.connect(installed, autocommit=True) as conn:
        conn.execute("UPDATE ops.settings SET value = '987654321x' WHERE key = 'lookback_days'")
        try:
            with pytest.raises(psycopg.errors.InvalidTextRepresentation) as raised:
                conn.execute("CALL ops.run_pipeline()")
        finally:
            conn.execute("UPDATE ops.settings SET value = '3' WHERE key = 'lookback_days'")
        assert "987654321" not in str(raised.value)
        logged = conn.execute("SELECT error_message FROM ops.run_log WHERE status = 'failed' "
                              "ORDER BY run_id DESC LIMIT 1").fetchone()[0]
        assert "987654321" not in logged and "***321" in logged
