-- depends: 0029.claims-sent
-- What observational.refresh_driver_daily_trips() learns of public.summary_daily while it folds it,
-- per delivery day (created_at::date; rows without created_at under '-infinity'): rows, rows whose
-- date_file does not parse, rows that repeat a (driver, day) and lose to another delivery, and the
-- latest trip day delivered (not after the delivery day). The summary_daily health checks read these
-- few rows instead of parsing a week of deliveries again (docs/operations.md). Filled by the first
-- refresh after this migration, which re-reads summary_daily once in full.
SET lock_timeout = '10s';

CREATE TABLE observational.summary_daily_deliveries (
    delivered_on date PRIMARY KEY,
    rows_delivered bigint NOT NULL,
    unparseable bigint NOT NULL,
    repeated bigint NOT NULL,
    latest_trip_date date,
    refreshed_at timestamptz NOT NULL
);
