-- Add a payment rule (docs/money.md): scope partner|scout, origin cabinet|scouting|fleet_migration,
-- milestone trips 1|5|25 or connection 1, window in days, amount >= 0 in a 3-letter currency, valid
-- from p_valid_from to p_valid_to (NULL: open-ended). Refused while an active rule for the same scope,
-- origin and milestone overlaps those dates: close it first (ops.close_payment_rule). Kept in
-- ops.payment_rules_history (who: the session user, when, the rule, why). Returns the rule id.
-- SECURITY DEFINER (owner lead_attribution_owner): people and the job may not write ops.payment_rules
-- directly; every amount the money chain pays or claims comes from it.
CREATE OR REPLACE FUNCTION ops.add_payment_rule(p_scope text, p_origin text, p_milestone_type text,
                                                p_milestone_value integer, p_window_days integer,
                                                p_amount numeric, p_valid_from date, p_note text,
                                                p_valid_to date DEFAULT NULL, p_currency text DEFAULT 'PEN')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_problem text;
    v_overlap bigint;
    v_id bigint;
BEGIN
    IF p_scope IS NULL OR p_origin IS NULL OR p_milestone_type IS NULL OR p_milestone_value IS NULL
       OR p_window_days IS NULL OR p_amount IS NULL OR p_valid_from IS NULL OR p_note IS NULL OR p_currency IS NULL THEN
        RAISE EXCEPTION 'add_payment_rule needs every argument but p_valid_to'
            USING ERRCODE = '22004',
                  DETAIL = 'A rule without scope, origin, milestone, window, amount, start date or note cannot be applied or audited.',
                  HINT = 'SELECT ops.add_payment_rule(''partner'', ''cabinet'', ''trips'', 5, 14, 35.00, ''2026-01-01'', ''new Yango price'');';
    END IF;
    v_problem := CASE
        WHEN p_scope NOT IN ('partner', 'scout') THEN 'scope must be partner or scout'
        WHEN p_origin NOT IN ('cabinet', 'scouting', 'fleet_migration') THEN 'origin must be cabinet, scouting or fleet_migration'
        WHEN NOT (p_milestone_type = 'trips' AND p_milestone_value IN (1, 5, 25)
                  OR p_milestone_type = 'connection' AND p_milestone_value = 1)
            THEN 'milestone must be trips 1, 5 or 25, or connection 1'
        WHEN p_window_days NOT BETWEEN 1 AND 3660 THEN 'window_days must be 1..3660'
        WHEN p_amount < 0 OR p_amount >= 10000000000 THEN 'amount must be 0 or more (and below 10^10)'
        WHEN p_currency OPERATOR(pg_catalog.!~) '^[A-Z]{3}$' THEN 'currency must be a 3-letter code such as PEN'
        WHEN p_valid_to < p_valid_from THEN 'valid_to must not be before valid_from'
        WHEN pg_catalog.btrim(p_note) = '' THEN 'the note is empty'
        END;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION 'payment rule refused: %', v_problem
            USING ERRCODE = '22023',
                  DETAIL = 'The money chain applies ops.payment_rules as they are; a wrong rule pays or claims wrong amounts.',
                  HINT = 'See docs/money.md for the rules; the current ones: SELECT * FROM ops.payment_rules ORDER BY id;';
    END IF;
    -- one writer of rules at a time: the overlap test below then sees every committed rule
    LOCK TABLE ops.payment_rules IN SHARE ROW EXCLUSIVE MODE;
    SELECT r.id INTO v_overlap FROM ops.payment_rules AS r
    WHERE r.is_active AND r.scope = p_scope AND r.origin = p_origin AND r.milestone_type = p_milestone_type
      AND r.milestone_value = p_milestone_value
      AND pg_catalog.daterange(r.valid_from, r.valid_to, '[]') OPERATOR(pg_catalog.&&) pg_catalog.daterange(p_valid_from, p_valid_to, '[]')
    ORDER BY r.id LIMIT 1;
    IF v_overlap IS NOT NULL THEN
        RAISE EXCEPTION 'payment rule refused: active rule % covers some of these dates', v_overlap
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('Only one active rule per scope, origin and milestone may apply on a date (%s %s %s %s).',
                                             p_scope, p_origin, p_milestone_type, p_milestone_value),
                  HINT = pg_catalog.format('Close it the day before: SELECT ops.close_payment_rule(%s, %L, ''replaced'');',
                                           v_overlap, p_valid_from - 1);
    END IF;
    INSERT INTO ops.payment_rules (scope, origin, milestone_type, milestone_value, window_days, amount, currency,
                                   valid_from, valid_to, note)
    VALUES (p_scope, p_origin, p_milestone_type, p_milestone_value, p_window_days, p_amount, p_currency,
            p_valid_from, p_valid_to, p_note)
    RETURNING id INTO v_id;
    INSERT INTO ops.payment_rules_history (rule_id, action, old_rule, new_rule, note)
    SELECT v_id, 'add', NULL, pg_catalog.to_jsonb(r), p_note FROM ops.payment_rules AS r WHERE r.id = v_id;
    RETURN v_id;
END;
$$;
COMMENT ON FUNCTION ops.add_payment_rule(text, text, text, integer, integer, numeric, date, text, date, text) IS 'ops.add_payment_rule(p_scope, p_origin, p_milestone_type, p_milestone_value, p_window_days, p_amount, p_valid_from, p_note, p_valid_to DEFAULT NULL, p_currency DEFAULT ''PEN'') -> bigint: add a checked payment rule, kept in ops.payment_rules_history';
