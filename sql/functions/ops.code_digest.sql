-- Digest of the package's code: every function and procedure of canon, observational and ops (signature,
-- body, pinned settings) and the stored rule of every view there. A migrate that changes code changes it
-- (and any migrate does: it re-creates the views, whose stored rules name their own oid). Catalogs only,
-- no lock on any table (the stored rule, not pg_get_viewdef(), which locks the tables a view reads).
-- Read by ops.pipeline_inputs() (the pipeline's fast path) and observational.populate_fingerprint().
CREATE OR REPLACE FUNCTION ops.code_digest()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.md5(pg_catalog.string_agg(x.definition, ';' ORDER BY x.definition))
    FROM (SELECT p.oid::regprocedure::text || ':' || pg_catalog.md5(p.prosrc)
                 || COALESCE(p.proconfig::text, '') AS definition
          FROM pg_catalog.pg_proc AS p
          WHERE p.pronamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace AS n
                                   WHERE n.nspname IN ('canon', 'observational', 'ops'))
          UNION ALL
          SELECT c.oid::regclass::text || ':' || pg_catalog.md5(r.ev_action::text)
          FROM pg_catalog.pg_class AS c
          JOIN pg_catalog.pg_rewrite AS r ON r.ev_class = c.oid
          WHERE c.relkind IN ('v', 'm')
            AND c.relnamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace AS n
                                   WHERE n.nspname IN ('canon', 'observational', 'ops'))) AS x;
$$;
COMMENT ON FUNCTION ops.code_digest() IS 'ops.code_digest() -> text: md5 of the package''s function bodies and view rules (changes with any migrate)';
