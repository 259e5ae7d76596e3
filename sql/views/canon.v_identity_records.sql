-- Every record identity compares (docs/identity.md), with the fields canon.compare_levels reads and its
-- person: the normalized lead records (canon.lead_keys; date = lead date) and the drivers still in
-- public.drivers (canon.drivers_index; date = hire date). Read by canon.explain_match.
CREATE VIEW canon.v_identity_records AS
SELECT k.source_table, k.source_pk, k.phone, k.license, k.document, k.id_keys, k.plate, k.name_tokens, k.name_given AS given_name, k.surnames,
       k.two_surnames, k.lead_date AS record_date, k.car_key, NULL::text AS driver_id, l.person_key, l.match_rule
FROM canon.lead_keys AS k
LEFT JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
UNION ALL
SELECT 'drivers', d.driver_id, d.phone, d.license, d.document, d.id_keys, d.plate, d.name_tokens, d.name_given, d.surnames,
       d.two_surnames, d.hire_date, d.car_key, d.driver_id, l.person_key, l.match_rule
FROM canon.drivers_index AS d
LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
WHERE d.removed_at IS NULL;
COMMENT ON VIEW canon.v_identity_records IS 'canon.v_identity_records (source_table, source_pk, phone, license, document, id_keys, plate, name_tokens, given_name, surnames, two_surnames, record_date, car_key, driver_id, person_key, match_rule): the records identity compares, with their person';
