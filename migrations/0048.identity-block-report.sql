-- depends: 0047.name-key-dictionary
-- The candidate-pairs stage reports what the car + name blocks' cap left out (docs/identity.md,
-- "Blocking"): canon.identity_block returns jsonb instead of a count. Its old signature is an internal
-- stage of canon.run_identity, executable by the owner only (no other caller breaks); the code load right
-- after this migration creates the new one. No data moves.
SET lock_timeout = '10s';

-- squawk-ignore ban-drop-function
DROP FUNCTION IF EXISTS canon.identity_block(bigint, text, numeric, jsonb, numeric);
