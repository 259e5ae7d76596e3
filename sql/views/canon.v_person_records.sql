-- Every record linked to a person, lead record or driver row, in the one shape canon.compare_levels
-- compares: the person-wide veto checks of the decision stages read a person's records through it
-- (canon.identity_decide_rules, canon.identity_link_names, canon.identity_link_drivers). A removed driver
-- row, or a link whose record is not indexed, has no row. record_date is the lead date or the hire date.
-- canon.v_person_records_all without the removed drivers (it holds the joins and why they are written so).
CREATE VIEW canon.v_person_records AS
SELECT r.person_key, r.source_table, r.source_pk, r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given,
       r.surnames, r.two_surnames, r.record_date, r.car_key
FROM canon.v_person_records_all AS r
WHERE r.driver_removed_at IS NULL;

COMMENT ON VIEW canon.v_person_records IS 'canon.v_person_records: every record linked to a person (lead record or driver row) with the fields canon.compare_levels compares';
