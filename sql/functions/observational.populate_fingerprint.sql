-- A fingerprint of every input of observational.lead_events and observational.lead_ledger, as
-- populate_lead_events compares it between calls: the raw lead tables' row versions as identity last
-- fingerprinted them (canon.identity_source_state 'leads', refreshed by every canon.run_identity, with
-- the view's date bounds), the links (a new link, a re-pointed one through a merge), the merges, the
-- events, rejects and ledger row counts (a manual TRUNCATE or DELETE), the settings and the package's
-- code (a migrate that changes the events' or the ledger's rules). Any change of one makes the next call
-- scan its range again. Counts, no row hash (~0.1 s per million rows): an UPDATE by hand of an event or
-- a ledger row is not seen; DELETE FROM observational.populate_state, or CALL ops.run_pipeline(true),
-- makes the next call scan. Timestamps as epochs: the same whatever the session's TimeZone/DateStyle.
CREATE OR REPLACE FUNCTION observational.populate_fingerprint()
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.concat_ws(':', 'v1',
        (SELECT st.fingerprint FROM canon.identity_source_state AS st WHERE st.input = 'leads'),
        (SELECT pg_catalog.count(*)::text || '/' || COALESCE(pg_catalog.max(l.link_id), 0)::text || '/'
                || COALESCE(pg_catalog.max(extract(epoch FROM l.linked_at))::text, '')
         FROM canon.identity_links AS l),
        (SELECT pg_catalog.count(*)::text || '/' || COALESCE(pg_catalog.max(extract(epoch FROM m.merged_at))::text, '')
         FROM canon.person_merges AS m),
        (SELECT pg_catalog.count(*) FROM observational.lead_events AS e),
        (SELECT pg_catalog.count(*) FROM observational.lead_event_rejects AS r),
        (SELECT pg_catalog.count(*) FROM observational.lead_ledger AS g),
        (SELECT pg_catalog.md5(pg_catalog.string_agg(s.key || '=' || s.value, ',' ORDER BY s.key))
         FROM ops.settings AS s),
        ops.code_digest());
$$;
COMMENT ON FUNCTION observational.populate_fingerprint() IS 'observational.populate_fingerprint() -> text: fingerprint of the inputs of lead_events and lead_ledger (lead row versions, links, merges, row counts, settings, code)';
