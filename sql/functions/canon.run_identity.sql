-- Identity resolution (DOMAIN §3) for the valid lead records (observational.v_source_leads,
-- reject_reason IS NULL) with lead_date in p_date_from..p_date_to (both included), plus drivers.
-- Set-based: refresh the normalized keys (drivers_index, lead_keys) of new/changed rows only; block on
-- keys, score candidate pairs, decide per record in rule order; cluster the records that match no
-- existing person (connected components over strong keys, label propagation bounded by iterations);
-- write persons, links, the unmatched queue; link drivers to the persons their keys match.
-- A linked record keeps its person_key; RESOLVED/IGNORED queue rows are never touched.
CREATE OR REPLACE FUNCTION canon.run_identity(p_date_from date, p_date_to date)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
-- SECURITY DEFINER: the run empties (TRUNCATE) and ANALYZEs its unlogged work tables, which only their
-- owner may do; the job and writer roles call it. search_path is pinned, the only dynamic SQL is the index
-- DDL of canon.drop_secondary_indexes / canon.create_indexes on a first load.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
SET jit = off  -- the cost of the big set-based statements makes JIT compile for seconds (measured)
AS $$
DECLARE
    v_run_id bigint;
    v_target text;
    v_threshold numeric;
    v_margin numeric;
    v_max_group integer;
    v_last_run timestamptz;
    v_drivers_indexed bigint;
    v_drivers_changed bigint;
    v_drivers_removed bigint;
    v_drivers_linked bigint := 0;
    v_scan jsonb;
    v_keys_changed bigint;
    v_universe_changed boolean;
    v_subjects integer;
    v_rows bigint;
    v_iterations integer := 0;
    v_group_iterations integer := 0;
    v_sources jsonb;
    v_outcomes jsonb;
    v_rules jsonb;
    v_reasons jsonb;
    v_result jsonb;
    v_fp_raw text;
    v_fp_stored text;
    v_covered datemultirange;
    v_index_rows bigint;
    v_raw_rows bigint;
    v_index_defs text[];
    v_started timestamptz := pg_catalog.clock_timestamp();
