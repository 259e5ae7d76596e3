-- Whether a statement is one that canon.create_indexes may run: a CREATE INDEX on a package table (as
-- pg_get_indexdef writes it) or an ALTER TABLE adding a foreign key between package tables (as
-- canon.drop_secondary_indexes writes it), nothing after it (no ';': EXECUTE would run a second
-- statement). canon.drop_secondary_indexes drops only the foreign keys whose statement passes, so a key
-- is never dropped that could not be added back. NULL is not a statement (NULL, read as false).
CREATE OR REPLACE FUNCTION canon.bulk_load_statement_ok(p_statement text)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (its names bound when it is created); called once per index or key of a bulk load.
RETURN p_statement ~ '^CREATE INDEX [a-z_][a-z0-9_]* ON (canon|observational|ops)\.[a-z_][a-z0-9_]* USING [^;]+$'
    OR p_statement ~ ('^ALTER TABLE (canon|observational|ops)\.[a-z_][a-z0-9_]* ADD CONSTRAINT [a-z_][a-z0-9_]* '
                      || 'FOREIGN KEY \([a-z0-9_, ]+\) REFERENCES (canon|observational|ops)\.[a-z_][a-z0-9_]*\([a-z0-9_, ]+\)'
                      || '[A-Za-z0-9_ (),]*$');
COMMENT ON FUNCTION canon.bulk_load_statement_ok(text) IS 'canon.bulk_load_statement_ok(p_statement text) -> boolean: the statement builds an index or adds a foreign key of package tables, and nothing else (bulk loads)';
