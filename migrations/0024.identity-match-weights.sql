-- depends: 0015.identity-work-unused-columns
-- Evidence-weighted identity (docs/identity.md): the comparison weights are data, never constants in
-- code. Every level of every compared field has a weight log2(m/u), stored as an integer number of
-- thousandths of a bit so that sums are exact whatever the plan. Weights live in numbered versions; the
-- highest version is the one in use; canon.estimate_match_weights() writes a new version. An operator
-- may pin a level's weight in canon.match_weight_overrides (it wins over every version).
-- Version 1 is seeded here: the defaults (docs/identity.md says how they were chosen and checked).
SET lock_timeout = '10s';

CREATE TABLE canon.match_weight_versions (
    version integer PRIMARY KEY CHECK (version > 0),
    method text NOT NULL CHECK (method IN ('seed', 'estimated')),
    -- log2 of the prior odds that a candidate pair is one human, in thousandths of a bit
    prior_milli integer NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    note text,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE canon.match_weights (
    version integer NOT NULL REFERENCES canon.match_weight_versions (version),
    field text NOT NULL CHECK (field IN ('phone', 'document', 'plate', 'name', 'date', 'car')),
    level text NOT NULL,
    -- order in which the levels of a field are tested (contradictions before partial agreement)
    level_order integer NOT NULL,
    m numeric CHECK (m > 0 AND m <= 1),
    u numeric CHECK (u > 0 AND u <= 1),
    weight_milli integer NOT NULL,
    pairs bigint,
    source text NOT NULL CHECK (source IN ('seed', 'estimated', 'kept')),
    PRIMARY KEY (version, field, level)
);

CREATE TABLE canon.match_weight_overrides (
    field text NOT NULL,
    level text NOT NULL,
    weight_milli integer NOT NULL,
    note text NOT NULL,
    set_by text NOT NULL DEFAULT CURRENT_USER,
    set_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (field, level)
);

INSERT INTO canon.match_weight_versions (version, method, prior_milli, note)
VALUES (1, 'seed', -13288, 'defaults seeded by the migration: m and u set by hand and checked on the sample generator (seed 0.42), prior 1 in 10,000 pairs');

-- m = P(level | same human), u = P(level | two humans); weight_milli = round(1000 * log2(m / u))
INSERT INTO canon.match_weights (version, field, level, level_order, m, u, weight_milli, source)
SELECT 1, v.field, v.level, v.level_order, v.m, v.u,
       pg_catalog.round(1000 * pg_catalog.log(2.0, v.m / v.u))::integer, 'seed'
FROM (VALUES
    ('phone',    'SAME',                 1, 0.85,   0.0001),
    ('phone',    'DIFFERENT',            2, 0.10,   0.999),
    ('phone',    'MISSING',              3, 1.0,    1.0),
    ('document', 'SAME',                 1, 0.95,   0.000001),
    ('document', 'DIFFERENT',            2, 0.02,   0.99),
    ('document', 'MISSING',              3, 1.0,    1.0),
    ('plate',    'SAME',                 1, 0.80,   0.0005),
    ('plate',    'DIFFERENT',            2, 0.15,   0.999),
    ('plate',    'MISSING',              3, 1.0,    1.0),
    ('name',     'MISSING',              1, 1.0,    1.0),
    ('name',     'SAME_TOKENS',          2, 0.60,   0.0005),
    ('name',     'SURNAMES_CONTRADICT',  3, 0.005,  0.50),
    ('name',     'GIVEN_DIFFER',         4, 0.01,   0.60),
    ('name',     'SUBSET',               5, 0.15,   0.0005),
    ('name',     'GIVEN_BOTH_SURNAMES',  6, 0.10,   0.0002),
    ('name',     'GIVEN_ONE_SURNAME',    7, 0.08,   0.002),
    ('name',     'SIMILAR',              8, 0.05,   0.01),
    ('name',     'DIFFERENT',            9, 0.01,   0.98),
    ('date',     'WITHIN_3',             1, 0.50,   0.01),
    ('date',     'WITHIN_14',            2, 0.25,   0.03),
    ('date',     'WITHIN_90',            3, 0.20,   0.15),
    ('date',     'FURTHER',              4, 0.05,   0.81),
    ('date',     'MISSING',              5, 1.0,    1.0),
    ('car',      'SAME',                 1, 0.60,   0.05),
    ('car',      'DIFFERENT',            2, 0.30,   0.95),
    ('car',      'MISSING',              3, 1.0,    1.0),
    ('car',      'IGNORED',              4, 1.0,    1.0)
) AS v (field, level, level_order, m, u);

-- the parsed name, computed once when a record is normalized (canon.parse_name): the given name, the
-- surnames as read, and whether two surnames were read (docs/identity.md)
ALTER TABLE canon.lead_keys
    ADD COLUMN name_given text,
    ADD COLUMN surnames text[],
    ADD COLUMN two_surnames boolean;
ALTER TABLE canon.drivers_index
    ADD COLUMN name_given text,
    ADD COLUMN surnames text[],
    ADD COLUMN two_surnames boolean;
ALTER TABLE canon.identity_work_lead ADD COLUMN last_name_raw text;

-- the probability of the pair that made a link (NULL for links of the first design's rules and manual ones)
ALTER TABLE canon.identity_links ADD COLUMN match_probability numeric;

-- identity's work tables (unlogged, emptied by every run) carry the parsed name of the records to
-- decide, and each candidate pair its comparison levels, weight and veto
ALTER TABLE canon.identity_work_subject
    ADD COLUMN name_given text,
    ADD COLUMN surnames text[],
    ADD COLUMN two_surnames boolean;
ALTER TABLE canon.identity_work_pair
    ADD COLUMN levels text[],
    ADD COLUMN weight_milli integer,
    ADD COLUMN veto text;
