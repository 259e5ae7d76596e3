-- Change one setting: the value is checked against ops.setting_rules() (kind and range of the key), the
-- change is kept in ops.settings_history (who: the session user, when, old, new, why). Setting the
-- value it already has changes nothing and adds no history. Returns the previous value.
-- SECURITY DEFINER (owner lead_attribution_owner): people (lead_attribution_writer) and the job may not
-- write ops.settings directly; a wrong value (a typo'd timezone, a negative window) would stop or bend
-- every later run, and nobody could tell who changed what.
CREATE OR REPLACE FUNCTION ops.set_setting(p_key text, p_value text, p_note text)
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_old text;
    v_kind text;
    v_min numeric;
    v_max numeric;
    v_date date;
    v_problem text;
BEGIN
    IF p_key IS NULL OR p_value IS NULL OR p_note IS NULL THEN
        RAISE EXCEPTION 'set_setting needs a key, a value and a note'
            USING ERRCODE = '22004',
                  DETAIL = 'Every change is kept in ops.settings_history with the reason for it.',
                  HINT = 'SELECT ops.set_setting(''lookback_days'', ''5'', ''late deliveries this week'');';
    END IF;
    IF pg_catalog.btrim(p_note) = '' THEN
        RAISE EXCEPTION 'the note of a setting change is empty'
            USING ERRCODE = '22023',
                  DETAIL = 'Every change is kept in ops.settings_history with the reason for it.',
                  HINT = 'Say why the value changes, e.g. ''late deliveries this week''.';
    END IF;
    SELECT s.value INTO v_old FROM ops.settings AS s WHERE s.key = p_key FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown setting %', pg_catalog.left(p_key, 100)
            USING ERRCODE = '22023',
                  DETAIL = 'ops.settings has no row with this key.',
                  HINT = 'List the settings and what they accept: SELECT s.key, s.value, s.description, r.kind, r.min_value, r.max_value FROM ops.settings AS s LEFT JOIN ops.setting_rules() AS r USING (key) ORDER BY s.key;';
    END IF;
    SELECT r.kind, r.min_value, r.max_value INTO v_kind, v_min, v_max FROM ops.setting_rules() AS r
    WHERE r.key = p_key;
    -- a key without a rule keeps the kind its current value has
    v_kind := COALESCE(v_kind, CASE WHEN v_old OPERATOR(pg_catalog.~) '^[0-9]{1,9}$' THEN 'integer'
                                    WHEN v_old OPERATOR(pg_catalog.~) '^[0-9]{1,12}(\.[0-9]{1,12})?$' THEN 'number'
                                    WHEN v_old OPERATOR(pg_catalog.~) '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN 'date'
                                    ELSE 'text' END);
    -- one test at a time (IF, not CASE): a cast is tried only after its pattern matched
    IF v_kind = 'integer' AND p_value OPERATOR(pg_catalog.!~) '^[0-9]{1,9}$' THEN
        v_problem := 'is not a whole number of at most 9 digits';
    ELSIF v_kind = 'number' AND p_value OPERATOR(pg_catalog.!~) '^[0-9]{1,12}(\.[0-9]{1,12})?$' THEN
        v_problem := 'is not a decimal number such as 0.5';
    ELSIF v_kind = 'date' AND p_value OPERATOR(pg_catalog.!~) '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
        v_problem := 'is not a date YYYY-MM-DD';
    ELSIF v_kind = 'timezone' AND NOT EXISTS (SELECT FROM pg_catalog.pg_timezone_names AS z WHERE z.name = p_value) THEN
        v_problem := 'is not a time zone name of pg_timezone_names, e.g. America/Lima';
    ELSIF v_kind = 'text' AND (p_value = '' OR p_value <> pg_catalog.btrim(p_value) OR pg_catalog.length(p_value) > 200) THEN
        v_problem := 'is empty, has surrounding blanks or is longer than 200 characters';
    ELSIF v_kind IN ('integer', 'number') THEN
        IF p_value::numeric < v_min OR p_value::numeric > v_max THEN
            v_problem := pg_catalog.format('is outside %s..%s', v_min, v_max);
        END IF;
    END IF;
    IF v_problem IS NULL AND v_kind = 'date' THEN
        BEGIN
            v_date := p_value::date;
        EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
            v_problem := 'is not a calendar date';
        END;
        IF v_problem IS NULL AND (v_date < DATE '2000-01-01' OR v_date > ops.today()) THEN
            v_problem := 'is not between 2000-01-01 and today';
        END IF;
    END IF;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'setting % refused: the value %', p_key, v_problem
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('%s takes a value of kind %s%s; the current value stays %s.', p_key, v_kind,
                                             CASE WHEN v_min IS NOT NULL THEN pg_catalog.format(' in %s..%s', v_min, v_max) ELSE '' END,
                                             v_old),
                  HINT = 'SELECT * FROM ops.setting_rules() WHERE key = ' || pg_catalog.quote_literal(p_key) || ';';
    END IF;
    IF p_value IS DISTINCT FROM v_old THEN
        UPDATE ops.settings AS s SET value = p_value WHERE s.key = p_key;
        INSERT INTO ops.settings_history (key, old_value, new_value, note)
        VALUES (p_key, v_old, p_value, p_note);
    END IF;
    RETURN v_old;
END;
$$;
COMMENT ON FUNCTION ops.set_setting(text, text, text) IS 'ops.set_setting(p_key text, p_value text, p_note text) -> text: change one setting after checking it (ops.setting_rules), kept in ops.settings_history; returns the previous value';
