-- Mask every run of 6 or more digits but its last 3: error texts logged or re-raised by jobs may
-- quote a value, and a phone or document must never reach run logs or cron.job_run_details.
CREATE OR REPLACE FUNCTION ops.mask_digits(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.regexp_replace(p_text, '[0-9]{3,}([0-9]{3})', '***\1', 'g');
$$;
COMMENT ON FUNCTION ops.mask_digits(text) IS 'ops.mask_digits(p_text) -> text: runs of 6+ digits masked to their last 3';