BEGIN
    IF p_date_from IS NULL OR p_date_to IS NULL THEN
        RAISE EXCEPTION 'run_identity needs both dates'
            USING ERRCODE = '22004',
                  DETAIL = format('date_from is %s, date_to is %s.',
                                  COALESCE(p_date_from::text, 'NULL'), COALESCE(p_date_to::text, 'NULL')),
                  HINT = 'Pass the first and last lead date to resolve, e.g. SELECT canon.run_identity(''2025-12-01'', ''2025-12-31'');';
    END IF;
    IF p_date_from > p_date_to THEN
        RAISE EXCEPTION 'date_from % is after date_to %', p_date_from, p_date_to
            USING ERRCODE = '22023',
                  DETAIL = 'run_identity resolves lead dates from date_from to date_to, both included.',
                  HINT = 'Swap the arguments.';
    END IF;

    -- concurrent runs (pipeline, backfill, operator functions) serialize here
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));

    v_target := ops.get_setting('target_park_id');
    v_threshold := ops.get_setting('name_similarity_threshold')::numeric;
    v_margin := ops.get_setting('name_similarity_margin')::numeric;
    v_max_group := ops.get_setting('max_phone_group_size')::integer;

    SELECT pg_catalog.max(r.started_at) INTO v_last_run
    FROM ops.run_log AS r WHERE r.job = 'run_identity' AND r.status = 'succeeded';
    INSERT INTO ops.run_log (job, date_from, date_to) VALUES ('run_identity', p_date_from, p_date_to)
    RETURNING run_id INTO v_run_id;

    TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity,
             canon.identity_work_edge, canon.identity_work_node, canon.identity_work_lead;

    ---------------------------------------------------------------------------------------------------
    -- 1. drivers_index: new and changed drivers (row hash), drivers that left public.drivers. Skipped
    --    when public.drivers has no new row version since the last refresh (fingerprint of every row's
    --    xmin and ctid, taken before reading) and nobody else wrote drivers_index (its row count).
    ---------------------------------------------------------------------------------------------------
    SELECT 'v2:' || COALESCE(v_target, '') || ':' || v.row_count::text || ':' || v.versions_hash::text, v.row_count
    INTO v_fp_raw, v_raw_rows
    FROM canon.row_versions('public.drivers'::regclass) AS v;
    SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.drivers_index AS i;
    SELECT st.fingerprint INTO v_fp_stored FROM canon.identity_source_state AS st WHERE st.input = 'drivers';
    IF v_fp_stored IS NOT DISTINCT FROM v_fp_raw || ':' || v_index_rows::text THEN
        v_drivers_changed := 0;
        v_drivers_removed := 0;
    ELSE
        -- a first load (the index holds under half the drivers): build the secondary indexes once
        -- after the insert instead of maintaining them row by row (3x faster at 300k drivers)
        v_index_defs := NULL;
        IF v_raw_rows >= 1000 AND v_index_rows < v_raw_rows / 2 THEN
            v_index_defs := canon.drop_secondary_indexes('canon.drivers_index'::regclass);
        END IF;
        -- the normalizer calls (~30 us a driver) run in parallel workers: CREATE TABLE AS may use a
        -- parallel plan, INSERT ... SELECT may not (PostgreSQL 15). Only new and changed drivers (row
        -- hash) are normalized; the target list is computed after that filter. The PERFORM is a no-op
        -- that tells plpgsql_check the shape of the temporary table.
        -- The keys derived from normalized values (licence DNI, name blocks) are computed there too, over
        -- a subquery kept apart by OFFSET 0 (pulled up, it would normalize the licence and the name twice).
        PERFORM 'PRAGMA:TABLE: identity_driver_keys (driver_id text, park_id text, first_name text, car text, hire_date date, row_hash text, phone text, license text, document text, plate text, name_tokens text[], license_dni text, name_blocks text[])';
        -- Name blocks serve rule R4 only, which reads drivers of the target park with a car: half the
        -- drivers (6 us each). Whether a driver is in the target park is part of its row hash and the
        -- fingerprint holds the setting, so a new target_park_id re-normalizes the drivers it moves.
        CREATE TEMP TABLE identity_driver_keys ON COMMIT DROP AS
        SELECT n.*, canon.license_dni(n.license) AS license_dni,
               CASE WHEN n.car <> '' AND n.park_id = v_target THEN canon.name_block_keys(n.name_tokens)
                    ELSE '{}'::text[] END AS name_blocks
        FROM (SELECT s.driver_id, s.park_id, s.first_name, s.car, s.hire_date, s.row_hash,
                     canon.normalize_phone(s.phone) AS phone,
                     canon.normalize_license(s.license) AS license,
                     canon.normalize_document(s.document) AS document,
                     canon.normalize_plate(s.plate) AS plate,
                     canon.name_tokens(s.full_name) AS name_tokens
              FROM (SELECT d.driver_id::text AS driver_id, d.park_id::text AS park_id,
                           COALESCE(NULLIF(pg_catalog.btrim(d.full_name), ''),
                                    pg_catalog.concat_ws(' ', d.first_name, d.middle_name, d.last_name)) AS full_name,
                           d.first_name::text AS first_name, d.phone::text AS phone,
                           COALESCE(NULLIF(pg_catalog.btrim(d.license_normalized_number), ''), d.license_number)::text AS license,
                           d.document_number::text AS document,
                           COALESCE(NULLIF(pg_catalog.btrim(d.car_normalized_number), ''), d.car_number)::text AS plate,
                           pg_catalog.concat_ws(' ', d.car_brand, d.car_model) AS car, d.hire_date,
                           pg_catalog.md5(ROW('v2', d.park_id IS NOT DISTINCT FROM v_target, d.park_id, d.full_name, d.first_name, d.middle_name, d.last_name,
                                              d.phone, d.license_number, d.license_normalized_number, d.document_number,
                                              d.car_brand, d.car_model, d.car_number, d.car_normalized_number,
                                              d.hire_date)::text) AS row_hash
                    FROM public.drivers AS d
                    WHERE d.driver_id IS NOT NULL) AS s
              LEFT JOIN canon.drivers_index AS i ON i.driver_id = s.driver_id
              WHERE i.row_hash IS DISTINCT FROM s.row_hash OR i.removed_at IS NOT NULL
              OFFSET 0) AS n;

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
                   c.name_tokens, c.name_blocks, g.given_name, v.car_key, c.license_dni
            FROM pg_temp.identity_driver_keys AS c
            LEFT JOIN given AS g ON g.raw = pg_catalog.split_part(pg_catalog.btrim(c.first_name), ' ', 1)
            LEFT JOIN cars AS v ON v.car = c.car
        )
        INSERT INTO canon.drivers_index AS i
            (driver_id, park_id, phone, license, document, license_dni, id_keys, plate, name_tokens, name_key,
             given_name, name_blocks, car_key, hire_date, row_hash, run_id, removed_at, updated_at)
        SELECT k.driver_id, k.park_id, k.phone, k.license, k.document, k.license_dni,
               pg_catalog.array_remove(ARRAY['L:' || k.license,  -- sorted, distinct, no NULL
                   LEAST('N:' || k.document, 'N:' || k.license_dni),
                   CASE WHEN k.document <> k.license_dni THEN GREATEST('N:' || k.document, 'N:' || k.license_dni) END], NULL),
               k.plate, k.name_tokens, NULLIF(pg_catalog.array_to_string(k.name_tokens, ' '), ''),
               k.given_name, k.name_blocks, k.car_key, k.hire_date, k.row_hash, v_run_id,
               NULL, pg_catalog.now()
        FROM keyed AS k
        ON CONFLICT (driver_id) DO UPDATE
        SET park_id = EXCLUDED.park_id, phone = EXCLUDED.phone, license = EXCLUDED.license,
            document = EXCLUDED.document, license_dni = EXCLUDED.license_dni, id_keys = EXCLUDED.id_keys,
            plate = EXCLUDED.plate, name_tokens = EXCLUDED.name_tokens, name_key = EXCLUDED.name_key,
            given_name = EXCLUDED.given_name, name_blocks = EXCLUDED.name_blocks, car_key = EXCLUDED.car_key,
            hire_date = EXCLUDED.hire_date, row_hash = EXCLUDED.row_hash, run_id = EXCLUDED.run_id,
            removed_at = NULL, updated_at = EXCLUDED.updated_at;
        GET DIAGNOSTICS v_drivers_changed = ROW_COUNT;
        DROP TABLE pg_temp.identity_driver_keys;
        IF v_index_defs IS NOT NULL THEN
            PERFORM canon.create_indexes(v_index_defs);
        END IF;
        -- rows written in this transaction are invisible to autovacuum: refresh planner statistics after
        -- a large change, or the joins below are planned for an empty table (the removal check below as
        -- a nested loop of 3.1 M index probes into public.drivers: 15.7 s at scale 1000, measured)
        IF v_drivers_changed > 1000 THEN
            ANALYZE canon.drivers_index;
        END IF;

        UPDATE canon.drivers_index AS i
        SET removed_at = pg_catalog.now(), run_id = v_run_id, updated_at = pg_catalog.now()
        WHERE i.removed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM public.drivers AS d WHERE d.driver_id = i.driver_id);
        GET DIAGNOSTICS v_drivers_removed = ROW_COUNT;
        IF v_drivers_removed > 1000 THEN
            ANALYZE canon.drivers_index;
        END IF;
        SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.drivers_index AS i;
        INSERT INTO canon.identity_source_state AS st (input, fingerprint, run_id, updated_at)
        VALUES ('drivers', v_fp_raw || ':' || v_index_rows::text, v_run_id, pg_catalog.now())
        ON CONFLICT (input) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at;
    END IF;
    SELECT pg_catalog.count(*) INTO v_drivers_indexed FROM canon.drivers_index AS i WHERE i.removed_at IS NULL;
    RAISE NOTICE 'run_identity % (% s): drivers indexed %, changed %, removed %',
        v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_drivers_indexed, v_drivers_changed, v_drivers_removed;

    ---------------------------------------------------------------------------------------------------
    -- 2. lead_keys: normalized keys of new and changed valid lead records of the range. Skipped when
    --    the three raw lead tables have no new row version, the view's date bounds (min_lead_date,
    --    today) are the same and lead_keys was not written by anyone else since a scan that covered
    --    every date of the range; the scanned counts then come from lead_scan_days.
    ---------------------------------------------------------------------------------------------------
    SELECT 'v1:' || ops.get_setting('min_lead_date') || ':' || pg_catalog.to_char(ops.today(), 'YYYY-MM-DD')
           || pg_catalog.string_agg(':' || v.row_count::text || ':' || v.versions_hash::text, '' ORDER BY t.ord),
           pg_catalog.sum(v.row_count)
    INTO v_fp_raw, v_raw_rows
    FROM (VALUES (1, 'public.module_ct_cabinet_leads'::regclass), (2, 'public.module_ct_scouting_daily'::regclass),
                 (3, 'public.module_ct_migrations'::regclass)) AS t (ord, source)
    CROSS JOIN LATERAL canon.row_versions(t.source) AS v;
    SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.lead_keys AS k;
    v_fp_stored := NULL;
    v_covered := NULL;
    SELECT st.fingerprint, st.covered INTO v_fp_stored, v_covered
    FROM canon.identity_source_state AS st WHERE st.input = 'leads';
    IF v_fp_stored IS NOT DISTINCT FROM v_fp_raw || ':' || v_index_rows::text
       AND v_covered @> pg_catalog.daterange(p_date_from, p_date_to, '[]') THEN
        SELECT pg_catalog.jsonb_build_object(
                   'scanned', COALESCE(pg_catalog.jsonb_object_agg(x.source_table, x.n), '{}'::jsonb),
                   'changed', 0)
        INTO v_scan
        FROM (SELECT d.source_table, pg_catalog.sum(d.records) AS n
              FROM canon.lead_scan_days AS d
              WHERE d.lead_date BETWEEN p_date_from AND p_date_to
              GROUP BY 1) AS x;
    ELSE
        IF v_fp_stored IS DISTINCT FROM v_fp_raw || ':' || v_index_rows::text OR v_covered IS NULL THEN
            v_covered := '{}'::datemultirange;  -- the index is current for no date but those scanned now
            DELETE FROM canon.lead_scan_days AS d WHERE true;
        END IF;
        DELETE FROM canon.lead_scan_days AS d WHERE d.lead_date BETWEEN p_date_from AND p_date_to;
        -- a first load (the index holds under half the raw lead rows): secondary indexes are built
        -- once after the insert (see canon.drop_secondary_indexes)
        v_index_defs := NULL;
        IF v_raw_rows >= 1000 AND v_index_rows < v_raw_rows / 2 THEN
            v_index_defs := canon.drop_secondary_indexes('canon.lead_keys'::regclass);
        END IF;
        -- One serial read of the view into an unlogged work table; the normalizer calls (~30 us a
        -- record) then run over it in a CREATE TABLE AS, which may use parallel workers (see the drivers
        -- above and migration 0013). Only new and changed records (row hash) are normalized.
        INSERT INTO canon.identity_work_lead
            (source_table, source_pk, lead_date, phone_raw, license_raw, document_raw, plate_raw, full_name_raw,
             car_brand_raw, car_model_raw, driver_id, first_name_raw, row_hash)
        SELECT l.source_table, l.source_pk, l.lead_date, l.phone_raw, l.license_raw, l.document_raw,
               l.plate_raw, l.full_name_raw, l.car_brand_raw, l.car_model_raw, l.driver_id,
               l.payload_json ->> 'first_name',
               pg_catalog.md5(ROW('v1', l.lead_date, l.phone_raw, l.license_raw, l.document_raw, l.plate_raw,
                                  l.full_name_raw, l.car_brand_raw, l.car_model_raw, l.driver_id,
                                  l.payload_json ->> 'first_name')::text)
        FROM observational.v_source_leads AS l
        WHERE l.reject_reason IS NULL
          AND l.lead_date BETWEEN p_date_from AND p_date_to;
        ANALYZE canon.identity_work_lead;

        PERFORM 'PRAGMA:TABLE: identity_lead_keys (source_table text, source_pk text, lead_date date, row_hash text, driver_id text, first_name_raw text, car text, phone text, license text, document text, plate text, name_tokens text[], license_dni text, name_blocks text[])';
        -- name blocks serve rule R4 only, which needs a car: two records in three have none (6 us a record)
        CREATE TEMP TABLE identity_lead_keys ON COMMIT DROP AS
        SELECT n.*, canon.license_dni(n.license) AS license_dni,
               CASE WHEN n.car <> '' THEN canon.name_block_keys(n.name_tokens) ELSE '{}'::text[] END AS name_blocks
        FROM (SELECT w.source_table, w.source_pk, w.lead_date, w.row_hash, w.driver_id, w.first_name_raw,
                     pg_catalog.concat_ws(' ', w.car_brand_raw, w.car_model_raw) AS car,
                     canon.normalize_phone(w.phone_raw) AS phone,
                     canon.normalize_license(w.license_raw) AS license,
                     canon.normalize_document(w.document_raw) AS document,
                     canon.normalize_plate(w.plate_raw) AS plate,
                     canon.name_tokens(w.full_name_raw) AS name_tokens
              FROM canon.identity_work_lead AS w
              LEFT JOIN canon.lead_keys AS k ON k.source_table = w.source_table AND k.source_pk = w.source_pk
              WHERE k.row_hash IS DISTINCT FROM w.row_hash
              OFFSET 0) AS n;

        WITH
        -- first names and cars repeat across records: each distinct value is normalized once
        given AS MATERIALIZED (
            SELECT g.raw, (canon.name_tokens(g.raw))[1] AS given_name
            FROM (SELECT DISTINCT pg_catalog.split_part(pg_catalog.btrim(c.first_name_raw), ' ', 1) AS raw
                  FROM pg_temp.identity_lead_keys AS c) AS g
            WHERE g.raw IS NOT NULL
        ),
        cars AS MATERIALIZED (
            SELECT g.car, canon.name_key(g.car) AS car_key
            FROM (SELECT DISTINCT c.car FROM pg_temp.identity_lead_keys AS c) AS g
        ),
        upserted AS (
            INSERT INTO canon.lead_keys AS t
                (source_table, source_pk, lead_date, phone, license, document, license_dni, id_keys, plate,
                 name_tokens, name_key, given_name, name_blocks, car_key, driver_id, row_hash, decided_hash, run_id,
                 updated_at)
            SELECT k.source_table, k.source_pk, k.lead_date, k.phone, k.license, k.document, k.license_dni,
                   pg_catalog.array_remove(ARRAY['L:' || k.license,  -- sorted, distinct, no NULL
                   LEAST('N:' || k.document, 'N:' || k.license_dni),
                   CASE WHEN k.document <> k.license_dni THEN GREATEST('N:' || k.document, 'N:' || k.license_dni) END], NULL),
                   k.plate, k.name_tokens, NULLIF(pg_catalog.array_to_string(k.name_tokens, ' '), ''),
                   g.given_name, k.name_blocks, v.car_key, k.driver_id, k.row_hash,
                   -- decided in this run (step 3 takes every row written by this run): written here rather
                   -- than by an UPDATE of every new row (and of all its indexes) at the end
                   k.row_hash, v_run_id, pg_catalog.now()
            FROM pg_temp.identity_lead_keys AS k
            LEFT JOIN given AS g ON g.raw = pg_catalog.split_part(pg_catalog.btrim(k.first_name_raw), ' ', 1)
            LEFT JOIN cars AS v ON v.car = k.car
            ON CONFLICT (source_table, source_pk) DO UPDATE
            SET lead_date = EXCLUDED.lead_date, phone = EXCLUDED.phone, license = EXCLUDED.license,
                document = EXCLUDED.document, license_dni = EXCLUDED.license_dni, id_keys = EXCLUDED.id_keys,
                plate = EXCLUDED.plate, name_tokens = EXCLUDED.name_tokens, name_key = EXCLUDED.name_key,
                given_name = EXCLUDED.given_name, name_blocks = EXCLUDED.name_blocks, car_key = EXCLUDED.car_key,
                driver_id = EXCLUDED.driver_id, row_hash = EXCLUDED.row_hash, decided_hash = EXCLUDED.decided_hash,
                run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            RETURNING t.source_table
        ),
        days AS (
            INSERT INTO canon.lead_scan_days (source_table, lead_date, records)
            SELECT w.source_table, w.lead_date, pg_catalog.count(*) FROM canon.identity_work_lead AS w GROUP BY 1, 2
        )
        SELECT pg_catalog.jsonb_build_object(
                   'scanned', (SELECT COALESCE(pg_catalog.jsonb_object_agg(x.source_table, x.n), '{}'::jsonb)
                               FROM (SELECT w.source_table, pg_catalog.count(*) AS n
                                     FROM canon.identity_work_lead AS w GROUP BY 1) AS x),
                   'changed', (SELECT pg_catalog.count(*) FROM upserted))
        INTO v_scan;
        DROP TABLE pg_temp.identity_lead_keys;
        TRUNCATE canon.identity_work_lead;
        IF v_index_defs IS NOT NULL THEN
            PERFORM canon.create_indexes(v_index_defs);
        END IF;
        SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.lead_keys AS k;
        INSERT INTO canon.identity_source_state AS st (input, fingerprint, covered, run_id, updated_at)
        VALUES ('leads', v_fp_raw || ':' || v_index_rows::text,
                v_covered + pg_catalog.datemultirange(pg_catalog.daterange(p_date_from, p_date_to, '[]')),
                v_run_id, pg_catalog.now())
        ON CONFLICT (input) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, covered = EXCLUDED.covered, run_id = EXCLUDED.run_id,
            updated_at = EXCLUDED.updated_at;
    END IF;
    v_keys_changed := (v_scan ->> 'changed')::bigint;
    IF v_keys_changed > 1000 THEN
        ANALYZE canon.lead_keys;
    END IF;
    RAISE NOTICE 'run_identity % (% s): lead records scanned %, new or changed %',
        v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_scan -> 'scanned', v_keys_changed;

    ---------------------------------------------------------------------------------------------------
    -- 3. records to decide: unlinked, not RESOLVED/IGNORED, and new/changed since last decided (rows
    --    written by step 2 of this run carry decided_hash = row_hash already: run_id says so) - or
    --    still OPEN while something they could match changed (drivers, new records, operator links)
    ---------------------------------------------------------------------------------------------------
    v_universe_changed := v_drivers_changed > 0 OR v_drivers_removed > 0 OR v_keys_changed > 0
        OR EXISTS (SELECT 1 FROM canon.identity_links AS l
                   WHERE v_last_run IS NULL OR l.linked_at >= v_last_run)
        OR EXISTS (SELECT 1 FROM canon.person_merges AS m
                   WHERE v_last_run IS NULL OR m.merged_at >= v_last_run);

    INSERT INTO canon.identity_work_subject
        (node_id, source_table, source_pk, lead_date, phone, license, document, license_dni, id_keys, plate,
         name_tokens, name_key, given_name, name_blocks, car_key, driver_id)
    SELECT pg_catalog.row_number() OVER (ORDER BY k.source_table, k.source_pk)::integer,
           k.source_table, k.source_pk, k.lead_date, k.phone, k.license, k.document, k.license_dni, k.id_keys,
           k.plate, k.name_tokens, k.name_key, k.given_name, k.name_blocks, k.car_key, k.driver_id
    FROM canon.lead_keys AS k
    WHERE k.lead_date BETWEEN p_date_from AND p_date_to
      AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                      WHERE l.source_table = k.source_table AND l.source_pk = k.source_pk)
      AND NOT EXISTS (SELECT 1 FROM canon.identity_unmatched AS u
                      WHERE u.source_table = k.source_table AND u.source_pk = k.source_pk
                        AND u.status <> 'OPEN')
      AND (k.decided_hash IS DISTINCT FROM k.row_hash OR k.run_id = v_run_id
           OR (v_universe_changed AND (k.phone IS NOT NULL OR pg_catalog.cardinality(k.id_keys) > 0
                                       OR k.plate IS NOT NULL OR k.car_key IS NOT NULL
                                       OR k.driver_id IS NOT NULL)));
    GET DIAGNOSTICS v_subjects = ROW_COUNT;
    RAISE NOTICE 'run_identity % (% s): % records to decide', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_subjects;

    IF v_subjects > 0 THEN
        ANALYZE canon.identity_work_subject;

        -- shared-phone guard: distinct persons behind a phone (linked holders by person_key, unlinked
        -- ones by name); a phone behind more than max_phone_group_size is not an identifier
        WITH phones AS (
            SELECT DISTINCT s.phone FROM canon.identity_work_subject AS s WHERE s.phone IS NOT NULL
        ),
        holders AS MATERIALIZED (
            SELECT d.phone, l.person_key, d.name_key, d.name_tokens
            FROM canon.drivers_index AS d
            JOIN phones AS p ON p.phone = d.phone
            LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.removed_at IS NULL
            UNION ALL
            SELECT k.phone, l.person_key, k.name_key, k.name_tokens
            FROM canon.lead_keys AS k
            JOIN phones AS p ON p.phone = k.phone
            LEFT JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
        ),
        -- distinct names behind a phone; an unlinked one counts as a person of its own only when no
        -- similar name stands for it (a linked holder's, or a longer / equally long and smaller one):
        -- 'HENRY HUARCAYA TORRES' and 'ANTONIO HENRY HUARCAYA TORRES' are one human, not two
        names AS MATERIALIZED (
            SELECT DISTINCT h.phone, h.person_key IS NOT NULL AS linked, h.name_key, h.name_tokens
            FROM holders AS h WHERE h.name_key IS NOT NULL
        ),
        -- a phone behind more than 4 x max_phone_group_size distinct names is shared whatever their
        -- spellings: every name counts, without the pairwise comparison (quadratic on placeholder phones).
        -- Two branches, so that each NOT EXISTS stays an anti-join (OR-ed with another test, it became
        -- a sub-plan scanning every name for every name: 147 s at scale 10, measured)
        sizes AS (
            SELECT n.phone, pg_catalog.count(DISTINCT n.name_key) > 4 * v_max_group AS crowded
            FROM names AS n GROUP BY n.phone
        ),
        few AS MATERIALIZED (
            SELECT n.* FROM names AS n JOIN sizes AS z ON z.phone = n.phone WHERE NOT z.crowded
        ),
        loose_persons AS (
            SELECT n.phone, pg_catalog.count(*) AS persons
            FROM names AS n
            JOIN sizes AS z ON z.phone = n.phone
            WHERE NOT n.linked AND z.crowded
            GROUP BY n.phone
            UNION ALL
            SELECT n.phone, pg_catalog.count(*)
            FROM few AS n
            WHERE NOT n.linked
              AND NOT EXISTS (
                  SELECT 1 FROM few AS m
                  WHERE m.phone = n.phone
                    AND (m.linked OR (m.name_key <> n.name_key
                                      AND (pg_catalog.cardinality(m.name_tokens) > pg_catalog.cardinality(n.name_tokens)
                                           OR (pg_catalog.cardinality(m.name_tokens) = pg_catalog.cardinality(n.name_tokens)
                                               AND m.name_key < n.name_key))))
                    AND (m.name_key = n.name_key
                         OR canon.name_similarity(m.name_tokens, n.name_tokens) >= v_threshold))
            GROUP BY n.phone
        ),
        groups AS (
            SELECT h.phone, pg_catalog.count(DISTINCT h.person_key) + COALESCE(pg_catalog.min(lp.persons), 0) AS persons
            FROM holders AS h
            LEFT JOIN loose_persons AS lp ON lp.phone = h.phone
            GROUP BY h.phone
        )
        UPDATE canon.identity_work_subject AS s
        SET phone_usable = (g.persons <= v_max_group)
        FROM groups AS g
        WHERE g.phone = s.phone;
        -- the statistics above saw no usable phone: the R1 joins below were planned as one index probe
        -- per record (155 k probes, 1.1 s at scale 100, measured)
        ANALYZE canon.identity_work_subject;

        -----------------------------------------------------------------------------------------------
        -- 4. candidate pairs. Entities: existing persons, and unlinked drivers ('D:<driver_id>').
        -----------------------------------------------------------------------------------------------
        -- DRIVER_DIRECT: a migration names its driver
        INSERT INTO canon.identity_work_pair (node_id, match_rule, entity, person_key, driver_id, tier, key_kind, key_value)
        SELECT s.node_id, 'DRIVER_DIRECT', COALESCE(l.person_key::text, 'D:' || d.driver_id), l.person_key,
               d.driver_id, 1, 'driver_id', d.driver_id
        FROM canon.identity_work_subject AS s
        JOIN canon.drivers_index AS d ON d.driver_id = s.driver_id AND d.removed_at IS NULL
        LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id;

        -- R1 and R2 against drivers (target park tier 1, other parks tier 2) and persons' records (tier 1);
        -- an R1 hit on another member of the household is dropped (NAME_CONFLICT, or ID_CONFLICT when
        -- both sides carry documents that differ and the names are not similar)
        WITH skeys AS MATERIALIZED (
            SELECT s.node_id, pg_catalog.substr(k.key, 1, 1) AS kind, pg_catalog.substr(k.key, 3) AS value
            FROM canon.identity_work_subject AS s
            CROSS JOIN LATERAL pg_catalog.unnest(s.id_keys) AS k (key)
        ),
        dhits AS (  -- equi-joins on indexed driver columns, one per kind of evidence
            SELECT s.node_id, 'R1_PHONE_EXACT' AS match_rule, d.driver_id, 'phone' AS key_kind, s.phone AS key_value
            FROM canon.identity_work_subject AS s
            JOIN canon.drivers_index AS d ON d.phone = s.phone
            WHERE s.phone_usable AND d.removed_at IS NULL
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'license', k.value
            FROM skeys AS k JOIN canon.drivers_index AS d ON d.license = k.value
            WHERE k.kind = 'L' AND d.removed_at IS NULL
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'document', k.value
            FROM skeys AS k JOIN canon.drivers_index AS d ON d.document = k.value
            WHERE k.kind = 'N' AND d.removed_at IS NULL
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', d.driver_id, 'document', k.value
            FROM skeys AS k JOIN canon.drivers_index AS d ON d.license_dni = k.value
            WHERE k.kind = 'N' AND d.removed_at IS NULL
        ),
        lhits AS (  -- the same against the records of existing persons
            SELECT s.node_id, 'R1_PHONE_EXACT' AS match_rule, r.source_table, r.source_pk, 'phone' AS key_kind,
                   s.phone AS key_value
            FROM canon.identity_work_subject AS s
            JOIN canon.lead_keys AS r ON r.phone = s.phone
            WHERE s.phone_usable
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'license', k.value
            FROM skeys AS k JOIN canon.lead_keys AS r ON r.license = k.value
            WHERE k.kind = 'L'
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'document', k.value
            FROM skeys AS k JOIN canon.lead_keys AS r ON r.document = k.value
            WHERE k.kind = 'N'
            UNION
            SELECT k.node_id, 'R2_LICENSE_EXACT', r.source_table, r.source_pk, 'document', k.value
            FROM skeys AS k JOIN canon.lead_keys AS r ON r.license_dni = k.value
            WHERE k.kind = 'N'
        ),
        hits AS (
            SELECT h.node_id, h.match_rule, d.driver_id, l.person_key, d.id_keys, d.name_tokens, d.given_name,
                   CASE WHEN d.park_id = v_target THEN 1 ELSE 2 END AS tier, h.key_kind, h.key_value
            FROM dhits AS h
            JOIN canon.drivers_index AS d ON d.driver_id = h.driver_id
            LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            UNION ALL
            SELECT h.node_id, h.match_rule, NULL, l.person_key, r.id_keys, r.name_tokens, r.given_name, 1,
                   h.key_kind, h.key_value
            FROM lhits AS h
            JOIN canon.lead_keys AS r ON r.source_table = h.source_table AND r.source_pk = h.source_pk
            JOIN canon.identity_links AS l ON l.source_table = r.source_table AND l.source_pk = r.source_pk
        )
        INSERT INTO canon.identity_work_pair
            (node_id, match_rule, entity, person_key, driver_id, tier, similarity, dropped, key_kind, key_value)
        SELECT x.node_id, x.match_rule, COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key,
               x.driver_id, x.tier, canon.name_similarity(s.name_tokens, x.name_tokens),
               CASE WHEN x.match_rule = 'R1_PHONE_EXACT'
                         AND canon.names_conflict(s.name_tokens, x.name_tokens, s.given_name, x.given_name, v_threshold)
                    THEN 'NAME_CONFLICT'
                    WHEN x.match_rule = 'R1_PHONE_EXACT'
                         AND pg_catalog.cardinality(s.id_keys) > 0 AND pg_catalog.cardinality(x.id_keys) > 0
                         AND NOT s.id_keys && x.id_keys
                         AND canon.name_similarity(s.name_tokens, x.name_tokens) < v_threshold
                    THEN 'ID_CONFLICT' END,
               x.key_kind, x.key_value
        FROM hits AS x
        JOIN canon.identity_work_subject AS s ON s.node_id = x.node_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        RAISE NOTICE 'run_identity % (% s): % strong candidate pairs', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_rows;

        -- R3 / R3B (same plate, similar name; drivers of the target park, R3B also persons' records) and
        -- weak plate candidates (same plate, a name token in common, below the threshold)
        WITH holders AS (
            SELECT d.driver_id, l.person_key, d.plate, d.name_tokens, d.hire_date
            FROM canon.drivers_index AS d
            LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.removed_at IS NULL AND d.park_id = v_target AND d.plate IS NOT NULL
            UNION ALL
            SELECT NULL, l.person_key, k.plate, k.name_tokens, NULL
            FROM canon.lead_keys AS k
            JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
            WHERE k.plate IS NOT NULL
        ),
        hits AS (
            SELECT s.node_id, h.driver_id, h.person_key, s.plate,
                   canon.name_similarity(s.name_tokens, h.name_tokens) AS similarity,
                   h.hire_date BETWEEN s.lead_date - 90 AND s.lead_date + 30 AS hire_ok
            FROM canon.identity_work_subject AS s
            JOIN holders AS h ON h.plate = s.plate
            WHERE s.name_tokens && h.name_tokens
        )
        INSERT INTO canon.identity_work_pair
            (node_id, match_rule, entity, person_key, driver_id, tier, similarity, key_kind, key_value)
        SELECT x.node_id,
               CASE WHEN x.similarity < v_threshold THEN 'WEAK'
                    WHEN x.hire_ok THEN 'R3_PLATE_NAME' ELSE 'R3B_PLATE_NAME_ANY_DATE' END,
               COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key, x.driver_id, 1, x.similarity,
               'plate', x.plate
        FROM hits AS x;

        -- R4: same car brand+model and similar name, target park drivers, blocked on name keys
        WITH todo AS (
            SELECT s.node_id, s.car_key, s.name_tokens, b.key
            FROM canon.identity_work_subject AS s
            CROSS JOIN LATERAL pg_catalog.unnest(s.name_blocks) AS b (key)
            WHERE s.car_key IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                              WHERE p.node_id = s.node_id AND p.dropped IS NULL AND p.match_rule <> 'WEAK')
        ),
        holders AS (
            SELECT d.driver_id, l.person_key, d.car_key, d.name_tokens, b.key
            FROM canon.drivers_index AS d
            CROSS JOIN LATERAL pg_catalog.unnest(d.name_blocks) AS b (key)
            LEFT JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.removed_at IS NULL AND d.park_id = v_target AND d.car_key IS NOT NULL
        ),
        hits AS (
            SELECT DISTINCT t.node_id, h.driver_id, h.person_key, t.car_key,
                   canon.name_similarity(t.name_tokens, h.name_tokens) AS similarity
            FROM todo AS t
            JOIN holders AS h ON h.car_key = t.car_key AND h.key = t.key
        )
        INSERT INTO canon.identity_work_pair
            (node_id, match_rule, entity, person_key, driver_id, tier, similarity, key_kind, key_value)
        SELECT x.node_id, CASE WHEN x.similarity < v_threshold THEN 'WEAK' ELSE 'R4_CAR_NAME' END,
               COALESCE(x.person_key::text, 'D:' || x.driver_id), x.person_key, x.driver_id, 1, x.similarity,
               'car', x.car_key
        FROM hits AS x;
        ANALYZE canon.identity_work_pair;

        -----------------------------------------------------------------------------------------------
        -- 5. decide per record, strongest rule first
        -----------------------------------------------------------------------------------------------
        -- DRIVER_DIRECT
        UPDATE canon.identity_work_subject AS s
        SET outcome = 'LINK', entity = p.entity, match_rule = 'DRIVER_DIRECT', match_score = 100,
            confidence_level = 'HIGH'
        FROM (SELECT DISTINCT ON (p0.node_id) p0.node_id, p0.entity
              FROM canon.identity_work_pair AS p0 WHERE p0.match_rule = 'DRIVER_DIRECT'
              ORDER BY p0.node_id, p0.entity) AS p
        WHERE p.node_id = s.node_id;

        -- R1 / R2: one distinct entity among the best tier links, two or more are ambiguous
        WITH strong AS (
            SELECT p.node_id, p.entity, p.match_rule, p.tier,
                   pg_catalog.min(p.tier) OVER (PARTITION BY p.node_id) AS best_tier
            FROM canon.identity_work_pair AS p
            WHERE p.match_rule IN ('R1_PHONE_EXACT', 'R2_LICENSE_EXACT') AND p.dropped IS NULL
        ),
        per_entity AS (
            SELECT st.node_id, st.entity, pg_catalog.bool_or(st.match_rule = 'R1_PHONE_EXACT') AS by_phone
            FROM strong AS st WHERE st.tier = st.best_tier
            GROUP BY st.node_id, st.entity
        ),
        per_node AS (
            SELECT e.node_id, pg_catalog.count(*) AS entities, pg_catalog.min(e.entity) AS entity,
                   pg_catalog.bool_or(e.by_phone) AS by_phone
            FROM per_entity AS e GROUP BY e.node_id
        )
        UPDATE canon.identity_work_subject AS s
        SET outcome = CASE WHEN n.entities = 1 THEN 'LINK' ELSE 'MULTIPLE_CANDIDATES' END,
            entity = CASE WHEN n.entities = 1 THEN n.entity END,
            match_rule = CASE WHEN n.by_phone THEN 'R1_PHONE_EXACT' ELSE 'R2_LICENSE_EXACT' END,
            match_score = CASE WHEN n.by_phone THEN 95 ELSE 92 END,
            confidence_level = 'HIGH'
        FROM per_node AS n
        WHERE n.node_id = s.node_id AND s.outcome IS NULL;

        -- fuzzy rules in order: the best entity wins when alone or ahead of the second by the margin
        WITH fuzzy AS (
            SELECT p.node_id, p.match_rule, p.entity, pg_catalog.max(p.similarity) AS similarity
            FROM canon.identity_work_pair AS p
            WHERE p.match_rule IN ('R3_PLATE_NAME', 'R3B_PLATE_NAME_ANY_DATE', 'R4_CAR_NAME')
            GROUP BY 1, 2, 3
        ),
        first_rule AS (
            SELECT f.*, pg_catalog.dense_rank() OVER (
                       PARTITION BY f.node_id
                       ORDER BY CASE f.match_rule WHEN 'R3_PLATE_NAME' THEN 1
                                                  WHEN 'R3B_PLATE_NAME_ANY_DATE' THEN 2 ELSE 3 END) AS rule_rank
            FROM fuzzy AS f
        ),
        ranked AS (
            SELECT f.*, pg_catalog.row_number() OVER (PARTITION BY f.node_id ORDER BY f.similarity DESC, f.entity) AS rn,
                   pg_catalog.lead(f.similarity) OVER (PARTITION BY f.node_id ORDER BY f.similarity DESC, f.entity) AS second
            FROM first_rule AS f WHERE f.rule_rank = 1
        )
        UPDATE canon.identity_work_subject AS s
        SET outcome = CASE WHEN r.second IS NULL OR r.similarity - r.second >= v_margin
                           THEN 'LINK' ELSE 'MULTIPLE_CANDIDATES' END,
            entity = CASE WHEN r.second IS NULL OR r.similarity - r.second >= v_margin THEN r.entity END,
            match_rule = r.match_rule,
            match_score = CASE r.match_rule WHEN 'R3_PLATE_NAME' THEN 85 WHEN 'R4_CAR_NAME' THEN 75
                                            ELSE pg_catalog.round(r.similarity * 100, 2) END,
            confidence_level = CASE WHEN r.match_rule = 'R4_CAR_NAME' THEN 'LOW' ELSE 'MEDIUM' END,
            similarity = r.similarity
        FROM ranked AS r
        WHERE r.node_id = s.node_id AND r.rn = 1 AND s.outcome IS NULL;

        -- nothing linked: weak candidates, a new person, or nothing usable. A record with weak candidates
        -- that carries a strong key goes into the clustering like one without candidates: sharing that
        -- key with another record of the run is R1/R2 evidence; alone in its cluster it is WEAK_MATCH_ONLY
        UPDATE canon.identity_work_subject AS s
        SET outcome = CASE
                WHEN s.driver_id IS NULL
                     AND (s.phone_usable OR pg_catalog.cardinality(s.id_keys) > 0
                          OR (s.plate IS NOT NULL AND pg_catalog.cardinality(s.name_tokens) > 0)) THEN 'NONE'
                WHEN EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                             WHERE p.node_id = s.node_id AND p.match_rule = 'WEAK') THEN 'WEAK_MATCH_ONLY'
                WHEN s.driver_id IS NOT NULL THEN 'DRIVER_NOT_FOUND'
                ELSE 'MISSING_IDENTIFIERS' END
        WHERE s.outcome IS NULL;

        -----------------------------------------------------------------------------------------------
        -- 6. cluster: records linked to an entity and records with no candidate, connected by strong
        --    keys (usable phone without name conflict, licence/document, plate + similar name)
        -----------------------------------------------------------------------------------------------
        ANALYZE canon.identity_work_subject;
        INSERT INTO canon.identity_work_entity (node_id, entity, person_key, driver_id)
        SELECT v_subjects + pg_catalog.row_number() OVER (ORDER BY e.entity)::integer, e.entity,
               CASE WHEN e.entity NOT LIKE 'D:%' THEN e.entity::uuid END,
               CASE WHEN e.entity LIKE 'D:%' THEN pg_catalog.substr(e.entity, 3) END
        FROM (SELECT DISTINCT s.entity FROM canon.identity_work_subject AS s WHERE s.outcome = 'LINK') AS e;

        INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
        SELECT s.node_id, e.node_id, s.match_rule
        FROM canon.identity_work_subject AS s
        JOIN canon.identity_work_entity AS e ON e.entity = s.entity
        WHERE s.outcome = 'LINK';

        INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
        WITH ids AS MATERIALIZED (
            SELECT s.node_id, s.outcome, k.key
            FROM canon.identity_work_subject AS s
            CROSS JOIN LATERAL pg_catalog.unnest(s.id_keys) AS k (key)
            WHERE s.outcome IN ('LINK', 'NONE')
        )
        SELECT a.node_id, b.node_id, 'R1_PHONE_EXACT'
        FROM canon.identity_work_subject AS a
        JOIN canon.identity_work_subject AS b ON b.phone = a.phone AND b.node_id > a.node_id
        WHERE a.phone_usable AND b.phone_usable
          AND a.outcome IN ('LINK', 'NONE') AND b.outcome IN ('LINK', 'NONE')
          AND (a.outcome = 'NONE' OR b.outcome = 'NONE')
          AND NOT canon.names_conflict(a.name_tokens, b.name_tokens, a.given_name, b.given_name, v_threshold)
          AND NOT (pg_catalog.cardinality(a.id_keys) > 0 AND pg_catalog.cardinality(b.id_keys) > 0
                   AND NOT a.id_keys && b.id_keys
                   AND canon.name_similarity(a.name_tokens, b.name_tokens) < v_threshold)
        UNION
        SELECT a.node_id, b.node_id, 'R2_LICENSE_EXACT'
        FROM ids AS a
        JOIN ids AS b ON b.key = a.key AND b.node_id > a.node_id
        WHERE a.outcome = 'NONE' OR b.outcome = 'NONE'
        UNION
        SELECT a.node_id, b.node_id, 'R3B_PLATE_NAME_ANY_DATE'
        FROM canon.identity_work_subject AS a
        JOIN canon.identity_work_subject AS b ON b.plate = a.plate AND b.node_id > a.node_id
        WHERE a.outcome IN ('LINK', 'NONE') AND b.outcome IN ('LINK', 'NONE')
          AND (a.outcome = 'NONE' OR b.outcome = 'NONE')
          AND canon.name_similarity(a.name_tokens, b.name_tokens) >= v_threshold;

        INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
        SELECT e.node_b, e.node_a, e.match_rule FROM canon.identity_work_edge AS e;

        INSERT INTO canon.identity_work_node (node_id, label)
        SELECT s.node_id, s.node_id FROM canon.identity_work_subject AS s WHERE s.outcome IN ('LINK', 'NONE')
        UNION ALL
        SELECT e.node_id, e.node_id FROM canon.identity_work_entity AS e;
        ANALYZE canon.identity_work_edge;
        ANALYZE canon.identity_work_node;

        -- unlinked drivers that are one human become one new person: two driver entities of this run
        -- whose driver rows share a licence/document, or that a linked record matches both by R1/R2 (its
        -- best tier chose one, typically the target-park row, the other is the human's older row in
        -- another park). Groups are components over these edges only (first propagation pass); the
        -- records' clustering below does not use them.
        INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
        SELECT DISTINCT e1.node_id, e2.node_id, 'ENTITY'
        FROM canon.identity_work_subject AS s
        JOIN canon.identity_work_entity AS e1 ON e1.entity = s.entity AND e1.driver_id IS NOT NULL
        JOIN canon.identity_work_pair AS p ON p.node_id = s.node_id AND p.dropped IS NULL
             AND p.match_rule IN ('R1_PHONE_EXACT', 'R2_LICENSE_EXACT') AND p.entity <> s.entity
        JOIN canon.identity_work_entity AS e2 ON e2.entity = p.entity AND e2.driver_id IS NOT NULL
        -- the two drivers must be compatible with each other, not only with the record: a shared
        -- licence/document, or (one side without any) similar names that do not conflict. A phone
        -- shared by father and son (two documents) never joins them
        JOIN canon.drivers_index AS d1 ON d1.driver_id = e1.driver_id
        JOIN canon.drivers_index AS d2 ON d2.driver_id = e2.driver_id
        WHERE s.outcome = 'LINK'
          AND (d1.id_keys && d2.id_keys
               OR (NOT (pg_catalog.cardinality(d1.id_keys) > 0 AND pg_catalog.cardinality(d2.id_keys) > 0)
                   AND NOT canon.names_conflict(d1.name_tokens, d2.name_tokens, d1.given_name, d2.given_name, v_threshold)
                   AND canon.name_similarity(d1.name_tokens, d2.name_tokens) >= v_threshold))
        UNION
        SELECT a.node_id, b.node_id, 'ENTITY'
        FROM (SELECT e.node_id, k.key
              FROM canon.identity_work_entity AS e
              JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
              CROSS JOIN LATERAL pg_catalog.unnest(d.id_keys) AS k (key)) AS a
        JOIN (SELECT e.node_id, k.key
              FROM canon.identity_work_entity AS e
              JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
              CROSS JOIN LATERAL pg_catalog.unnest(d.id_keys) AS k (key)) AS b
          ON b.key = a.key AND b.node_id <> a.node_id;
        INSERT INTO canon.identity_work_edge (node_a, node_b, match_rule)
        SELECT e.node_b, e.node_a, e.match_rule FROM canon.identity_work_edge AS e WHERE e.match_rule = 'ENTITY';
        v_group_iterations := canon.propagate_labels('ENTITY');
        -- a new person for every unlinked driver some record links to (one per group of drivers of one
        -- human), and (below) for every cluster of records without any entity
        WITH grp AS (
            SELECT n.label, pg_catalog.gen_random_uuid() AS new_person_key
            FROM canon.identity_work_entity AS e
            JOIN canon.identity_work_node AS n ON n.node_id = e.node_id
            GROUP BY n.label
            HAVING pg_catalog.count(e.person_key) = 0
        )
        UPDATE canon.identity_work_entity AS e SET new_person_key = g.new_person_key
        FROM canon.identity_work_node AS n, grp AS g
        WHERE n.node_id = e.node_id AND g.label = n.label AND e.driver_id IS NOT NULL;
        UPDATE canon.identity_work_entity AS e SET new_person_key = pg_catalog.gen_random_uuid()
        WHERE e.driver_id IS NOT NULL AND e.new_person_key IS NULL;
        DELETE FROM canon.identity_work_edge AS e WHERE e.match_rule = 'ENTITY';
        UPDATE canon.identity_work_node AS n SET label = n.node_id WHERE n.label <> n.node_id;

        -- connected components of the records and entities (every edge left: the ENTITY ones are gone)
        v_iterations := canon.propagate_labels(NULL);
        RAISE NOTICE 'run_identity % (% s): clustering converged after % iterations', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_iterations;


        -- one statement decides every record and builds its evidence (links) and details/candidates
        -- (queue) from the decided values, into a temporary table that the writes below read: an UPDATE
        -- of every record (a new version of each wide row) took 10.4 s instead of 6.2 s at scale 100.
        -- Records outside the graph (no identifier) keep their outcome and only get their evidence.
        PERFORM 'PRAGMA:TABLE: identity_decision (source_table text, source_pk text, person_key uuid, new_person boolean, match_rule text, match_score numeric, confidence_level text, outcome text, evidence jsonb, candidates jsonb, phone text, license text, document text, name_key text)';
        CREATE TEMP TABLE identity_decision ON COMMIT DROP AS
        WITH components AS (
            SELECT n.label, pg_catalog.count(DISTINCT COALESCE(e.person_key, e.new_person_key)) AS entities,
                   pg_catalog.min(e.node_id) AS entity_node
            FROM canon.identity_work_node AS n
            LEFT JOIN canon.identity_work_entity AS e ON e.node_id = n.node_id
            GROUP BY n.label
        ),
        fresh AS (
            SELECT c.label, pg_catalog.gen_random_uuid() AS person_key
            FROM components AS c WHERE c.entities = 0
        ),
        via AS (  -- strongest edge of each record without a candidate of its own
            SELECT DISTINCT ON (e.node_a) e.node_a, e.match_rule
            FROM canon.identity_work_edge AS e
            JOIN canon.identity_work_subject AS s ON s.node_id = e.node_a AND s.outcome = 'NONE'
            ORDER BY e.node_a, CASE e.match_rule WHEN 'R1_PHONE_EXACT' THEN 1 WHEN 'R2_LICENSE_EXACT' THEN 2 ELSE 3 END
        ),
        -- The joins below have no NULL key and none repeated beyond a cluster's size; the records meet
        -- them on node_id, unique on both sides. Joining the records to their cluster on
        -- label (NULL for the records outside the graph) or to their entity (NULL unless linked) let the
        -- planner hash the records on that key: PostgreSQL 15 cannot split a hash batch of equal keys
        -- and kept doubling the batch count, each batch file taking 8 kB of the query's memory
        -- (504 k of them, 4.2 GB, at scale 1000: the backfill's peak, measured).
        single AS (  -- the entity of each cluster that reaches exactly one
            SELECT c.label, e.person_key, e.new_person_key
            FROM components AS c
            JOIN canon.identity_work_entity AS e ON e.node_id = c.entity_node
            WHERE c.entities = 1
        ),
        graph AS (  -- the records and entities in the graph, with their cluster
            SELECT n.node_id, n.label, c.entities, f.person_key AS fresh_key,
                   one.person_key AS one_person, one.new_person_key AS one_new
            FROM canon.identity_work_node AS n
            JOIN components AS c ON c.label = n.label
            LEFT JOIN fresh AS f ON f.label = c.label
            LEFT JOIN single AS one ON one.label = c.label
        ),
        owner AS (  -- the entity each linked record links to
            SELECT s.node_id, e.person_key, e.new_person_key
            FROM canon.identity_work_subject AS s
            JOIN canon.identity_work_entity AS e ON e.entity = s.entity
            WHERE s.outcome = 'LINK'
        ),
        decided AS (
            SELECT s.node_id, n.node_id IS NOT NULL AS in_graph, n.label, n.entities, n.fresh_key,
                   v.match_rule AS via_rule,
                   -- weak candidates and no entity reached through the cluster: the record stays
                   -- WEAK_MATCH_ONLY (DOMAIN §3) rather than found a new person beside its candidate
                   COALESCE(n.entities = 0 AND s.outcome = 'NONE'
                            AND EXISTS (SELECT 1 FROM canon.identity_work_pair AS p
                                        WHERE p.node_id = s.node_id AND p.match_rule = 'WEAK'), false) AS weak_alone,
                   own.person_key AS own_person, own.new_person_key AS own_new,
                   n.one_person, n.one_new,
                   s.outcome AS old_outcome, s.match_rule AS old_rule, s.match_score AS old_score,
                   s.confidence_level AS old_confidence, s.id_keys, s.phone_usable
            FROM canon.identity_work_subject AS s
            LEFT JOIN graph AS n ON n.node_id = s.node_id
            LEFT JOIN owner AS own ON own.node_id = s.node_id
            LEFT JOIN via AS v ON v.node_a = s.node_id
        ),
        final AS (  -- the decided values of every record; one outside the graph gets no person
            SELECT d.node_id,
                   d.label,
                   CASE WHEN NOT d.in_graph THEN NULL
                        WHEN d.weak_alone THEN NULL
                        WHEN d.old_outcome = 'LINK' THEN COALESCE(d.own_person, d.own_new)
                        WHEN d.entities = 0 THEN d.fresh_key
                        WHEN d.entities = 1 THEN COALESCE(d.one_person, d.one_new) END AS person_key,
                   CASE WHEN NOT d.in_graph THEN false
                        WHEN d.weak_alone THEN false
                        WHEN d.old_outcome = 'LINK' THEN d.own_person IS NULL
                        WHEN d.entities = 0 THEN true
                        WHEN d.entities = 1 THEN d.one_person IS NULL
                        ELSE false END AS new_person,
                   CASE WHEN NOT d.in_graph THEN d.old_rule
                        WHEN d.weak_alone THEN NULL
                        WHEN d.old_outcome = 'NONE' AND d.entities = 0 THEN 'NEW_PERSON'
                        WHEN d.old_outcome = 'NONE' AND d.entities = 1 THEN d.via_rule
                        ELSE d.old_rule END AS match_rule,
                   CASE WHEN NOT d.in_graph THEN d.old_score
                        WHEN d.old_outcome <> 'NONE' THEN d.old_score
                        WHEN d.entities = 0 THEN 100
                        WHEN d.via_rule = 'R1_PHONE_EXACT' THEN 95
                        WHEN d.via_rule = 'R2_LICENSE_EXACT' THEN 92 ELSE 85 END AS match_score,
                   CASE WHEN NOT d.in_graph THEN d.old_confidence
                        WHEN d.old_outcome <> 'NONE' THEN d.old_confidence
                        WHEN d.entities = 1 THEN CASE WHEN d.via_rule = 'R3B_PLATE_NAME_ANY_DATE' THEN 'MEDIUM' ELSE 'HIGH' END
                        WHEN pg_catalog.cardinality(d.id_keys) > 0 THEN 'HIGH'
                        WHEN d.phone_usable THEN 'MEDIUM' ELSE 'LOW' END AS confidence_level,
                   CASE WHEN NOT d.in_graph THEN d.old_outcome
                        WHEN d.weak_alone THEN 'WEAK_MATCH_ONLY'
                        WHEN d.old_outcome = 'NONE' AND d.entities > 1 THEN 'MULTIPLE_CANDIDATES'
                        WHEN d.old_outcome = 'NONE' AND d.entities = 1 THEN 'CLUSTER'
                        ELSE d.old_outcome END AS outcome
            FROM decided AS d
        )
        SELECT s.source_table, s.source_pk, z.person_key, z.new_person, z.match_rule, z.match_score,
            z.confidence_level, z.outcome,
            -- evidence (links) and details/candidates (queue): masked identifiers, never raw ones
            pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                'rule', z.match_rule,
                'matched', z.matched,
                'similarity', s.similarity,
                'dropped', z.dropped,
                'shared_phone', CASE WHEN s.phone IS NOT NULL AND NOT s.phone_usable THEN true END,
                'cluster', CASE WHEN z.outcome = 'CLUSTER' OR z.match_rule = 'NEW_PERSON' THEN z.size END,
                'driver_id_unknown', CASE WHEN z.outcome = 'DRIVER_NOT_FOUND' THEN true END)) AS evidence,
            CASE WHEN z.outcome IN ('MULTIPLE_CANDIDATES', 'WEAK_MATCH_ONLY') THEN COALESCE((
                SELECT pg_catalog.jsonb_agg(c.candidate ORDER BY c.best DESC NULLS LAST, c.entity)
                FROM (SELECT p.entity, pg_catalog.max(p.similarity) AS best,
                             pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                                 'person_key', pg_catalog.min(p.person_key::text),
                                 'driver_id', pg_catalog.min(p.driver_id),
                                 'rules', pg_catalog.array_agg(DISTINCT p.match_rule),
                                 'similarity', pg_catalog.max(p.similarity),
                                 'keys', pg_catalog.array_agg(DISTINCT p.key_kind || ' ' || canon.mask_identifier(p.key_value))))
                                 AS candidate
                      FROM canon.identity_work_pair AS p
                      WHERE p.node_id = s.node_id AND p.dropped IS NULL
                      GROUP BY p.entity
                      ORDER BY 2 DESC NULLS LAST, 1
                      LIMIT 5) AS c), '[]'::jsonb) ELSE '[]'::jsonb END AS candidates,
            CASE WHEN s.phone_usable THEN s.phone END AS phone, s.license, s.document, s.name_key
        FROM canon.identity_work_subject AS s
        JOIN (SELECT x.*, pg_catalog.count(*) OVER (PARTITION BY x.label) AS size, m.matched, d.dropped
              FROM final AS x
              -- one grouped pass over the pairs instead of two sub-queries per record
              LEFT JOIN (SELECT p.node_id, pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                                    'rule', p.match_rule, 'key', p.key_kind,
                                    'value', canon.mask_identifier(p.key_value))) AS matched
                         FROM canon.identity_work_pair AS p
                         JOIN canon.identity_work_subject AS o2 ON o2.node_id = p.node_id AND o2.entity = p.entity
                         WHERE p.dropped IS NULL AND p.match_rule <> 'WEAK'
                         GROUP BY p.node_id) AS m ON m.node_id = x.node_id
              LEFT JOIN (SELECT p.node_id, pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                                    'reason', p.dropped, 'candidate', p.entity,
                                    'value', canon.mask_identifier(p.key_value))) AS dropped
                         FROM canon.identity_work_pair AS p
                         WHERE p.dropped IS NOT NULL
                         GROUP BY p.node_id) AS d ON d.node_id = x.node_id) AS z
          ON z.node_id = s.node_id;
        -- planner statistics for the writes below (without them the queue DELETE was planned as a nested
        -- loop: 12.6 s at scale 10, measured)
        ANALYZE pg_temp.identity_decision;

        -----------------------------------------------------------------------------------------------
        -- 7. write: new persons, links, queue
        -----------------------------------------------------------------------------------------------
        WITH members AS (
            SELECT s.person_key, s.phone, s.license, s.document, s.name_key, s.confidence_level
            FROM pg_temp.identity_decision AS s
            WHERE s.new_person AND s.person_key IS NOT NULL
            UNION ALL
            SELECT e.new_person_key, d.phone, d.license, d.document, d.name_key, NULL
            FROM canon.identity_work_entity AS e
            JOIN canon.drivers_index AS d ON d.driver_id = e.driver_id
            WHERE e.new_person_key IS NOT NULL
        )
        INSERT INTO canon.identity_registry
            (person_key, primary_phone, primary_license, primary_document, primary_full_name, confidence_level)
        SELECT m.person_key, pg_catalog.min(m.phone), pg_catalog.min(m.license), pg_catalog.min(m.document),
               pg_catalog.min(m.name_key),
               CASE WHEN pg_catalog.bool_or(m.confidence_level = 'HIGH') THEN 'HIGH'
                    WHEN pg_catalog.bool_or(m.confidence_level = 'MEDIUM') THEN 'MEDIUM' ELSE 'LOW' END
        FROM members AS m
        GROUP BY m.person_key;

        -- a first load (the links so far are under a tenth of the records decided now): the secondary
        -- indexes are built once after the inserts (see canon.drop_secondary_indexes). Stricter than for
        -- drivers_index and lead_keys: the reader views read identity_links, and the lock it takes lasts
        -- until the caller's transaction ends (a whole populate_lead_events range)
        v_index_defs := NULL;
        IF v_subjects >= 1000
           AND (SELECT pg_catalog.count(*) FROM (SELECT FROM canon.identity_links AS l LIMIT v_subjects / 10) AS x)
               < v_subjects / 10 THEN
            v_index_defs := canon.drop_secondary_indexes('canon.identity_links'::regclass);
        END IF;
        INSERT INTO canon.identity_links
            (person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence, run_id)
        SELECT s.person_key, s.source_table, s.source_pk, s.match_rule, s.match_score, s.confidence_level,
               s.evidence, v_run_id
        FROM pg_temp.identity_decision AS s
        WHERE s.person_key IS NOT NULL AND s.outcome IN ('LINK', 'NONE', 'CLUSTER')
        ON CONFLICT (source_table, source_pk) DO NOTHING;

        -- the unlinked drivers records linked to join the new person, with the strongest such link
        INSERT INTO canon.identity_links
            (person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence, run_id)
        SELECT DISTINCT ON (e.driver_id)
               e.new_person_key, 'drivers', e.driver_id, s.match_rule, s.match_score, s.confidence_level,
               pg_catalog.jsonb_build_object('rule', s.match_rule,
                                             'via', pg_catalog.jsonb_build_object('source_table', s.source_table,
                                                                                  'source_pk', s.source_pk)),
               v_run_id
        FROM canon.identity_work_entity AS e
        JOIN canon.identity_work_subject AS s ON s.entity = e.entity AND s.outcome = 'LINK'
        WHERE e.new_person_key IS NOT NULL
        ORDER BY e.driver_id, s.match_score DESC, s.source_table, s.source_pk
        ON CONFLICT (source_table, source_pk) DO NOTHING;
        GET DIAGNOSTICS v_drivers_linked = ROW_COUNT;
        IF v_index_defs IS NOT NULL THEN
            PERFORM canon.create_indexes(v_index_defs);
        END IF;

        IF v_subjects > 1000 THEN
            ANALYZE canon.identity_links;
            ANALYZE canon.identity_registry;
        END IF;

        -- the queue: never touches RESOLVED / IGNORED; a record that now links leaves it
        INSERT INTO canon.identity_unmatched AS u
            (source_table, source_pk, reason_code, details, candidates, run_id)
        SELECT s.source_table, s.source_pk, s.outcome, s.evidence - 'rule', s.candidates, v_run_id
        FROM pg_temp.identity_decision AS s
        WHERE s.outcome IN ('MULTIPLE_CANDIDATES', 'WEAK_MATCH_ONLY', 'MISSING_IDENTIFIERS', 'DRIVER_NOT_FOUND')
        ON CONFLICT (source_table, source_pk) DO UPDATE
        SET reason_code = EXCLUDED.reason_code, details = EXCLUDED.details, candidates = EXCLUDED.candidates,
            run_id = EXCLUDED.run_id
        WHERE u.status = 'OPEN'
          AND (u.reason_code, u.details, u.candidates) IS DISTINCT FROM
              (EXCLUDED.reason_code, EXCLUDED.details, EXCLUDED.candidates);

        DELETE FROM canon.identity_unmatched AS u
        USING pg_temp.identity_decision AS s
        WHERE u.source_table = s.source_table AND u.source_pk = s.source_pk AND u.status = 'OPEN'
          AND s.person_key IS NOT NULL AND s.outcome IN ('LINK', 'NONE', 'CLUSTER');

        UPDATE canon.lead_keys AS k
        SET decided_hash = k.row_hash
        FROM pg_temp.identity_decision AS s
        WHERE k.source_table = s.source_table AND k.source_pk = s.source_pk
          AND k.decided_hash IS DISTINCT FROM k.row_hash;

        -- the outcome counts of the run log and result (step 9), grouped once
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'source_table', c.source_table, 'outcome', c.outcome, 'unmatched', c.unmatched,
                   'new_person', c.new_person, 'n', c.n))
        INTO v_outcomes
        FROM (SELECT s.source_table, s.outcome, s.person_key IS NULL AS unmatched, s.new_person,
                     pg_catalog.count(*) AS n
              FROM pg_temp.identity_decision AS s
              GROUP BY 1, 2, 3, 4) AS c;
        DROP TABLE pg_temp.identity_decision;
    END IF;

    ---------------------------------------------------------------------------------------------------
    -- 8. drivers: an unlinked driver joins the one person its keys match (R1/R2, else plate + name);
    --    only drivers changed in this run or sharing a key with a record linked in this run are read
    ---------------------------------------------------------------------------------------------------
    IF v_drivers_changed > 0 OR EXISTS (SELECT 1 FROM canon.identity_links AS l WHERE l.run_id = v_run_id) THEN
        WITH loose AS (  -- the columns used below only: the whole row is ~460 bytes
            SELECT d.driver_id, d.run_id, d.phone, d.id_keys, d.plate, d.name_tokens, d.given_name
            FROM canon.drivers_index AS d
            WHERE d.removed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                              WHERE l.source_table = 'drivers' AND l.source_pk = d.driver_id)
        ),
        holders AS (
            SELECT l.person_key, l.run_id AS link_run, k.phone, k.id_keys, k.plate, k.name_tokens, k.given_name
            FROM canon.lead_keys AS k
            JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
            UNION ALL
            SELECT l.person_key, l.run_id, d.phone, d.id_keys, d.plate, d.name_tokens, d.given_name
            FROM canon.drivers_index AS d
            JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.removed_at IS NULL
        ),
        hits AS (
            SELECT c.driver_id, c.run_id AS driver_run, h.link_run, 'R1_PHONE_EXACT' AS match_rule, h.person_key,
                   'phone' AS key_kind, c.phone AS key_value,
                   canon.names_conflict(c.name_tokens, h.name_tokens, c.given_name, h.given_name, v_threshold)
                   OR (pg_catalog.cardinality(c.id_keys) > 0 AND pg_catalog.cardinality(h.id_keys) > 0
                       AND NOT c.id_keys && h.id_keys
                       AND canon.name_similarity(c.name_tokens, h.name_tokens) < v_threshold) AS conflict,
                   NULL::numeric AS similarity
            FROM loose AS c JOIN holders AS h ON h.phone = c.phone
            UNION ALL
            SELECT c.driver_id, c.run_id, h.link_run, 'R2_LICENSE_EXACT', h.person_key,
                   CASE WHEN ck.key LIKE 'L:%' THEN 'license' ELSE 'document' END, pg_catalog.substr(ck.key, 3),
                   false, NULL
            FROM loose AS c
            CROSS JOIN LATERAL pg_catalog.unnest(c.id_keys) AS ck (key)
            JOIN (SELECT h0.*, hk.key FROM holders AS h0 CROSS JOIN LATERAL pg_catalog.unnest(h0.id_keys) AS hk (key)) AS h
              ON h.key = ck.key
            UNION ALL
            SELECT c.driver_id, c.run_id, h.link_run, 'R3B_PLATE_NAME_ANY_DATE', h.person_key, 'plate', c.plate,
                   false, canon.name_similarity(c.name_tokens, h.name_tokens)
            FROM loose AS c JOIN holders AS h ON h.plate = c.plate
            WHERE c.name_tokens && h.name_tokens
        ),
        relevant AS (
            SELECT x.*
            FROM hits AS x
            WHERE x.driver_id IN (SELECT y.driver_id FROM hits AS y WHERE y.driver_run = v_run_id OR y.link_run = v_run_id)
              AND NOT x.conflict
              AND (x.match_rule <> 'R3B_PLATE_NAME_ANY_DATE' OR x.similarity >= v_threshold)
        ),
        per_driver AS (
            SELECT r.driver_id,
                   pg_catalog.count(DISTINCT r.person_key) FILTER (WHERE r.match_rule <> 'R3B_PLATE_NAME_ANY_DATE') AS strong,
                   pg_catalog.min(r.person_key::text) FILTER (WHERE r.match_rule <> 'R3B_PLATE_NAME_ANY_DATE') AS strong_person,
                   pg_catalog.bool_or(r.match_rule = 'R1_PHONE_EXACT') AS by_phone,
                   pg_catalog.count(DISTINCT r.person_key) FILTER (WHERE r.match_rule = 'R3B_PLATE_NAME_ANY_DATE') AS fuzzy,
                   pg_catalog.min(r.person_key::text) FILTER (WHERE r.match_rule = 'R3B_PLATE_NAME_ANY_DATE') AS fuzzy_person,
                   pg_catalog.max(r.similarity) AS similarity,
                   pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_object(
                       'rule', r.match_rule, 'key', r.key_kind, 'value', canon.mask_identifier(r.key_value))) AS matched
            FROM relevant AS r
            GROUP BY r.driver_id
        )
        INSERT INTO canon.identity_links
            (person_key, source_table, source_pk, match_rule, match_score, confidence_level, evidence, run_id)
        SELECT CASE WHEN p.strong = 1 THEN p.strong_person ELSE p.fuzzy_person END::uuid,
               'drivers', p.driver_id,
               CASE WHEN p.strong = 1 AND p.by_phone THEN 'R1_PHONE_EXACT'
                    WHEN p.strong = 1 THEN 'R2_LICENSE_EXACT' ELSE 'R3B_PLATE_NAME_ANY_DATE' END,
               CASE WHEN p.strong = 1 AND p.by_phone THEN 95
                    WHEN p.strong = 1 THEN 92 ELSE pg_catalog.round(p.similarity * 100, 2) END,
               CASE WHEN p.strong = 1 THEN 'HIGH' ELSE 'MEDIUM' END,
               pg_catalog.jsonb_build_object('rule', CASE WHEN p.strong = 1 AND p.by_phone THEN 'R1_PHONE_EXACT'
                                                          WHEN p.strong = 1 THEN 'R2_LICENSE_EXACT'
                                                          ELSE 'R3B_PLATE_NAME_ANY_DATE' END,
                                             'matched', p.matched, 'driver_pass', true),
               v_run_id
        FROM per_driver AS p
        WHERE p.strong = 1 OR (p.strong = 0 AND p.fuzzy = 1)
        ON CONFLICT (source_table, source_pk) DO NOTHING;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_drivers_linked := v_drivers_linked + v_rows;
    END IF;
    RAISE NOTICE 'run_identity % (% s): % drivers linked', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_drivers_linked;

    ---------------------------------------------------------------------------------------------------
    -- 9. counts, run log
    ---------------------------------------------------------------------------------------------------
    -- the per-source and per-reason counts from the outcome groups of step 7
    WITH c AS MATERIALIZED (
        SELECT o.source_table, o.outcome, o.unmatched, o.new_person, o.n
        FROM pg_catalog.jsonb_to_recordset(COALESCE(v_outcomes, '[]'::jsonb))
             AS o (source_table text, outcome text, unmatched boolean, new_person boolean, n bigint)
    )
    SELECT (SELECT COALESCE(pg_catalog.jsonb_object_agg(t.source_table, pg_catalog.jsonb_build_object(
                       'scanned', COALESCE((v_scan -> 'scanned' ->> t.source_table)::bigint, 0),
                       'processed', COALESCE(x.processed, 0),
                       'linked_existing', COALESCE(x.linked_existing, 0),
                       'new_person', COALESCE(x.new_person, 0),
                       'unmatched', COALESCE(x.unmatched, 0),
                       'unchanged', COALESCE((v_scan -> 'scanned' ->> t.source_table)::bigint, 0) - COALESCE(x.processed, 0))), '{}'::jsonb)
            FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations')) AS t (source_table)
            LEFT JOIN (
                SELECT c.source_table, pg_catalog.sum(c.n)::bigint AS processed,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE NOT c.unmatched AND NOT c.new_person), 0)::bigint AS linked_existing,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE NOT c.unmatched AND c.new_person), 0)::bigint AS new_person,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE c.unmatched), 0)::bigint AS unmatched
                FROM c
                GROUP BY c.source_table
            ) AS x ON x.source_table = t.source_table),
           (SELECT COALESCE(pg_catalog.jsonb_object_agg(r.outcome, r.n), '{}'::jsonb)
            FROM (SELECT c.outcome, pg_catalog.sum(c.n)::bigint AS n FROM c WHERE c.unmatched GROUP BY 1) AS r)
    INTO v_sources, v_reasons;

    SELECT COALESCE(pg_catalog.jsonb_object_agg(r.match_rule, r.n), '{}'::jsonb) INTO v_rules
    FROM (SELECT l.match_rule, pg_catalog.count(*) AS n FROM canon.identity_links AS l
          WHERE l.run_id = v_run_id AND l.source_table <> 'drivers' GROUP BY 1) AS r;

    v_result := pg_catalog.jsonb_build_object(
        'run_id', v_run_id, 'date_from', p_date_from, 'date_to', p_date_to,
        'sources', v_sources, 'rules', v_rules, 'unmatched_by_reason', v_reasons,
        'drivers', pg_catalog.jsonb_build_object('indexed', v_drivers_indexed, 'changed', v_drivers_changed,
                                                 'removed', v_drivers_removed, 'linked', v_drivers_linked),
        'clustering_iterations', v_iterations);

    UPDATE ops.run_log
    SET status = 'succeeded', finished_at = pg_catalog.clock_timestamp(), details = v_result
    WHERE run_id = v_run_id;

    TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity,
             canon.identity_work_edge, canon.identity_work_node, canon.identity_work_lead;
    RAISE NOTICE 'run_identity % (% s): done %', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_result;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION canon.run_identity(date, date) IS 'canon.run_identity(p_date_from date, p_date_to date) -> jsonb {run_id, date_from, date_to, sources: {<source_table>: {scanned, processed, linked_existing, new_person, unmatched, unchanged}}, rules: {<match_rule>: links created}, unmatched_by_reason: {<reason_code>: n}, drivers: {indexed, changed, removed, linked}, clustering_iterations}: resolve the valid lead records of the inclusive range and the drivers to stable person_keys';
