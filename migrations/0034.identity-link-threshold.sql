-- depends: 0033.identity-decisions
-- link_threshold 0.99 -> 0.95 where it still holds the old default and no operator ever set it (no row
-- in ops.settings_history): chosen on the sample generator's development seeds 1 and 2 for the
-- decisions by probability (docs/identity.md "Settings" and "Quality"). The change is recorded in the
-- settings history like an operator's.
SET lock_timeout = '10s';

WITH changed AS (
    UPDATE ops.settings AS s SET value = '0.95'
    WHERE s.key = 'link_threshold' AND s.value = '0.99'
      AND NOT EXISTS (SELECT 1 FROM ops.settings_history AS h WHERE h.key = 'link_threshold')
    RETURNING s.key
)
INSERT INTO ops.settings_history (key, old_value, new_value, changed_by, note)
SELECT c.key, '0.99', '0.95', 'migration 0034',
       'default for the decisions by probability, chosen on development data (docs/identity.md)'
FROM changed AS c;
