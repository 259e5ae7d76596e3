-- depends: 0006.identity-index
-- Identity speed (issue 3): what canon.run_identity keeps between runs so that a run with nothing new
-- reads no source row through observational.v_source_leads and normalizes nothing.
-- identity_source_state: per input ('drivers', 'leads') a fingerprint of the raw rows (count and a hash
-- of every row version's xmin and ctid: any insert, update or delete changes it), of the index table the
-- run keeps from them, and (leads) of the view's date bounds; 'leads' also records which lead dates the
-- index is current for under that fingerprint. lead_scan_days: valid records per source and lead date
-- as counted by the last scan of that date (the "scanned" counts of a run that skips the scan).
SET lock_timeout = '10s';

CREATE TABLE canon.identity_source_state (
    input text PRIMARY KEY CHECK (input IN ('drivers', 'leads')),
    fingerprint text NOT NULL,
    covered datemultirange NOT NULL DEFAULT '{}'::datemultirange,
    run_id bigint,
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);

CREATE TABLE canon.lead_scan_days (
    source_table text NOT NULL,
    lead_date date NOT NULL,
    records integer NOT NULL,
    PRIMARY KEY (source_table, lead_date)
);
