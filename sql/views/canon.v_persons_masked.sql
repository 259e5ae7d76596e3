-- Persons for readers: phone masked to its last 3 digits, no licence or document number, and how many
-- records of each source are linked to the person.
CREATE VIEW canon.v_persons_masked AS
SELECT r.person_key,
       canon.mask_identifier(r.primary_phone) AS phone_masked,
       r.primary_full_name AS full_name,
       r.confidence_level,
       r.merged_into,
       (SELECT pg_catalog.jsonb_object_agg(l.source_table, l.n)
        FROM (SELECT k.source_table, pg_catalog.count(*) AS n FROM canon.identity_links AS k
              WHERE k.person_key = r.person_key GROUP BY k.source_table) AS l) AS links_by_source,
       r.created_at, r.updated_at
FROM canon.identity_registry AS r;
COMMENT ON VIEW canon.v_persons_masked IS 'canon.v_persons_masked: persons with the phone masked to its last 3 digits and no licence or document, for lead_attribution_reader';
GRANT SELECT ON canon.v_persons_masked TO lead_attribution_reader;
-- functions in a view run with the privileges of the querying role
GRANT EXECUTE ON FUNCTION canon.mask_identifier(text) TO lead_attribution_reader;
