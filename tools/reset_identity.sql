-- Start identity over on a benchmark or test database: every person, link, queue row, normalized key,
-- fingerprint and the events and ledger built on them. Never on a database anyone relies on. Used by
-- tools/bench_identity, tools/identity_quality and tests/test_identity.py (one list, kept here). The
-- comparison weights (canon.match_weights) are configuration and stay.
TRUNCATE canon.identity_links, canon.identity_unmatched, canon.person_merges, canon.identity_link_history, canon.lead_keys, canon.phone_groups,
         canon.drivers_index, canon.identity_source_state, canon.lead_scan_days, canon.name_token_variant, canon.name_key,
         observational.lead_events, observational.lead_ledger, observational.populate_state CASCADE;
TRUNCATE canon.identity_registry CASCADE;
