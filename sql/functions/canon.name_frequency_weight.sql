-- Term frequency on a full name (docs/identity.md, "Comparisons, weights, vetoes"): a SAME_FULL_NAME
-- level of a pair weighs log2(f) bits less when f distinct persons hold that full name; in thousandths
-- of a bit, 0 for a name held by one person (or none counted). The one definition for NAME+DATE
-- (canon.identity_name_pairs) and car + name (canon.identity_block).
CREATE OR REPLACE FUNCTION canon.name_frequency_weight(p_holders bigint)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.levels_weight): bound when created, no search_path read when it runs,
-- inlined into the calling statement; not STRICT, which would keep it from being inlined.
RETURN CASE WHEN p_holders > 1 THEN pg_catalog.round(1000 * pg_catalog.log(2.0, p_holders::numeric))::integer ELSE 0 END;
COMMENT ON FUNCTION canon.name_frequency_weight(bigint) IS 'canon.name_frequency_weight(p_holders bigint) -> integer: thousandths of a bit a full name held by p_holders persons weighs less (log2, 0 for one)';
