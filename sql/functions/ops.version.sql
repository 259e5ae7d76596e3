-- The package's version (semantic versioning). CHANGELOG.md says what each version changes and what an
-- upgrade to it does; tools/migrate installs the code of the version checked out.
CREATE OR REPLACE FUNCTION ops.version()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT '0.16.0'::text;
$$;
COMMENT ON FUNCTION ops.version() IS 'ops.version() -> text: the installed package version, e.g. 0.16.0 (see CHANGELOG.md)';
