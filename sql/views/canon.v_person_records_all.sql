-- Every record linked to a person, lead record or driver row (removed driver rows included, with the
-- time of their removal), in the one shape canon.compare_levels compares. The cluster-wide veto checks
-- of canon.identity_cluster read it whole (a removed driver still counts against its person's cluster);
-- canon.v_person_records is it without the removed drivers. A link whose record is not indexed has no
-- row. record_date is the lead date or the hire date.
-- Each link probes only the table its record is in: the key of the other is NULL, which an index scan
-- answers without reading a page (a condition on the link beside the key was checked after the probe:
-- at scale 1000 the NAME+DATE veto check spent 5.8 s of 15.7 s probing the drivers for lead records).
CREATE VIEW canon.v_person_records_all AS
SELECT l.person_key, l.source_table, l.source_pk,
       COALESCE(k.phone, d.phone) AS phone, COALESCE(k.id_keys, d.id_keys) AS id_keys,
       COALESCE(k.plate, d.plate) AS plate, COALESCE(k.name_tokens, d.name_tokens) AS name_tokens,
       COALESCE(k.name_given, d.name_given) AS name_given, COALESCE(k.surnames, d.surnames) AS surnames,
       COALESCE(k.two_surnames, d.two_surnames) AS two_surnames, COALESCE(k.lead_date, d.hire_date) AS record_date,
       COALESCE(k.car_key, d.car_key) AS car_key, d.removed_at AS driver_removed_at
FROM canon.identity_links AS l
LEFT JOIN canon.lead_keys AS k
       ON k.source_table = l.source_table
      AND k.source_pk = CASE WHEN l.source_table <> 'drivers' THEN l.source_pk END
LEFT JOIN canon.drivers_index AS d
       ON d.driver_id = CASE WHEN l.source_table = 'drivers' THEN l.source_pk END
WHERE k.source_pk IS NOT NULL OR d.driver_id IS NOT NULL;

COMMENT ON VIEW canon.v_person_records_all IS 'canon.v_person_records_all: every record linked to a person (lead record or driver row, removed drivers included with driver_removed_at) with the fields canon.compare_levels compares';
