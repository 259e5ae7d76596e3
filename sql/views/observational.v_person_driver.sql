-- A person's driver (docs/rules.md §6): among the person's identity_links to public.drivers, the driver in the
-- target park first, then the latest hire_date, then the latest link. The target park is read from
-- ops.settings directly (not ops.get_setting) so readers of the published views need no EXECUTE.
CREATE VIEW observational.v_person_driver AS
SELECT DISTINCT ON (l.person_key)
       l.person_key,
       l.source_pk AS driver_id,
       d.park_id,
       d.hire_date,
       COALESCE(NULLIF(pg_catalog.btrim(d.full_name), ''),
                NULLIF(pg_catalog.concat_ws(' ', d.first_name, d.middle_name, d.last_name), '')) AS driver_name
FROM canon.identity_links AS l
LEFT JOIN public.drivers AS d ON d.driver_id = l.source_pk
WHERE l.source_table = 'drivers'
ORDER BY l.person_key,
         (d.park_id IS NOT DISTINCT FROM
             (SELECT s.value FROM ops.settings AS s WHERE s.key = 'target_park_id')) DESC,
         d.hire_date DESC NULLS LAST, l.linked_at DESC, l.source_pk DESC;

COMMENT ON VIEW observational.v_person_driver IS 'observational.v_person_driver: the one driver of each person (target park, then latest hire_date, then latest link)';
