-- depends: 0003.settings-and-runs
-- Identity (DOMAIN §3): persons, links of source records to persons, the unmatched queue, merges.
SET lock_timeout = '10s';

CREATE TABLE canon.identity_registry (
    person_key uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
    primary_phone text,
    primary_license text,
    primary_document text,
    primary_full_name text,
    confidence_level text NOT NULL CHECK (confidence_level IN ('HIGH', 'MEDIUM', 'LOW')),
    merged_into uuid REFERENCES canon.identity_registry (person_key),
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX identity_registry_phone_idx ON canon.identity_registry (primary_phone);

CREATE TABLE canon.identity_links (
    link_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_key uuid NOT NULL REFERENCES canon.identity_registry (person_key),
    source_table text NOT NULL CHECK (source_table IN
        ('module_ct_cabinet_leads', 'module_ct_scouting_daily', 'module_ct_migrations', 'drivers')),
    source_pk text NOT NULL,
    match_rule text NOT NULL,
    match_score numeric(5, 2) NOT NULL,
    confidence_level text NOT NULL CHECK (confidence_level IN ('HIGH', 'MEDIUM', 'LOW')),
    evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_id bigint,
    linked_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    UNIQUE (source_table, source_pk)
);
CREATE INDEX identity_links_person_idx ON canon.identity_links (person_key);

CREATE TABLE canon.identity_unmatched (
    unmatched_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_table text NOT NULL,
    source_pk text NOT NULL,
    reason_code text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    candidates jsonb NOT NULL DEFAULT '[]'::jsonb,
    status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'RESOLVED', 'IGNORED')),
    run_id bigint,
    note text,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    resolved_at timestamptz,
    UNIQUE (source_table, source_pk)
);
CREATE INDEX identity_unmatched_open_idx ON canon.identity_unmatched (reason_code) WHERE status = 'OPEN';

-- One row per merge: which person was folded into which, by whom, and what moved.
CREATE TABLE canon.person_merges (
    merge_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kept_person_key uuid NOT NULL REFERENCES canon.identity_registry (person_key),
    dropped_person_key uuid NOT NULL REFERENCES canon.identity_registry (person_key),
    links_moved integer NOT NULL,
    events_moved integer NOT NULL,
    note text,
    merged_by text NOT NULL DEFAULT CURRENT_USER,
    merged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
