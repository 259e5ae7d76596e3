-- depends: 0022.money-statements
-- One ISO week of ops.v_yango_statement reads only that week: the receivable's leads of the week from an
-- index holding the columns the statement counts (an index-only scan once vacuumed), and the payments
-- matching no claim of the week of their pay date through an index on that week. The week is written
-- with immutable functions (to_char is not), exactly as ops.v_yango_payments_unclaimed computes it, so
-- the planner matches the view's filter with the index.
-- Both tables are written by the pipeline only (one run at a time): a short block while the indexes
-- build is harmless, and a transactional migration stays all-or-nothing.
SET lock_timeout = '10s';

-- squawk-ignore require-concurrent-index-creation
CREATE INDEX cabinet_receivable_week_leads_idx ON ops.cabinet_receivable (iso_week) INCLUDE (person_key, driver_id);
-- the new index serves every read of the old one
-- squawk-ignore require-concurrent-index-deletion
DROP INDEX ops.cabinet_receivable_week_idx;
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX yango_payments_ledger_pay_week_idx ON ops.yango_payments_ledger (
    ((EXTRACT(ISOYEAR FROM pay_date))::integer::text || '-W' || pg_catalog.lpad((EXTRACT(WEEK FROM pay_date))::integer::text, 2, '0')));
