-- What ops.run_pipeline() reads, as counters that move when it changes - without reading one row:
--   tables   every raw source table, and every permanent table of canon, observational and ops except
--            the logs and the fast path's own state (ops.run_log, ops.health_history,
--            ops.pipeline_state, ops.health_check_cache). Per table: its shape (kind, oid and
--            relfilenode of it or of each partition: TRUNCATE, a rewrite, a drop and re-create change
--            it) and its changes (pg_stat tuples inserted + updated + deleted, the shared counters plus
--            this backend's own not yet flushed ones). A view or foreign table has no counters: its
--            shape says 'unsupported'.
--   pending  this backend's not yet flushed part of changes, per table (what a run wrote itself)
--   server   postmaster start time and the database's statistics reset time: counters restart then
--   code     digest of the package's functions and views (ops.code_digest): a migrate changes it
-- Only catalogs and counters are read, and no table is locked: a run never waits here.
--   track_counts  the setting; when off, nothing moves the counters
-- Counters of other backends are flushed when they go idle (PostgreSQL 15: at once, or within ~10 s
-- when they flushed less than a second before; a backend that never goes idle, within a long
-- procedure, only at its end), so a committed change can show here a run later. Counters also move
-- for rows of aborted transactions (a needless full run, never a missed change).
CREATE OR REPLACE FUNCTION ops.pipeline_inputs()
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
    WITH watched AS (
        SELECT r.name AS relation, pg_catalog.to_regclass(r.name) AS oid
        FROM (VALUES ('public.module_ct_cabinet_leads'), ('public.module_ct_scouting_daily'),
                     ('public.module_ct_migrations'), ('public.drivers'), ('public.summary_daily'),
                     ('public.module_ct_cabinet_payments'), ('public.module_ct_scouts_list')) AS r (name)
        UNION ALL
        SELECT c.oid::regclass::text, c.oid::regclass
        FROM pg_catalog.pg_class AS c
        WHERE c.relnamespace IN (SELECT n.oid FROM pg_catalog.pg_namespace AS n
                                 WHERE n.nspname IN ('canon', 'observational', 'ops'))
          AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
          AND c.oid::regclass::text NOT IN ('ops.run_log', 'ops.health_history', 'ops.pipeline_state',
                                            'ops.health_check_cache')
    ),
    leaves AS (  -- the table itself, or the leaf partitions of a partitioned one
        SELECT w.relation, c.oid, c.relkind, c.relfilenode
        FROM watched AS w
        CROSS JOIN LATERAL (SELECT w.oid AS relid
                            UNION
                            SELECT t.relid FROM pg_catalog.pg_partition_tree(w.oid) AS t WHERE t.isleaf) AS x
        JOIN pg_catalog.pg_class AS c ON c.oid = x.relid AND c.relkind <> 'p'
    ),
    per_table AS (
        SELECT w.relation,
               CASE WHEN w.oid IS NULL THEN 'missing'
                    WHEN pg_catalog.bool_or(l.relkind <> 'r')
                    THEN 'unsupported:' || pg_catalog.string_agg(DISTINCT l.relkind::text, '')
                    ELSE COALESCE(pg_catalog.string_agg(l.oid::text || '.' || l.relfilenode::text, ',' ORDER BY l.oid),
                                  'no partitions')
               END AS shape,
               COALESCE(pg_catalog.sum(pg_catalog.pg_stat_get_tuples_inserted(l.oid)
                                       + pg_catalog.pg_stat_get_tuples_updated(l.oid)
                                       + pg_catalog.pg_stat_get_tuples_deleted(l.oid)), 0)::bigint AS shared,
               COALESCE(pg_catalog.sum(pg_catalog.pg_stat_get_xact_tuples_inserted(l.oid)
                                       + pg_catalog.pg_stat_get_xact_tuples_updated(l.oid)
                                       + pg_catalog.pg_stat_get_xact_tuples_deleted(l.oid)), 0)::bigint AS pending
        FROM watched AS w
        LEFT JOIN leaves AS l ON l.relation = w.relation
        GROUP BY w.relation, w.oid
    )
    SELECT pg_catalog.jsonb_build_object(
        'tables', (SELECT pg_catalog.jsonb_object_agg(t.relation, pg_catalog.jsonb_build_object(
                              'shape', t.shape, 'changes', t.shared + t.pending))
                   FROM per_table AS t),
        'pending', (SELECT pg_catalog.jsonb_object_agg(t.relation, t.pending) FROM per_table AS t),
        'server', pg_catalog.concat_ws(' / ', pg_catalog.pg_postmaster_start_time(),
                                       pg_catalog.pg_stat_get_db_stat_reset_time(
                                           (SELECT d.oid FROM pg_catalog.pg_database AS d
                                            WHERE d.datname = pg_catalog.current_database()))),
        'code', ops.code_digest(),
        'track_counts', pg_catalog.current_setting('track_counts'));
$$;
COMMENT ON FUNCTION ops.pipeline_inputs() IS 'ops.pipeline_inputs() -> jsonb {tables: {<relation>: {shape, changes}}, pending, server, code, track_counts}: change counters of everything the pipeline reads, without reading a row';
