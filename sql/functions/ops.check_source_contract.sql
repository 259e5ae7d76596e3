-- Which raw-source contract columns (docs/rules.md §1) this database lacks. No row = the contract holds.
-- Extra columns in production tables are fine; a missing table or column is reported here.
CREATE OR REPLACE FUNCTION ops.check_source_contract()
RETURNS TABLE (table_name text, column_name text, problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH contract (table_name, column_name) AS (
        SELECT t, unnest(c) FROM (VALUES
            ('module_ct_cabinet_leads', ARRAY['id', 'external_id', 'lead_created_at', 'first_name',
                'middle_name', 'last_name', 'park_phone', 'asset_plate_number', 'asset_model',
                'asset_color', 'activation_city', 'target_city', 'park_name', 'status', 'tariff',
                'active_1', 'active_5', 'active_25', 'last_active_date', 'created_at']),
            ('module_ct_scouting_daily', ARRAY['id', 'registration_date', 'scout_id', 'driver_name',
                'driver_phone', 'driver_license', 'driver_document', 'acquisition_method',
                'created_at', 'updated_at']),
            ('module_ct_migrations', ARRAY['id', 'driver_id', 'driver_name', 'scout_id', 'scout_name',
                'hire_date', 'created_at', 'updated_at']),
            ('drivers', ARRAY['driver_id', 'park_id', 'first_name', 'middle_name', 'last_name',
                'full_name', 'phone', 'license_number', 'license_normalized_number',
                'document_number', 'car_brand', 'car_model', 'car_color', 'car_number',
                'car_normalized_number', 'hire_date', 'fire_date', 'work_status', 'created_at',
                'updated_at']),
            ('summary_daily', ARRAY['driver_id', 'date_file', 'count_orders_completed',
                'sum_work_time_seconds', 'created_at']),
            ('module_ct_cabinet_payments', ARRAY['id', 'date', 'time', 'scout_id', 'driver',
                'driver_id', 'person_key', 'trip_1', 'trip_5', 'trip_25', 'created_at', 'updated_at']),
            ('module_ct_scouts_list', ARRAY['scout_id', 'name', 'is_active'])
        ) AS v (t, c)
    )
    SELECT c.table_name, c.column_name,
           CASE WHEN t.oid IS NULL THEN 'table missing' ELSE 'column missing' END
    FROM contract AS c
    LEFT JOIN pg_catalog.pg_class AS t
           ON t.relname = c.table_name
          AND t.relnamespace = 'public'::regnamespace AND t.relkind IN ('r', 'p', 'v', 'm', 'f')
    LEFT JOIN pg_catalog.pg_attribute AS a
           ON a.attrelid = t.oid AND a.attname = c.column_name AND NOT a.attisdropped
    WHERE a.attname IS NULL
    ORDER BY 1, 2;
$$;
COMMENT ON FUNCTION ops.check_source_contract() IS 'ops.check_source_contract() -> (table_name, column_name, problem): raw contract columns this database lacks';
