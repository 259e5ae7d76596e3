-- The current Yango payments ledger: the rows of each payment's latest snapshot (latest wins), one per
-- paid milestone. Earlier snapshots stay in ops.yango_payments_ledger as history.
CREATE VIEW ops.v_yango_payments_current AS
SELECT l.ledger_id, l.snapshot_id, l.payment_id, l.milestone_value, l.pay_date, l.driver_id,
       l.person_key, l.match_method, l.match_status, l.ingested_at
FROM ops.yango_payments_ledger AS l
WHERE NOT EXISTS (SELECT FROM ops.yango_payment_snapshots AS newer
                  WHERE newer.payment_id = l.payment_id AND newer.snapshot_id > l.snapshot_id);

COMMENT ON VIEW ops.v_yango_payments_current IS 'ops.v_yango_payments_current: current Yango payment rows (latest snapshot of each payment), one per paid milestone, with identification';
