-- depends: 0029.claims-sent
-- Contrib modules behind the name normalizers (docs/identity.md, "Names"): unaccent folds accents in
-- canon.normalize_name, fuzzystrmatch's levenshtein_less_equal tells a one-letter typo in
-- canon.name_tokens_close. Both are trusted extensions (PostgreSQL 13+): the database owner may create
-- them without a superuser. They go where contrib modules usually live, schema public, and the code
-- calls them there (public.unaccent, public.levenshtein_less_equal). An extension already installed in
-- another schema stops the migration with how to move it, rather than a function failing on its first
-- call.
SET lock_timeout = '10s';

DO $check$
DECLARE
    v_elsewhere text;
    v_first name;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%s (schema %s)', e.extname, e.extnamespace::regnamespace), ', '
                                 ORDER BY e.extname),
           pg_catalog.min(e.extname::text)
    INTO v_elsewhere, v_first
    FROM pg_catalog.pg_extension AS e
    WHERE e.extname IN ('unaccent', 'fuzzystrmatch') AND e.extnamespace <> 'public'::regnamespace;
    IF v_elsewhere IS NOT NULL THEN
        RAISE EXCEPTION 'extension installed outside schema public: %', v_elsewhere
            USING ERRCODE = '22023',
                  DETAIL = 'The name normalizers call unaccent and fuzzystrmatch in schema public.',
                  HINT = pg_catalog.format('Move it (ALTER EXTENSION %I SET SCHEMA public;) and run tools/migrate again.', v_first);
    END IF;
END
$check$;

CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA public;
