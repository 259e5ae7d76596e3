-- depends: 0005.lead-events
-- Identity index (DOMAIN §2, §3): normalized keys of drivers and of lead records, refreshed
-- incrementally by canon.run_identity (a row hash tells a changed source row), plus the unlogged work
-- tables one run uses to block, score, decide and cluster (runs are serialized by an advisory lock;
-- every run empties them at start and at end).
SET lock_timeout = '10s';

-- One row per public.drivers row (all parks). removed_at is set when the driver left public.drivers:
-- its links stay (history) but it is no longer a candidate; it is reported in the run counts.
CREATE TABLE canon.drivers_index (
    driver_id text PRIMARY KEY,
    park_id text,
    phone text,
    license text,
    document text,
    license_dni text,
    id_keys text[] NOT NULL DEFAULT '{}',
    plate text,
    name_tokens text[] NOT NULL DEFAULT '{}',
    name_key text,
    given_name text,
    name_blocks text[] NOT NULL DEFAULT '{}',
    car_key text,
    hire_date date,
    row_hash text NOT NULL,
    run_id bigint,
    removed_at timestamptz,
    indexed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX drivers_index_phone_idx ON canon.drivers_index (phone);
CREATE INDEX drivers_index_license_idx ON canon.drivers_index (license);
CREATE INDEX drivers_index_document_idx ON canon.drivers_index (document);
CREATE INDEX drivers_index_license_dni_idx ON canon.drivers_index (license_dni);
CREATE INDEX drivers_index_plate_idx ON canon.drivers_index (plate);
CREATE INDEX drivers_index_name_key_idx ON canon.drivers_index (name_key);
CREATE INDEX drivers_index_car_key_idx ON canon.drivers_index (car_key);
CREATE INDEX drivers_index_removed_idx ON canon.drivers_index (removed_at) WHERE removed_at IS NOT NULL;

-- Normalized keys of every valid lead record identity has seen (observational.v_source_leads).
-- decided_hash = row_hash when identity last decided the record: a record is re-read only when new or
-- changed, and re-decided only when unlinked and something it could match changed.
CREATE TABLE canon.lead_keys (
    source_table text NOT NULL,
    source_pk text NOT NULL,
    lead_date date NOT NULL,
    phone text,
    license text,
    document text,
    license_dni text,
    id_keys text[] NOT NULL DEFAULT '{}',
    plate text,
    name_tokens text[] NOT NULL DEFAULT '{}',
    name_key text,
    given_name text,
    name_blocks text[] NOT NULL DEFAULT '{}',
    car_key text,
    driver_id text,
    row_hash text NOT NULL,
    decided_hash text,
    run_id bigint,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (source_table, source_pk)
);
CREATE INDEX lead_keys_date_idx ON canon.lead_keys (lead_date);
CREATE INDEX lead_keys_phone_idx ON canon.lead_keys (phone);
CREATE INDEX lead_keys_license_idx ON canon.lead_keys (license);
CREATE INDEX lead_keys_document_idx ON canon.lead_keys (document);
CREATE INDEX lead_keys_license_dni_idx ON canon.lead_keys (license_dni);
CREATE INDEX lead_keys_plate_idx ON canon.lead_keys (plate);
CREATE INDEX lead_keys_name_key_idx ON canon.lead_keys (name_key);
CREATE INDEX lead_keys_car_key_idx ON canon.lead_keys (car_key);
CREATE INDEX lead_keys_driver_idx ON canon.lead_keys (driver_id);

-- Work tables of one run (unlogged, emptied at start and end of canon.run_identity).
-- Records being decided in this run: node ids 1..n.
CREATE UNLOGGED TABLE canon.identity_work_subject (
    node_id integer PRIMARY KEY,
    source_table text NOT NULL,
    source_pk text NOT NULL,
    lead_date date NOT NULL,
    phone text,
    phone_usable boolean NOT NULL DEFAULT false,
    license text,
    document text,
    license_dni text,
    id_keys text[] NOT NULL DEFAULT '{}',
    plate text,
    name_tokens text[] NOT NULL DEFAULT '{}',
    name_key text,
    given_name text,
    name_blocks text[] NOT NULL DEFAULT '{}',
    car_key text,
    driver_id text,
    outcome text,
    entity text,
    match_rule text,
    match_score numeric(5, 2),
    confidence_level text,
    similarity numeric,
    evidence jsonb,
    candidates jsonb,
    label integer,
    person_key uuid,
    new_person boolean NOT NULL DEFAULT false
);

-- Candidate pairs (record, entity): entity is a person_key, or 'D:<driver_id>' for an unlinked driver.
CREATE UNLOGGED TABLE canon.identity_work_pair (
    node_id integer NOT NULL,
    match_rule text NOT NULL,
    entity text NOT NULL,
    person_key uuid,
    driver_id text,
    tier integer NOT NULL DEFAULT 1,
    similarity numeric,
    dropped text,
    key_kind text,
    key_value text
);
CREATE INDEX identity_work_pair_node_idx ON canon.identity_work_pair (node_id);

-- Entities taking part in clustering (node ids after the records') and the graph edges.
CREATE UNLOGGED TABLE canon.identity_work_entity (
    node_id integer PRIMARY KEY,
    entity text NOT NULL UNIQUE,
    person_key uuid,
    driver_id text,
    new_person_key uuid
);

CREATE UNLOGGED TABLE canon.identity_work_edge (
    node_a integer NOT NULL,
    node_b integer NOT NULL,
    match_rule text NOT NULL
);
CREATE INDEX identity_work_edge_a_idx ON canon.identity_work_edge (node_a);

CREATE UNLOGGED TABLE canon.identity_work_node (
    node_id integer PRIMARY KEY,
    label integer NOT NULL
);
