-- depends: 0001.roles-and-schemas
-- The raw source contract (DOMAIN §1). Upstream loaders own these tables; the package only reads them.
-- IF NOT EXISTS: an existing production table (possibly with extra columns) is never touched; a fresh
-- database (demo, tests) gets exactly the columns the package reads. ops.check_source_contract()
-- reports contract columns an existing database lacks.
SET lock_timeout = '10s';

CREATE TABLE IF NOT EXISTS public.module_ct_cabinet_leads (
    id integer PRIMARY KEY,
    external_id varchar,
    lead_created_at timestamp,
    first_name varchar,
    middle_name varchar,
    last_name varchar,
    park_phone varchar,
    asset_plate_number varchar,
    asset_model varchar,
    asset_color varchar,
    activation_city varchar,
    target_city varchar,
    park_name varchar,
    status varchar,
    tariff varchar,
    active_1 boolean,
    active_5 boolean,
    active_25 boolean,
    last_active_date date,
    created_at timestamp
);

CREATE TABLE IF NOT EXISTS public.module_ct_scouting_daily (
    id integer PRIMARY KEY,
    registration_date date,
    scout_id integer,
    driver_name varchar,
    driver_phone varchar,
    driver_license varchar,
    driver_document varchar,
    acquisition_method varchar,
    created_at timestamp,
    updated_at timestamp
);

CREATE TABLE IF NOT EXISTS public.module_ct_migrations (
    id integer PRIMARY KEY,
    driver_id varchar,
    driver_name varchar,
    scout_id integer,
    scout_name varchar,
    hire_date date,
    created_at timestamp,
    updated_at timestamp
);

CREATE TABLE IF NOT EXISTS public.drivers (
    driver_id varchar PRIMARY KEY,
    park_id varchar,
    first_name varchar,
    middle_name varchar,
    last_name varchar,
    full_name varchar,
    phone varchar,
    license_number varchar,
    license_normalized_number varchar,
    document_number varchar,
    car_brand varchar,
    car_model varchar,
    car_color varchar,
    car_number varchar,
    car_normalized_number varchar,
    hire_date date,
    fire_date date,
    work_status varchar,
    created_at timestamp,
    updated_at timestamp
);

CREATE TABLE IF NOT EXISTS public.summary_daily (
    driver_id varchar,
    date_file text,
    count_orders_completed integer,
    sum_work_time_seconds integer,
    created_at timestamp
);

CREATE TABLE IF NOT EXISTS public.module_ct_cabinet_payments (
    id integer PRIMARY KEY,
    date date,
    time varchar,
    scout_id integer,
    driver varchar,
    driver_id varchar,
    person_key uuid,
    trip_1 boolean,
    trip_5 boolean,
    trip_25 boolean,
    created_at timestamp,
    updated_at timestamp
);

CREATE TABLE IF NOT EXISTS public.module_ct_scouts_list (
    scout_id integer PRIMARY KEY,
    name varchar,
    is_active boolean
);
