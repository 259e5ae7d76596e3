-- lead_events for readers: every column but payload_json (which carries names as the sources wrote them).
CREATE VIEW observational.v_lead_events_masked AS
SELECT e.id, e.source_table, e.source_pk, e.origin, e.event_date, e.person_key, e.scout_id,
       e.created_at, e.updated_at
FROM observational.lead_events AS e;
COMMENT ON VIEW observational.v_lead_events_masked IS 'observational.v_lead_events_masked: lead events without payload_json, for lead_attribution_reader';
GRANT SELECT ON observational.v_lead_events_masked TO lead_attribution_reader;
