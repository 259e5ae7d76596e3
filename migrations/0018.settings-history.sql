-- depends: 0015.identity-work-unused-columns
-- Who changed a setting or a payment rule, when, from what to what and why: people change them only
-- through ops.set_setting, ops.add_payment_rule and ops.close_payment_rule, which write these rows.
-- New tables only: nothing is moved or locked.
SET lock_timeout = '10s';
CREATE TABLE ops.settings_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text NOT NULL,
    old_value text,
    new_value text NOT NULL,
    changed_by text NOT NULL DEFAULT session_user,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    note text NOT NULL
);
CREATE INDEX settings_history_key_idx ON ops.settings_history (key, changed_at);
COMMENT ON TABLE ops.settings_history IS 'one row per change of ops.settings made through ops.set_setting: who (session user), when, old and new value, why';

CREATE TABLE ops.payment_rules_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_id bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('add', 'close')),
    old_rule jsonb,
    new_rule jsonb NOT NULL,
    changed_by text NOT NULL DEFAULT session_user,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    note text NOT NULL
);
CREATE INDEX payment_rules_history_rule_idx ON ops.payment_rules_history (rule_id, changed_at);
COMMENT ON TABLE ops.payment_rules_history IS 'one row per payment rule added or closed through ops.add_payment_rule / ops.close_payment_rule: who (session user), when, the rule before and after, why';
