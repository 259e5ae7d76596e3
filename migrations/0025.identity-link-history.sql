-- depends: 0024.identity-match-weights
-- History of the operator actions that move one record between persons (docs/identity.md):
-- canon.split_record (the record leaves its person for a new one) and canon.relink_by_rule (links one
-- rule made, decided again). A row keeps the record, both persons, the rule it had and the note.
SET lock_timeout = '10s';

CREATE TABLE canon.identity_link_history (
    history_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_table text NOT NULL,
    source_pk text NOT NULL,
    action text NOT NULL CHECK (action IN ('SPLIT', 'RELINK', 'UNLINK')),
    old_person_key uuid REFERENCES canon.identity_registry (person_key),
    new_person_key uuid REFERENCES canon.identity_registry (person_key),
    old_match_rule text,
    new_match_rule text,
    note text,
    acted_by text NOT NULL DEFAULT CURRENT_USER,
    acted_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX identity_link_history_record_idx ON canon.identity_link_history (source_table, source_pk);
