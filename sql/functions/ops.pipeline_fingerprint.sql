-- The fingerprint ops.pipeline_state keeps of a full run: p_inputs (ops.pipeline_inputs() read before
-- the run's work) with each table's change counter moved by what this backend wrote since then
-- (p_pending_now - p_inputs.pending, this backend's unflushed counters, which a procedure does not
-- flush before it ends): the run's own writes are not a change, anyone else's are. With p_pending_now
-- = p_inputs.pending it is the fingerprint of the inputs as read (what a later run compares).
CREATE OR REPLACE FUNCTION ops.pipeline_fingerprint(p_inputs jsonb, p_pending_now jsonb)
RETURNS jsonb
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.jsonb_build_object(
        'server', p_inputs -> 'server',
        'code', p_inputs -> 'code',
        'tables', COALESCE(pg_catalog.jsonb_object_agg(t.key, pg_catalog.jsonb_build_object(
                               'shape', t.value -> 'shape',
                               'changes', (t.value ->> 'changes')::bigint
                                          + COALESCE((p_pending_now ->> t.key)::bigint, 0)
                                          - COALESCE((p_inputs -> 'pending' ->> t.key)::bigint, 0))),
                           '{}'::jsonb))
    FROM pg_catalog.jsonb_each(p_inputs -> 'tables') AS t;
$$;
COMMENT ON FUNCTION ops.pipeline_fingerprint(jsonb, jsonb) IS 'ops.pipeline_fingerprint(p_inputs jsonb, p_pending_now jsonb) -> jsonb {server, code, tables}: the inputs of a pipeline run with its own writes counted in';
