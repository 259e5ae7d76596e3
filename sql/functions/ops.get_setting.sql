-- The value of one ops.settings key; an unknown key is an error, never a silent NULL.
CREATE OR REPLACE FUNCTION ops.get_setting(p_key text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_value text;
BEGIN
    IF p_key IS NULL THEN
        RAISE EXCEPTION 'setting key is NULL'
            USING ERRCODE = '22004', HINT = 'Pass one of the keys listed in ops.settings.';
    END IF;
    SELECT s.value INTO v_value FROM ops.settings AS s WHERE s.key = p_key;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown setting %', p_key
            USING ERRCODE = '22023',
                  DETAIL = 'ops.settings has no row with this key.',
                  HINT = 'Run tools/migrate to restore the default settings, or list them: SELECT * FROM ops.settings;';
    END IF;
    RETURN v_value;
END;
$$;
COMMENT ON FUNCTION ops.get_setting(text) IS 'ops.get_setting(p_key text) -> text: one setting value; unknown key raises 22023';
