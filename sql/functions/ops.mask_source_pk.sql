-- A lead's source_pk as a reader may see it: a loader's external_id is free text and can hold a phone,
-- a document or a name ('DNI 45678912 / 987654321'). All but its last 3 characters become '*', at most
-- 20 of them (4 characters or less: all masked). The one masking of source keys, used by every reader
-- view that shows one (docs/operations.md; SECURITY.md). PL/pgSQL without a query, as
-- canon.mask_identifier: a SQL function with a pinned search_path is never inlined.
CREATE OR REPLACE FUNCTION ops.mask_source_pk(p_source_pk text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_catalog.length(p_source_pk) <= 4 THEN
        RETURN pg_catalog.repeat('*', pg_catalog.length(p_source_pk));
    END IF;
    RETURN pg_catalog.repeat('*', LEAST(pg_catalog.length(p_source_pk) - 3, 20)) || pg_catalog.right(p_source_pk, 3);
END;
$$;
COMMENT ON FUNCTION ops.mask_source_pk(text) IS 'ops.mask_source_pk(p_source_pk text) -> text: a source key as readers see it, all but the last 3 characters masked (at most 20 stars)';
