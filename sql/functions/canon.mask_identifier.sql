-- How an identifier is shown anywhere (evidence, candidate previews, reports): all but the last 3
-- characters replaced by '*' ('987654321' -> '******321'); values of 4 characters or less are fully masked.
CREATE OR REPLACE FUNCTION canon.mask_identifier(p_value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.levels_weight): its names are bound when it is created, so no
-- search_path is read when it runs, and the planner inlines it into the calling statement. Every caller
-- passes a column or a variable (a call on canon.compare_levels(...) itself would not be inlined: the
-- argument is used more than once). Not STRICT, which would keep it from being inlined: NULL gives NULL
-- all the same.
RETURN CASE WHEN pg_catalog.length(p_value) <= 4 THEN pg_catalog.repeat('*', pg_catalog.length(p_value))
            ELSE pg_catalog.repeat('*', pg_catalog.length(p_value) - 3) || pg_catalog.right(p_value, 3) END;
COMMENT ON FUNCTION canon.mask_identifier(text) IS 'canon.mask_identifier(p_value text) -> text: all but the last 3 characters masked with *';
