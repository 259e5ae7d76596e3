-- The probability that a pair is one human from its total weight and the prior, both in thousandths of
-- a bit (log2 odds): 1 / (1 + 2^-(prior + weight)). Computed only at the end, from exact integer sums.
-- The power is taken in double precision and the result rounded to 6 decimals: the same figures as in
-- numeric over every total from -60 to +60 bits (checked for three priors), at an eighth of the cost
-- (numeric's power was 14 us a call, called several times per candidate pair).
CREATE OR REPLACE FUNCTION canon.match_probability(p_weight_milli bigint, p_prior_milli bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
-- A SQL-standard body: its names are bound when it is created (no search_path is read when it runs),
-- and the planner inlines it into the calling statement: about a million calls in a full resolve at
-- scale 100, 1.3 us each as PL/pgSQL (docs/identity.md, "Speed"). Each parameter is used once and every
-- function in it is strict, which inlining a STRICT function needs (float8larger / float8smaller clamp
-- the exponent as GREATEST / LEAST did, which are not strict).
RETURN pg_catalog.round((1 / (1 + pg_catalog.power(2::float8,
           pg_catalog.float8smaller(pg_catalog.float8larger((-(p_prior_milli + p_weight_milli) / 1000.0)::float8, -200), 200))))::numeric, 6);
COMMENT ON FUNCTION canon.match_probability(bigint, bigint) IS 'canon.match_probability(p_weight_milli bigint, p_prior_milli bigint) -> numeric: probability of one human from the log2 odds in thousandths of a bit';
