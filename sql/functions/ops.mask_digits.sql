-- Mask every number of 6 or more digits but its last 3: error texts logged or re-raised by jobs may
-- quote a value, and a phone or document must never reach run logs or cron.job_run_details. A number
-- is a run of digits or a formatted one, its digit groups joined by one space, dash or dot, or by an
-- area code in parentheses, optionally after a '+': '+51 987 654 321', '4567-8912', '(01) 456-7890'
-- and '987.654.321' all become '***' and their last 3 digits. ISO dates ('2026-01-07', optionally with
-- the hour) are not identifiers and stay readable. Tokens are matched in order and glued back
-- (regexp_matches ... WITH ORDINALITY), each number judged by its digits alone.
CREATE OR REPLACE FUNCTION ops.mask_digits(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE(pg_catalog.string_agg(
               CASE WHEN m.part[1] IS NULL THEN m.part[2]
                    WHEN pg_catalog.length(pg_catalog.regexp_replace(m.part[1], '[^0-9]', '', 'g')) < 6
                         OR m.part[1] OPERATOR(pg_catalog.~) '^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2})?$'
                    THEN m.part[1]
                    ELSE '***' || pg_catalog.right(pg_catalog.regexp_replace(m.part[1], '[^0-9]', '', 'g'), 3) END,
               '' ORDER BY m.ord), '')
    FROM pg_catalog.regexp_matches(
             p_text, '((?:\+|\([0-9]+\) ?)?[0-9]+(?:(?:[ .-]|\) ?| ?\()[0-9]+)*)|([^0-9+(]+|[+(])', 'g')
         WITH ORDINALITY AS m (part, ord);
$$;
COMMENT ON FUNCTION ops.mask_digits(text) IS 'ops.mask_digits(p_text) -> text: numbers of 6+ digits, plain or formatted (+51 987 654 321, 4567-8912, (01) 456-7890, 987.654.321), masked to their last 3; ISO dates kept';
