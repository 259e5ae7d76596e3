-- Close an active payment rule: it applies up to and including p_valid_to (docs/money.md). Kept in
-- ops.payment_rules_history (who: the session user, when, the rule before and after, why). Moving the
-- end later is refused when it would overlap another active rule of the same scope, origin and
-- milestone. SECURITY DEFINER: see ops.add_payment_rule (nobody writes ops.payment_rules directly).
CREATE OR REPLACE FUNCTION ops.close_payment_rule(p_id bigint, p_valid_to date, p_note text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off
AS $$
DECLARE
    v_rule ops.payment_rules;
    v_overlap bigint;
BEGIN
    IF p_id IS NULL OR p_valid_to IS NULL OR p_note IS NULL THEN
        RAISE EXCEPTION 'close_payment_rule needs a rule id, a last valid date and a note'
            USING ERRCODE = '22004',
                  DETAIL = 'The rule applies up to and including p_valid_to; the note says why.',
                  HINT = 'SELECT ops.close_payment_rule(3, ''2026-01-31'', ''replaced by the February price'');';
    END IF;
    IF pg_catalog.btrim(p_note) = '' THEN
        RAISE EXCEPTION 'the note of a payment rule change is empty'
            USING ERRCODE = '22023',
                  DETAIL = 'Every change is kept in ops.payment_rules_history with the reason for it.',
                  HINT = 'Say why the rule ends, e.g. ''replaced by the February price''.';
    END IF;
    LOCK TABLE ops.payment_rules IN SHARE ROW EXCLUSIVE MODE;
    SELECT r.* INTO v_rule FROM ops.payment_rules AS r WHERE r.id = p_id AND r.is_active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active payment rule %', p_id
            USING ERRCODE = '22023',
                  DETAIL = 'Only an active rule of ops.payment_rules can be closed.',
                  HINT = 'SELECT id, scope, origin, milestone_type, milestone_value, valid_from, valid_to FROM ops.payment_rules WHERE is_active ORDER BY id;';
    END IF;
    IF p_valid_to < v_rule.valid_from THEN
        RAISE EXCEPTION 'payment rule % cannot end before it starts', p_id
            USING ERRCODE = '22023',
                  DETAIL = pg_catalog.format('Rule %s starts %s; p_valid_to is %s.', p_id, v_rule.valid_from, p_valid_to),
                  HINT = 'Pass a date on or after its valid_from.';
    END IF;
    SELECT r.id INTO v_overlap FROM ops.payment_rules AS r
    WHERE r.is_active AND r.id <> p_id AND r.scope = v_rule.scope AND r.origin = v_rule.origin
      AND r.milestone_type = v_rule.milestone_type AND r.milestone_value = v_rule.milestone_value
      AND pg_catalog.daterange(r.valid_from, r.valid_to, '[]') OPERATOR(pg_catalog.&&) pg_catalog.daterange(v_rule.valid_from, p_valid_to, '[]')
    ORDER BY r.id LIMIT 1;
    IF v_overlap IS NOT NULL THEN
        RAISE EXCEPTION 'payment rule % cannot end %: active rule % covers some of these dates', p_id, p_valid_to, v_overlap
            USING ERRCODE = '22023',
                  DETAIL = 'Only one active rule per scope, origin and milestone may apply on a date.',
                  HINT = 'Pass an earlier date, or close the other rule first.';
    END IF;
    IF p_valid_to IS DISTINCT FROM v_rule.valid_to THEN
        UPDATE ops.payment_rules AS r SET valid_to = p_valid_to WHERE r.id = p_id;
        INSERT INTO ops.payment_rules_history (rule_id, action, old_rule, new_rule, note)
        SELECT p_id, 'close', pg_catalog.to_jsonb(v_rule), pg_catalog.to_jsonb(r), p_note
        FROM ops.payment_rules AS r WHERE r.id = p_id;
    END IF;
END;
$$;
COMMENT ON FUNCTION ops.close_payment_rule(bigint, date, text) IS 'ops.close_payment_rule(p_id bigint, p_valid_to date, p_note text): end an active payment rule on p_valid_to, kept in ops.payment_rules_history';
