-- The Monday of an ISO week written 'YYYY-Www' ('2026-W49' -> 2026-11-30). NULL -> 22004; anything
-- else than an existing ISO week (bad format, week 00, week 53 of a 52-week year) -> 22023.
CREATE OR REPLACE FUNCTION ops.iso_week_start(p_iso_week text)
RETURNS date
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_start date;
BEGIN
    IF p_iso_week IS NULL THEN
        RAISE EXCEPTION 'iso_week is NULL'
            USING ERRCODE = '22004',
                  DETAIL = 'Money statements are read one ISO week at a time.',
                  HINT = 'Pass a week written like 2026-W49.';
    END IF;
    IF p_iso_week OPERATOR(pg_catalog.~) '^[0-9]{4}-W[0-9]{2}$' THEN
        v_start := pg_catalog.to_date(pg_catalog.substr(p_iso_week, 1, 4) || '-' || pg_catalog.substr(p_iso_week, 7, 2) || '-1',
                                      'IYYY-IW-ID');
    END IF;
    IF v_start IS NULL OR pg_catalog.to_char(v_start, 'IYYY-"W"IW') <> p_iso_week THEN
        RAISE EXCEPTION 'iso_week % is not an ISO week', pg_catalog.left(p_iso_week, 20)
            USING ERRCODE = '22023',
                  DETAIL = 'An ISO week is written YYYY-Www, weeks 01 to 52 or 53, Monday to Sunday.',
                  HINT = 'Write it like 2026-W49; SELECT to_char(current_date, ''IYYY-"W"IW''); gives this week''s.';
    END IF;
    RETURN v_start;
END;
$$;
COMMENT ON FUNCTION ops.iso_week_start(text) IS 'ops.iso_week_start(p_iso_week text) -> date: the Monday of an ISO week YYYY-Www; 22004 on NULL, 22023 on anything else';

