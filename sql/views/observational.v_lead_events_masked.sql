-- lead_events for readers: every column but payload_json (which carries names as the sources wrote them),
-- and source_pk masked: a loader's external_id is free text and can hold a phone, a document or a name
-- ('DNI 45678912 / 987654321'): ops.mask_source_pk keeps its last 3 characters. id identifies the event.
CREATE VIEW observational.v_lead_events_masked AS
SELECT e.id, e.source_table,
       ops.mask_source_pk(e.source_pk) AS source_pk,
       e.origin, e.event_date, e.person_key, e.scout_id,
       e.created_at, e.updated_at
FROM observational.lead_events AS e;
COMMENT ON VIEW observational.v_lead_events_masked IS 'observational.v_lead_events_masked: lead events without payload_json and with source_pk masked to its last 3 characters, for lead_attribution_reader';
GRANT SELECT ON observational.v_lead_events_masked TO lead_attribution_reader;
