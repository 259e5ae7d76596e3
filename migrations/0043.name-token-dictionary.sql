-- depends: 0042.identity-row-versions
-- NAME+DATE reads the records its subjects' name keys can meet, not every record of their dates
-- (docs/identity.md, "Speed"):
-- * name_token_variant: every given name and every surname of the lead records (role G or S) with its
--   one-letter deletions (canon.name_token_variants). The given names and surnames one typo from a
--   subject's are looked up here, so the typo keys are known before any candidate record is read. Kept by
--   canon.identity_name_tokens: the names of the records each run indexed are added; a name whose
--   records were removed stays (it only adds a key no record holds). Filled on the first run after this
--   migration (identity_source_state 'name_tokens' is absent) and again whenever
--   canon.name_token_variants changes.
-- * the NAME+DATE keys of a record, given name + first surname and given name + second surname, indexed:
--   the candidate records are fetched by key (canon.parse_name gives at most two surnames).
SET lock_timeout = '10s';

CREATE TABLE canon.name_token_variant (
    role text NOT NULL CHECK (role IN ('G', 'S')),
    variant text NOT NULL,
    token text NOT NULL,
    PRIMARY KEY (role, variant, token)
);

-- the state row of the dictionary: its fingerprint is the digest of canon.name_token_variants. The
-- check is replaced in one step: the table holds a row per input (two), written by identity only.
-- squawk-ignore ban-drop-constraint
ALTER TABLE canon.identity_source_state DROP CONSTRAINT identity_source_state_input_check;
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE canon.identity_source_state ADD CONSTRAINT identity_source_state_input_check
    CHECK (input IN ('drivers', 'leads', 'name_tokens'));

-- lead_keys is written by identity only (one run at a time, under its lock): a short write block while
-- the indexes build is harmless, and the migration stays all-or-nothing (CONCURRENTLY cannot run in a
-- transaction)
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_keys_name_first_idx ON canon.lead_keys ((name_given || ' ' || surnames[1]), lead_date)
    WHERE name_given IS NOT NULL;
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX lead_keys_name_second_idx ON canon.lead_keys ((name_given || ' ' || surnames[2]), lead_date)
    WHERE name_given IS NOT NULL AND cardinality(surnames) >= 2;
