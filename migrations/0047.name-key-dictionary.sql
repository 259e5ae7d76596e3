-- depends: 0046.identity-links-run
-- NAME+DATE's typo-tolerant keys (docs/identity.md, "NAME+DATE"): a subject's given name or surname
-- replaced by a token one typo from it makes a key, and a key no record holds finds nothing. Replacing
-- every token by every close token and keeping the keys some record holds afterwards made 208 keys per
-- subject at scale 1000 (33 M rows for 161 k subjects, 67 s of a full resolve in the keys, their date
-- spans and the keys some record holds; 76 per subject at scale 100), growing faster than the data:
-- the close tokens a common name has grow with the names of the database.
-- * name_key: every (given name, surname) pair a lead record holds (its NAME+DATE keys, canon.parse_name
--   gives at most two surnames). The typo keys are read from it, so only keys some record holds are
--   made. Kept with canon.name_token_variant by canon.identity_name_tokens (the same rows read once):
--   the pairs of the records each run indexed are added; a pair whose records were removed stays (it
--   only makes a key no record holds). Filled on the first run after this migration: the state's
--   fingerprint names the dictionaries' layout, so the state row an earlier version wrote no longer
--   matches and both dictionaries are filled anew.
SET lock_timeout = '10s';

CREATE TABLE canon.name_key (
    given text NOT NULL,
    surname text NOT NULL,
    PRIMARY KEY (given, surname)
);
-- the typo keys of a surname replaced are found by the surname
CREATE INDEX name_key_surname_idx ON canon.name_key (surname);
