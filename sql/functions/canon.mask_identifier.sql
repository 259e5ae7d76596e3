-- How an identifier is shown anywhere (evidence, candidate previews, reports): all but the last 3
-- characters replaced by '*' ('987654321' -> '******321'); values of 4 characters or less are fully masked.
-- PL/pgSQL without a query: a SQL function with a pinned search_path is never inlined and its
-- per-call start-up dominated the evidence step of canon.run_identity (one call per candidate pair).
CREATE OR REPLACE FUNCTION canon.mask_identifier(p_value text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.length(p_value) <= 4 THEN
        RETURN pg_catalog.repeat('*', pg_catalog.length(p_value));
    END IF;
    RETURN pg_catalog.repeat('*', pg_catalog.length(p_value) - 3) || pg_catalog.right(p_value, 3);
END;
$$;
COMMENT ON FUNCTION canon.mask_identifier(text) IS 'canon.mask_identifier(p_value text) -> text: all but the last 3 characters masked with *';
