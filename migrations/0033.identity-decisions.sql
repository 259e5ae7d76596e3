-- depends: 0029.claims-sent
-- Decisions by probability for every candidate (docs/identity.md "Decisions"): the work tables of one
-- run keep the probability of each record's decision and the weight of each clustering edge, the stage
-- functions change their arguments (their old signatures are dropped; the new ones are re-applied from
-- sql/functions); settings: the probability above which a link's confidence is HIGH, and whether a
-- name-only record founds a person (docs/identity.md "Decisions").
-- Work tables are unlogged and emptied at the start and end of every run: no data moves.
SET lock_timeout = '10s';

ALTER TABLE canon.identity_work_subject
    ADD COLUMN weight_milli bigint,
    ADD COLUMN probability numeric,
    ADD COLUMN runner_up text,
    ADD COLUMN runner_up_weight bigint,
    ADD COLUMN cluster_veto text,
    ADD COLUMN cluster_members jsonb;
ALTER TABLE canon.identity_work_edge
    ADD COLUMN weight_milli bigint;

-- the stages' old signatures: internal stages of canon.run_identity, executable by the owner only (no
-- other caller breaks); the code load right after this migration creates the new ones
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS canon.identity_decide_rules(numeric, numeric);
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS canon.identity_cluster(integer, numeric);
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS canon.identity_decide_records(bigint);
-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS canon.identity_link_drivers(bigint, bigint, numeric);

INSERT INTO ops.settings (key, value, description)
VALUES ('high_confidence_threshold', '0.9999',
        'identity: match probability at or above which a link''s confidence_level is HIGH (MEDIUM from link_threshold)'),
       ('name_only_persons', '0',
        'identity: 1 = a record carrying only a name of three or more tokens and a date that NAME+DATE leaves founds a person; 0 = it stays MISSING_IDENTIFIERS')
ON CONFLICT (key) DO NOTHING;
