-- The codes of a name's first six tokens for the names test of NAME+DATE (canon.identity_name_pairs, once
-- per candidate row, not per pair): of
-- each token, its first letter with its length (letter * 2^22 + 2 * length) and its last letter with its
-- length (the same + 1); NULL past the last token. A token shares its first or its last letter with a
-- token at most one letter longer or shorter exactly when one of its codes is among that token's codes with
-- the length stepped by -1, 0 and 1 (pg_temp.identity_name_reach): an array overlap per pair instead of a
-- sub-query over both names' tokens. Callers test names of up to six tokens with it (pgTAP 17).
CREATE OR REPLACE FUNCTION canon.name_token_codes(p_tokens text[])
RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- A SQL-standard body (as canon.levels_weight): bound when it is created, no search_path read when it runs,
-- and inlined into the calling statement, whose argument is a column.
RETURN ARRAY[pg_catalog.ascii(p_tokens[1])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[1]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[1], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[1]) + 1,
             pg_catalog.ascii(p_tokens[2])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[2]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[2], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[2]) + 1,
             pg_catalog.ascii(p_tokens[3])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[3]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[3], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[3]) + 1,
             pg_catalog.ascii(p_tokens[4])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[4]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[4], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[4]) + 1,
             pg_catalog.ascii(p_tokens[5])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[5]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[5], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[5]) + 1,
             pg_catalog.ascii(p_tokens[6])::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[6]),
             pg_catalog.ascii(pg_catalog.right(p_tokens[6], 1))::bigint * 4194304 + 2 * pg_catalog.length(p_tokens[6]) + 1];
COMMENT ON FUNCTION canon.name_token_codes(text[]) IS 'canon.name_token_codes(p_tokens text[]) -> bigint[]: first-letter and last-letter codes with the length of a name''s first six tokens (NAME+DATE names test)';
