-- Stage 2 of canon.run_identity: canon.lead_keys, the normalized keys of the new and changed valid lead
-- records of the range (lead_date p_date_from..p_date_to). Skipped when the three raw lead tables have no
-- new row version, the view's date bounds (min_lead_date, today) are the same and lead_keys is the table
-- file a scan that covered every date of the range left (a TRUNCATE or a rewrite gives it another); the scanned counts then come
-- from canon.lead_scan_days. Returns {scanned: {<source_table>: n}, changed}.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_index_leads(p_run_id bigint, p_date_from date, p_date_to date)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
AS $$
DECLARE
    v_fp_raw text;
    v_fp_stored text;
    v_covered datemultirange;
    v_raw_rows bigint;
    v_index_rows bigint;
    v_index_file text;
    v_index_defs text[];
    v_scan jsonb;
    v_keys_changed bigint;
    v_nestloop text;
BEGIN
    -- v4: names folded by unaccent (canon.normalize_name); a new version makes an upgraded database re-normalize every row once.
    -- r: row versions kept (migration 0042): an upgraded database reads every row once to store them
    SELECT 'v4r:' || ops.get_setting('min_lead_date') || ':' || pg_catalog.to_char(ops.today(), 'YYYY-MM-DD')
           || pg_catalog.string_agg(':' || v.row_count::text || ':' || v.versions_hash::text, '' ORDER BY t.ord),
           pg_catalog.sum(v.row_count)
    INTO v_fp_raw, v_raw_rows
    FROM (VALUES (1, 'public.module_ct_cabinet_leads'::regclass), (2, 'public.module_ct_scouting_daily'::regclass),
                 (3, 'public.module_ct_migrations'::regclass)) AS t (ord, source)
    CROSS JOIN LATERAL canon.row_versions(t.source) AS v;
    -- the index table as the last run left it (see canon.identity_index_drivers: its file, not its count)
    v_index_file := pg_catalog.pg_relation_filenode('canon.lead_keys'::pg_catalog.regclass)::text;
    v_fp_stored := NULL;
    v_covered := NULL;
    SELECT st.fingerprint, st.covered INTO v_fp_stored, v_covered
    FROM canon.identity_source_state AS st WHERE st.input = 'leads';
    IF v_fp_stored IS NOT DISTINCT FROM v_fp_raw || ':' || v_index_file
       AND v_covered @> pg_catalog.daterange(p_date_from, p_date_to, '[]') THEN
        v_keys_changed := 0;
    ELSE
        SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.lead_keys AS k;
        IF v_fp_stored IS DISTINCT FROM v_fp_raw || ':' || v_index_file OR v_covered IS NULL THEN
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
        -- One serial read of the view: the records of each source and date into canon.lead_scan_days, and
        -- into an unlogged work table only the rows whose raw row version (tableoid, xmin, ctid; hashed
        -- with seed 4, the row hash's version below) differs from the one their record was read from,
        -- with their row hash (an md5 of every row was most of a 1 % run's read). The normalizer call
        -- (canon.normalize_record, ~11 us a record) then runs over it in a CREATE TABLE AS, which may use
        -- parallel workers (migration 0013). Only new and changed records (row hash) are normalized; a
        -- row whose version changed with the same content only has its version stored.
        -- The view's row estimate is a handful (its reject and date filters are computed), so the join
        -- with lead_keys was planned as one index probe per record (1.0 s of 1.9 s at scale 100): the
        -- statement reads every record, so the join is hashed, for this statement only.
        v_nestloop := pg_catalog.current_setting('enable_nestloop');
        PERFORM pg_catalog.set_config('enable_nestloop', 'off', true);
        WITH src AS MATERIALIZED (
            SELECT x.source_table, x.lead_date, x.moved,
                   CASE WHEN x.moved THEN x.source_pk END AS source_pk,
                   CASE WHEN x.moved THEN x.phone_raw END AS phone_raw,
                   CASE WHEN x.moved THEN x.license_raw END AS license_raw,
                   CASE WHEN x.moved THEN x.document_raw END AS document_raw,
                   CASE WHEN x.moved THEN x.plate_raw END AS plate_raw,
                   CASE WHEN x.moved THEN x.full_name_raw END AS full_name_raw,
                   CASE WHEN x.moved THEN x.car_brand_raw END AS car_brand_raw,
                   CASE WHEN x.moved THEN x.car_model_raw END AS car_model_raw,
                   CASE WHEN x.moved THEN x.driver_id END AS driver_id,
                   CASE WHEN x.moved THEN x.first_name_raw END AS first_name_raw,
                   CASE WHEN x.moved THEN x.last_name_raw END AS last_name_raw,
                   CASE WHEN x.moved THEN x.row_version END AS row_version,
                   -- v4: names folded by unaccent (canon.normalize_name)
                   CASE WHEN x.moved THEN
                       pg_catalog.md5(ROW('v4', x.lead_date, x.phone_raw, x.license_raw, x.document_raw, x.plate_raw,
                                          x.full_name_raw, x.car_brand_raw, x.car_model_raw, x.driver_id,
                                          x.first_name_raw, x.last_name_raw)::text)  -- as the payload's first and last name
                   END AS row_hash
            FROM (SELECT l.source_table, l.source_pk, l.lead_date, l.phone_raw, l.license_raw, l.document_raw,
                         l.plate_raw, l.full_name_raw, l.car_brand_raw, l.car_model_raw, l.driver_id,
                         l.first_name_raw, l.last_name_raw, v.row_version,
                         k.row_version IS DISTINCT FROM v.row_version AS moved
                  FROM observational.v_source_leads AS l
                  CROSS JOIN LATERAL (SELECT pg_catalog.hashtextextended(l.row_version::text, 4) AS row_version) AS v
                  LEFT JOIN canon.lead_keys AS k ON k.source_table = l.source_table AND k.source_pk = l.source_pk
                  WHERE l.reject_reason IS NULL
                    AND l.lead_date BETWEEN p_date_from AND p_date_to) AS x
        ),
        moved AS (
            INSERT INTO canon.identity_work_lead
                (source_table, source_pk, lead_date, phone_raw, license_raw, document_raw, plate_raw, full_name_raw,
                 car_brand_raw, car_model_raw, driver_id, first_name_raw, last_name_raw, row_hash, row_version)
            SELECT s.source_table, s.source_pk, s.lead_date, s.phone_raw, s.license_raw, s.document_raw,
                   s.plate_raw, s.full_name_raw, s.car_brand_raw, s.car_model_raw, s.driver_id,
                   s.first_name_raw, s.last_name_raw, s.row_hash, s.row_version
            FROM src AS s WHERE s.moved
        )
        INSERT INTO canon.lead_scan_days (source_table, lead_date, records)
        SELECT s.source_table, s.lead_date, pg_catalog.count(*) FROM src AS s GROUP BY 1, 2;
        PERFORM pg_catalog.set_config('enable_nestloop', v_nestloop, true);
        ANALYZE canon.identity_work_lead (source_table, source_pk, row_hash, row_version);  -- the joins below
        -- the same content under a new row version: only the version is stored
        UPDATE canon.lead_keys AS k SET row_version = w.row_version
        FROM canon.identity_work_lead AS w
        WHERE k.source_table = w.source_table AND k.source_pk = w.source_pk
          AND k.row_hash = w.row_hash AND k.row_version IS DISTINCT FROM w.row_version;

        PERFORM 'PRAGMA:TABLE: identity_lead_keys (source_table text, source_pk text, lead_date date, row_hash text, row_version bigint, driver_id text, first_name_raw text, car text, phone text, license text, document text, plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, license_dni text, name_blocks text[])';
        -- each record normalized by one call of canon.normalize_record (see canon.identity_index_drivers), over
        -- a subquery kept apart by OFFSET 0; name blocks serve rule R4 only, which needs a car: two records in
        -- three have none
        CREATE TEMP TABLE identity_lead_keys ON COMMIT DROP AS
        SELECT n.source_table, n.source_pk, n.lead_date, n.row_hash, n.row_version, n.driver_id, n.first_name_raw, n.car,
               (n.k).phone, (n.k).license, (n.k).document, (n.k).plate, (n.k).name_tokens, (n.k).given_name AS name_given,
               (n.k).surnames, (n.k).two_surnames, (n.k).license_dni, (n.k).name_blocks
        FROM (SELECT w.source_table, w.source_pk, w.lead_date, w.row_hash, w.row_version, w.driver_id, w.first_name_raw,
                     pg_catalog.concat_ws(' ', w.car_brand_raw, w.car_model_raw) AS car,
                     canon.normalize_record(w.phone_raw, w.license_raw, w.document_raw, w.plate_raw, w.full_name_raw,
                                            w.first_name_raw, w.last_name_raw,
                                            pg_catalog.concat_ws(' ', w.car_brand_raw, w.car_model_raw) <> '') AS k
              FROM canon.identity_work_lead AS w
              LEFT JOIN canon.lead_keys AS k ON k.source_table = w.source_table AND k.source_pk = w.source_pk
              WHERE k.row_hash IS DISTINCT FROM w.row_hash
              OFFSET 0) AS n;

        -- the keys a changed record had until now: OPEN records sharing them are decided again
        -- (canon.identity_scope_recheck)
        INSERT INTO canon.identity_work_touch (key, stamp)
        SELECT DISTINCT x.key, p_run_id
        FROM pg_temp.identity_lead_keys AS n
        JOIN canon.lead_keys AS k ON k.source_table = n.source_table AND k.source_pk = n.source_pk
        CROSS JOIN LATERAL pg_catalog.unnest(canon.identity_record_keys(k.phone, k.id_keys, k.plate, k.name_tokens, k.name_given,
                                                      k.surnames, k.car_key, k.name_blocks, k.driver_id, k.lead_date,
                                                      ops.get_setting('name_block_days')::integer)) AS x (key)
        WHERE x.key NOT LIKE 'C:%' AND x.key NOT LIKE 'D:%';  -- they meet drivers only
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
                 name_tokens, name_key, given_name, name_given, surnames, two_surnames, name_blocks, car_key,
                 driver_id, row_hash, row_version, decided_hash, run_id, updated_at)
            SELECT k.source_table, k.source_pk, k.lead_date, k.phone, k.license, k.document, k.license_dni,
                   pg_catalog.array_remove(ARRAY['L:' || k.license,  -- sorted, distinct, no NULL
                   LEAST('N:' || k.document, 'N:' || k.license_dni),
                   CASE WHEN k.document <> k.license_dni THEN GREATEST('N:' || k.document, 'N:' || k.license_dni) END], NULL),
                   k.plate, k.name_tokens, NULLIF(pg_catalog.array_to_string(k.name_tokens, ' '), ''),
                   g.given_name, k.name_given, k.surnames, k.two_surnames, k.name_blocks, v.car_key, k.driver_id,
                   k.row_hash, k.row_version,
                   -- decided in this run (step 3 takes every row written by this run): written here rather
                   -- than by an UPDATE of every new row (and of all its indexes) at the end
                   k.row_hash, p_run_id, pg_catalog.now()
            FROM pg_temp.identity_lead_keys AS k
            LEFT JOIN given AS g ON g.raw = pg_catalog.split_part(pg_catalog.btrim(k.first_name_raw), ' ', 1)
            LEFT JOIN cars AS v ON v.car = k.car
            ON CONFLICT (source_table, source_pk) DO UPDATE
            SET lead_date = EXCLUDED.lead_date, phone = EXCLUDED.phone, license = EXCLUDED.license,
                document = EXCLUDED.document, license_dni = EXCLUDED.license_dni, id_keys = EXCLUDED.id_keys,
                plate = EXCLUDED.plate, name_tokens = EXCLUDED.name_tokens, name_key = EXCLUDED.name_key,
                given_name = EXCLUDED.given_name, name_given = EXCLUDED.name_given, surnames = EXCLUDED.surnames,
                two_surnames = EXCLUDED.two_surnames, name_blocks = EXCLUDED.name_blocks, car_key = EXCLUDED.car_key,
                driver_id = EXCLUDED.driver_id, row_hash = EXCLUDED.row_hash, row_version = EXCLUDED.row_version, decided_hash = EXCLUDED.decided_hash,
                run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at
            RETURNING t.source_table
        )
        SELECT pg_catalog.count(*) INTO v_keys_changed FROM upserted AS u;
        DROP TABLE pg_temp.identity_lead_keys;
        TRUNCATE canon.identity_work_lead;
        IF v_index_defs IS NOT NULL THEN
            PERFORM canon.create_indexes(v_index_defs);
        END IF;
        SELECT pg_catalog.count(*) INTO v_index_rows FROM canon.lead_keys AS k;
        INSERT INTO canon.identity_source_state AS st (input, fingerprint, covered, run_id, updated_at)
        VALUES ('leads', v_fp_raw || ':' || pg_catalog.pg_relation_filenode('canon.lead_keys'::pg_catalog.regclass)::text,
                v_covered + pg_catalog.datemultirange(pg_catalog.daterange(p_date_from, p_date_to, '[]')),
                p_run_id, pg_catalog.now())
        ON CONFLICT (input) DO UPDATE
        SET fingerprint = EXCLUDED.fingerprint, covered = EXCLUDED.covered, run_id = EXCLUDED.run_id,
            updated_at = EXCLUDED.updated_at;
    END IF;
    -- the records of the range per source, as kept per date by the scans (this one or earlier ones)
    SELECT pg_catalog.jsonb_build_object(
               'scanned', COALESCE(pg_catalog.jsonb_object_agg(x.source_table, x.n), '{}'::jsonb),
               'changed', v_keys_changed)
    INTO v_scan
    FROM (SELECT d.source_table, pg_catalog.sum(d.records) AS n
          FROM canon.lead_scan_days AS d
          WHERE d.lead_date BETWEEN p_date_from AND p_date_to
          GROUP BY 1) AS x;
    -- statistics for the stages below after a large change; one under a tenth of the index leaves them
    -- true enough (v_index_rows: the rows before, or after a refresh)
    IF v_keys_changed > 1000 AND v_keys_changed * 10 > v_index_rows THEN
        ANALYZE canon.lead_keys;
    END IF;
    RETURN v_scan;
END;
$$;
COMMENT ON FUNCTION canon.identity_index_leads(bigint, date, date) IS 'canon.identity_index_leads(p_run_id bigint, p_date_from date, p_date_to date) -> jsonb {scanned, changed}: refresh canon.lead_keys for the range (stage of canon.run_identity)';
