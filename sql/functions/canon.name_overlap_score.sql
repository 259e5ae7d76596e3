-- The name similarity of two token sets from their sizes and the number of tokens they share:
-- (Jaccard + overlap) / 2 with overlap = common / max(|A|, |B|), rounded to 4 decimals (docs/rules.md §2).
-- The one formula of canon.name_similarity and of the car + name join of canon.identity_block, which
-- knows a pair's shared tokens from its name block before comparing it. A SQL-standard body, inlined by
-- the planner (its arguments are columns and variables); callers pass sizes of at least one.
CREATE OR REPLACE FUNCTION canon.name_overlap_score(p_common integer, p_size_a integer, p_size_b integer)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.round((p_common::numeric / (p_size_a + p_size_b - p_common)
                         + p_common::numeric / GREATEST(p_size_a, p_size_b)) / 2, 4);
COMMENT ON FUNCTION canon.name_overlap_score(integer, integer, integer) IS 'canon.name_overlap_score(p_common integer, p_size_a integer, p_size_b integer) -> numeric: (Jaccard + overlap) / 2 of two token sets from their sizes and shared count';
