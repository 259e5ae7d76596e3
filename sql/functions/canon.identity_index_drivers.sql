-- Stage 1 of canon.run_identity: canon.drivers_index, the normalized keys of public.drivers. New and
-- changed drivers (row hash) are normalized; drivers that left public.drivers are marked removed. Skipped
-- when public.drivers has no new row version since the last refresh (fingerprint of every row's xmin and
-- ctid, taken before reading) and drivers_index is the table file the last refresh left (a TRUNCATE or a
-- rewrite gives it another).
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_index_drivers(p_run_id bigint, p_target text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_fp_raw text;
    v_fp_stored text;
    v_raw_rows bigint;
    v_index_rows bigint;
    v_index_file text;
    v_index_defs text[];
    v_drivers_indexed bigint;
    v_drivers_changed bigint;
    v_drivers_removed bigint;
BEGIN
    -- v4: names folded by unaccent (canon.normalize_name); a new version makes an upgraded database re-normalize every row once.
    -- r: row versions kept (migration 0042): an upgraded database reads every row once to store them
    SELECT 'v4r:' || COALESCE(p_target, '') || ':' || v.row_count::text || ':' || v.versions_hash::text, v.row_count
    INTO v_fp_raw, v_raw_rows
    FROM canon.row_versions('public.drivers'::regclass) AS v;
    -- the index table as the last run left it: emptied (tools/reset_identity.sql truncates it) or rewritten,
    -- it has another file (counting its rows was a quarter of a run with nothing new at scale 1000)
    v_index_file := pg_catalog.pg_relation_filenode('canon.drivers_index'::pg_catalog.regclass)::text;
    SELECT st.fingerprint INTO v_fp_stored FROM canon.identity_source_state AS st WHERE st.input = 'drivers';
    IF v_fp_stored IS NOT DISTINCT FROM v_fp_raw || ':' || v_index_file THEN
        v_drivers_changed := 0;
        v_drivers_removed := 0;
        -- unchanged since the last run: its count of indexed drivers holds (a count reads every driver,
        -- 0.8 s of a run with nothing new at scale 1000)
        SELECT (r.details -> 'drivers' ->> 'indexed')::bigint INTO v_drivers_indexed
        FROM ops.run_log AS r
        WHERE r.job = 'run_identity' AND r.status = 'succeeded' AND r.run_id < p_run_id
        ORDER BY r.run_id DESC LIMIT 1;
    ELSE
        SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.drivers_index AS i;
        -- a first load (the index holds under half the drivers): build the secondary indexes once
        -- after the insert instead of maintaining them row by row (3x faster at 300k drivers)
        v_index_defs := NULL;
        IF v_raw_rows >= 1000 AND v_index_rows < v_raw_rows / 2 THEN
            v_index_defs := canon.drop_secondary_indexes('canon.drivers_index'::regclass);
        END IF;
        PERFORM 'PRAGMA:TABLE: identity_driver_keys (driver_id text, park_id text, first_name text, car text, hire_date date, row_hash text, row_version bigint, phone text, license text, document text, plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, license_dni text, name_blocks text[])';
        -- First the drivers whose raw row version (tableoid, xmin, ctid and whether the driver is in the
        -- target park, hashed with seed 4: the row hash's version) differs from the one they were read
        -- from, or that were removed, with their row hash and the index's (known_hash, removed_at): an
        -- unchanged row is not hashed again (an md5 of every driver was most of a 1 % run's read). A
        -- CREATE TABLE AS, which may read every driver in parallel workers (an INSERT may not).
        PERFORM 'PRAGMA:TABLE: identity_driver_raw (driver_id text, park_id text, full_name text, first_name text, last_name text, phone text, license text, document text, plate text, car text, hire_date date, row_version bigint, known_hash text, removed_at timestamptz, row_hash text)';
        CREATE TEMP TABLE identity_driver_raw ON COMMIT DROP AS
        SELECT s.driver_id, s.park_id, s.full_name, s.first_name, s.last_name, s.phone, s.license, s.document,
               s.plate, s.car, s.hire_date, s.row_version, s.known_hash, s.removed_at,
               -- v4: names folded by unaccent (canon.normalize_name)
               pg_catalog.md5(ROW('v4', s.park_id IS NOT DISTINCT FROM p_target, s.park_id, s.raw_full_name, s.first_name,
                                  s.middle_name, s.last_name, s.phone, s.license_number, s.license_normalized_number,
                                  s.document, s.car_brand, s.car_model, s.car_number, s.car_normalized_number,
                                  s.hire_date)::text) AS row_hash
        FROM (SELECT d.driver_id::text AS driver_id, d.park_id::text AS park_id, d.full_name AS raw_full_name,
                     COALESCE(NULLIF(pg_catalog.btrim(d.full_name), ''),
                              pg_catalog.concat_ws(' ', d.first_name, d.middle_name, d.last_name)) AS full_name,
                     d.first_name::text AS first_name, d.middle_name, d.last_name::text AS last_name, d.phone::text AS phone,
                     COALESCE(NULLIF(pg_catalog.btrim(d.license_normalized_number), ''), d.license_number)::text AS license,
                     d.license_number, d.license_normalized_number,
                     d.document_number::text AS document,
                     COALESCE(NULLIF(pg_catalog.btrim(d.car_normalized_number), ''), d.car_number)::text AS plate,
                     d.car_brand, d.car_model, d.car_number, d.car_normalized_number,
                     pg_catalog.concat_ws(' ', d.car_brand, d.car_model) AS car, d.hire_date, v.row_version,
                     i.row_version AS known_version, i.row_hash AS known_hash, i.removed_at
              FROM public.drivers AS d
              CROSS JOIN LATERAL (SELECT pg_catalog.hashtextextended(d.tableoid::text || '/' || d.xmin::text || '/' || d.ctid::text
                                                                     || '/' || (d.park_id IS NOT DISTINCT FROM p_target)::text, 4)
                                         AS row_version) AS v
              LEFT JOIN canon.drivers_index AS i ON i.driver_id = d.driver_id::text
              -- over 100 characters it is no driver id (as in the lead view and the payments): a
              -- key that long cannot be indexed, and would stop every run
              WHERE d.driver_id IS NOT NULL AND pg_catalog.length(d.driver_id) <= 100) AS s
        WHERE s.known_version IS DISTINCT FROM s.row_version OR s.removed_at IS NOT NULL;
        -- the columns the UPDATE and the copy below join and filter on
        ANALYZE pg_temp.identity_driver_raw (driver_id, known_hash, row_hash, removed_at);
        -- the same content under a new row version: only the version is stored
        UPDATE canon.drivers_index AS i SET row_version = r.row_version
        FROM pg_temp.identity_driver_raw AS r
        WHERE i.driver_id = r.driver_id AND r.known_hash = r.row_hash AND r.removed_at IS NULL;
        -- the drivers to normalize, into an unlogged work table: the normalizer call over it below may then
        -- run in parallel workers, over a temporary table it may not (migration 0045); emptied at the start
        -- of every run (canon.run_identity) and below
        INSERT INTO canon.identity_work_driver
            (driver_id, park_id, full_name, first_name, last_name, phone, license, document, plate, car, hire_date,
             row_version, row_hash)
        SELECT r.driver_id, r.park_id, r.full_name, r.first_name, r.last_name, r.phone, r.license, r.document,
               r.plate, r.car, r.hire_date, r.row_version, r.row_hash
        FROM pg_temp.identity_driver_raw AS r
        WHERE r.known_hash IS DISTINCT FROM r.row_hash OR r.removed_at IS NOT NULL;
        DROP TABLE pg_temp.identity_driver_raw;

        -- Only new and changed drivers (row hash) are normalized, each by one call of canon.normalize_record
        -- (~15 us a driver; seven calls took 31 us), over a subquery kept apart by OFFSET 0 (pulled up, the
        -- call would run once per column it fills). The PERFORM above is a no-op that tells plpgsql_check
        -- the shape of the temporary table. Name blocks serve rule R4 only, which reads drivers of the
        -- target park with a car: half the drivers. Whether a driver is in the target park is part of its
        -- row hash and the fingerprint holds the setting, so a new target_park_id re-normalizes the
        -- drivers it moves.
        CREATE TEMP TABLE identity_driver_keys ON COMMIT DROP AS
        SELECT n.driver_id, n.park_id, n.first_name, n.car, n.hire_date, n.row_hash, n.row_version,
               (n.k).phone, (n.k).license, (n.k).document, (n.k).plate, (n.k).name_tokens, (n.k).given_name AS name_given,
               (n.k).surnames, (n.k).two_surnames, (n.k).license_dni, (n.k).name_blocks
        FROM (SELECT s.driver_id, s.park_id, s.first_name, s.car, s.hire_date, s.row_hash, s.row_version,
                     canon.normalize_record(s.phone, s.license, s.document, s.plate, s.full_name, s.first_name, s.last_name,
                                            s.car <> '' AND s.park_id = p_target) AS k
              FROM canon.identity_work_driver AS s
              OFFSET 0) AS n;
        TRUNCATE canon.identity_work_driver;

        -- the keys a changed driver had until now: OPEN records sharing them are decided again
        -- (canon.identity_scope_recheck)
        INSERT INTO canon.identity_work_touch (key, stamp)
        SELECT DISTINCT x.key, p_run_id
        FROM pg_temp.identity_driver_keys AS n
        JOIN canon.drivers_index AS d ON d.driver_id = n.driver_id
        CROSS JOIN LATERAL pg_catalog.unnest(canon.identity_record_keys(d.phone, d.id_keys, d.plate, d.name_tokens, d.name_given,
                                                      d.surnames, d.car_key, d.name_blocks, d.driver_id, NULL, NULL)) AS x (key);
        WITH
        -- first names and cars repeat across rows: each distinct value is normalized once
        given AS MATERIALIZED (
            SELECT g.raw, (canon.name_tokens(g.raw))[1] AS given_name
            FROM (SELECT DISTINCT pg_catalog.split_part(pg_catalog.btrim(c.first_name), ' ', 1) AS raw
                  FROM pg_temp.identity_driver_keys AS c) AS g
            WHERE g.raw IS NOT NULL
        ),
        cars AS MATERIALIZED (
            SELECT g.car, canon.name_key(g.car) AS car_key
            FROM (SELECT DISTINCT c.car FROM pg_temp.identity_driver_keys AS c) AS g
            WHERE g.car IS NOT NULL
        ),
        keyed AS (
            SELECT c.driver_id, c.park_id, c.hire_date, c.row_hash, c.phone, c.license, c.document, c.plate,
                   c.name_tokens, c.name_given, c.surnames, c.two_surnames, c.name_blocks, g.given_name, v.car_key,
                   c.license_dni, c.row_version
            FROM pg_temp.identity_driver_keys AS c
            LEFT JOIN given AS g ON g.raw = pg_catalog.split_part(pg_catalog.btrim(c.first_name), ' ', 1)
            LEFT JOIN cars AS v ON v.car = c.car
        )
        INSERT INTO canon.drivers_index AS i
            (driver_id, park_id, phone, license, document, license_dni, id_keys, plate, name_tokens, name_key,
             given_name, name_given, surnames, two_surnames, name_blocks, car_key, hire_date, row_hash, row_version, run_id,
             removed_at, updated_at)
        SELECT k.driver_id, k.park_id, k.phone, k.license, k.document, k.license_dni,
               pg_catalog.array_remove(ARRAY['L:' || k.license,  -- sorted, distinct, no NULL
                   LEAST('N:' || k.document, 'N:' || k.license_dni),
                   CASE WHEN k.document <> k.license_dni THEN GREATEST('N:' || k.document, 'N:' || k.license_dni) END], NULL),
               k.plate, k.name_tokens, NULLIF(pg_catalog.array_to_string(k.name_tokens, ' '), ''),
               k.given_name, k.name_given, k.surnames, k.two_surnames, k.name_blocks, k.car_key, k.hire_date, k.row_hash, k.row_version, p_run_id,
               NULL, pg_catalog.now()
        FROM keyed AS k
        ON CONFLICT (driver_id) DO UPDATE
        SET park_id = EXCLUDED.park_id, phone = EXCLUDED.phone, license = EXCLUDED.license,
            document = EXCLUDED.document, license_dni = EXCLUDED.license_dni, id_keys = EXCLUDED.id_keys,
            plate = EXCLUDED.plate, name_tokens = EXCLUDED.name_tokens, name_key = EXCLUDED.name_key,
            given_name = EXCLUDED.given_name, name_given = EXCLUDED.name_given, surnames = EXCLUDED.surnames,
            two_surnames = EXCLUDED.two_surnames, name_blocks = EXCLUDED.name_blocks, car_key = EXCLUDED.car_key,
            hire_date = EXCLUDED.hire_date, row_hash = EXCLUDED.row_hash, row_version = EXCLUDED.row_version, run_id = EXCLUDED.run_id,
            removed_at = NULL, updated_at = EXCLUDED.updated_at;
        GET DIAGNOSTICS v_drivers_changed = ROW_COUNT;
        DROP TABLE pg_temp.identity_driver_keys;
        IF v_index_defs IS NOT NULL THEN
            PERFORM canon.create_indexes(v_index_defs);
        END IF;
        -- rows written in this transaction are invisible to autovacuum: refresh planner statistics after
        -- a large change, or the joins below are planned for an empty table (the removal check below as
        -- a nested loop of 3.1 M index probes into public.drivers: 15.7 s at scale 1000, measured). A
        -- change under a tenth of the index leaves its statistics true enough (ANALYZE: 0.7 s at scale 100)
        IF v_drivers_changed > 1000 AND v_drivers_changed * 10 > v_index_rows THEN
            ANALYZE canon.drivers_index;
        END IF;

        -- the drivers gone from the raw table: found by a CREATE TABLE AS, which may read both tables in
        -- parallel workers (an UPDATE may not: its anti-join over every driver was 0.3 s of a 1 % run)
        PERFORM 'PRAGMA:TABLE: identity_driver_gone (driver_id text)';
        CREATE TEMP TABLE identity_driver_gone ON COMMIT DROP AS
        SELECT i.driver_id
        FROM canon.drivers_index AS i
        WHERE i.removed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM public.drivers AS d WHERE d.driver_id = i.driver_id);
        UPDATE canon.drivers_index AS i
        SET removed_at = pg_catalog.now(), run_id = p_run_id, updated_at = pg_catalog.now()
        FROM pg_temp.identity_driver_gone AS g
        WHERE i.driver_id = g.driver_id AND i.removed_at IS NULL;
        GET DIAGNOSTICS v_drivers_removed = ROW_COUNT;
        DROP TABLE pg_temp.identity_driver_gone;
        IF v_drivers_removed > 1000 AND v_drivers_removed * 10 > v_index_rows THEN
            ANALYZE canon.drivers_index;
        END IF;
        INSERT INTO canon.identity_source_state AS st (input, fingerprint, run_id, updated_at)
        VALUES ('drivers', v_fp_raw || ':' || pg_catalog.pg_relation_filenode('canon.drivers_index'::pg_catalog.regclass)::text,
                p_run_id, pg_catalog.now())
        ON CONFLICT (input) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at;
    END IF;
    IF v_drivers_indexed IS NULL THEN
        SELECT pg_catalog.count(*) INTO v_drivers_indexed FROM canon.drivers_index AS i WHERE i.removed_at IS NULL;
    END IF;
    RETURN pg_catalog.jsonb_build_object('indexed', v_drivers_indexed, 'changed', v_drivers_changed, 'removed', v_drivers_removed);
END;
$$;
COMMENT ON FUNCTION canon.identity_index_drivers(bigint, text) IS 'canon.identity_index_drivers(p_run_id bigint, p_target text) -> jsonb {indexed, changed, removed}: refresh canon.drivers_index (stage of canon.run_identity)';
