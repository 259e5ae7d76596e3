-- One entry of ops.run_log.details -> 'steps' for ops.run_pipeline: the step's name, its seconds since
-- p_started (rounded to the millisecond) and its result.
CREATE OR REPLACE FUNCTION ops.pipeline_step(p_step text, p_started timestamptz, p_result jsonb)
RETURNS jsonb
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.jsonb_build_object(
        'step', p_step,
        'seconds', pg_catalog.round(EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - p_started), 3),
        'result', p_result);
$$;
COMMENT ON FUNCTION ops.pipeline_step(text, timestamptz, jsonb) IS 'ops.pipeline_step(p_step text, p_started timestamptz, p_result jsonb) -> jsonb {step, seconds, result}: one step of a run_pipeline log';
