-- The row versions of a table, for canon.run_identity's "nothing new since the last run" tests: its
-- row count and a bit_xor of a hash of every row's tableoid, xmin and ctid (tableoid: the partitions of
-- a partitioned table number their ctids alike). An insert, update or delete (a new xmin or ctid)
-- changes it; reading the table does not. The one definition for drivers and the three lead sources.
CREATE OR REPLACE FUNCTION canon.row_versions(p_table regclass, OUT row_count bigint, OUT versions_hash bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'row_versions needs a table'
            USING ERRCODE = '22004',
                  DETAIL = 'p_table is NULL.',
                  HINT = 'Pass the table, e.g. ''public.drivers''::regclass.';
    END IF;
    -- a regclass prints schema-qualified and quoted as needed
    -- the three system columns hashed as one row (no text is built: about twice as fast as hashing
    -- their text, which was most of a run with nothing new at scale 1000)
    EXECUTE pg_catalog.format(
        'SELECT pg_catalog.count(*), COALESCE(pg_catalog.bit_xor(pg_catalog.hash_record_extended('
        'ROW(x.tableoid, x.xmin, x.ctid), 0)), 0) FROM %s AS x',
        p_table)
    INTO row_count, versions_hash;
END;
$$;
COMMENT ON FUNCTION canon.row_versions(regclass) IS 'canon.row_versions(p_table regclass) -> (row_count, versions_hash): row count and bit_xor hash of every row''s tableoid/xmin/ctid';
