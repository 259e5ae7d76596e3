-- The package's roles and schemas. Roles are cluster-wide: created only when missing, never altered
-- here (their grants are code, re-applied from sql/schema/grants.sql on every migrate).
SET lock_timeout = '10s';

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'lead_attribution_owner') THEN
        CREATE ROLE lead_attribution_owner NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'lead_attribution_job') THEN
        CREATE ROLE lead_attribution_job LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'lead_attribution_writer') THEN
        CREATE ROLE lead_attribution_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'lead_attribution_reader') THEN
        CREATE ROLE lead_attribution_reader NOLOGIN;
    END IF;
END
$roles$;

CREATE SCHEMA IF NOT EXISTS canon;
CREATE SCHEMA IF NOT EXISTS observational;
CREATE SCHEMA IF NOT EXISTS ops;
COMMENT ON SCHEMA canon IS 'lead-attribution: identity (normalized keys, persons, links, unmatched queue)';
COMMENT ON SCHEMA observational IS 'lead-attribution: lead events, attribution ledger, conversion metrics';
COMMENT ON SCHEMA ops IS 'lead-attribution: settings, runs, payments, receivables, health';
