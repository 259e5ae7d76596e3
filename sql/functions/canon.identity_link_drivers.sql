-- Stage 9 of canon.run_identity: an unlinked driver joins the one person its keys match (phone or
-- licence/document, else plate + name); only drivers changed in this run or sharing a key with a record
-- linked in this run are read. A pair with a veto (canon.pair_veto) never links, nor does a driver
-- join a person any of whose records carries a veto against it, nor drivers joining one person in the
-- same pass with a veto between them. The link's match_rule, probability and
-- confidence come from the strongest compared pair with the person joined (canon.match_rule_of,
-- canon.confidence_of; docs/identity.md). Returns the number of drivers linked.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_link_drivers(p_run_id bigint, p_drivers_changed bigint, p_threshold numeric,
                                                      p_weights jsonb, p_link numeric, p_high numeric)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rows bigint := 0;
    v_most boolean;
BEGIN
    -- most drivers changed (a first load): every unlinked driver is read, without looking for the near ones
    SELECT p_drivers_changed > 0.2 * c.reltuples INTO v_most FROM pg_catalog.pg_class AS c
    WHERE c.oid = 'canon.drivers_index'::regclass;
    IF p_drivers_changed > 0 OR EXISTS (SELECT 1 FROM canon.identity_links AS l WHERE l.run_id = p_run_id) THEN
        -- each unlinked driver's person and strongest pair, in an analyzed table of its own: as CTEs the
        -- later joins were planned on a one-row estimate and compared every driver with every other
        -- one (26 k x 26 k at scale 100, 121 s; docs/identity.md, "Speed")
        PERFORM 'PRAGMA:TABLE: identity_driver_join (driver_id text, person uuid, levels text[], weight_milli bigint, matched jsonb)';
        CREATE TEMP TABLE identity_driver_join ON COMMIT DROP AS
        WITH fresh AS MATERIALIZED (  -- the records linked in this run
            SELECT k.phone, k.license, k.document, k.license_dni, k.plate, k.name_tokens
            FROM canon.identity_links AS l
            JOIN canon.lead_keys AS k ON k.source_table = l.source_table AND k.source_pk = l.source_pk
            WHERE l.run_id = p_run_id AND l.source_table <> 'drivers'
            UNION ALL
            SELECT d.phone, d.license, d.document, d.license_dni, d.plate, d.name_tokens
            FROM canon.identity_links AS l
            JOIN canon.drivers_index AS d ON d.driver_id = l.source_pk
            WHERE l.run_id = p_run_id AND l.source_table = 'drivers' AND d.removed_at IS NULL
        ),
        near AS (  -- drivers that may hit a record linked in this run (the hits below, by index)
            SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.phone = f.phone
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.license = f.license
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.document = f.document
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.document = f.license_dni
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.license_dni = f.document
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d ON d.license_dni = f.license_dni
            UNION SELECT d.driver_id FROM fresh AS f JOIN canon.drivers_index AS d
                  ON d.plate = f.plate AND d.name_tokens && f.name_tokens
        ),
        -- only drivers changed in this run or near a record linked in it can be linked now (see relevant
        -- below): the others are not read (the columns used below only: the whole row is ~460 bytes)
        loose AS MATERIALIZED (
            SELECT d.driver_id, d.run_id, d.phone, d.id_keys, d.license, d.document, d.license_dni, d.plate,
                   d.name_tokens, d.given_name, d.name_given, d.surnames, d.two_surnames
            FROM (SELECT d0.driver_id FROM canon.drivers_index AS d0 WHERE v_most OR d0.run_id = p_run_id
                  UNION SELECT n.driver_id FROM near AS n WHERE NOT v_most) AS x
            JOIN canon.drivers_index AS d ON d.driver_id = x.driver_id
            WHERE d.removed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                              WHERE l.source_table = 'drivers' AND l.source_pk = d.driver_id)
        ),
        -- the persons' records sharing a phone, licence / DNI key or plate with one of those drivers: one
        -- equi-join per key (hashed for many drivers, by index for a few)
        near_leads AS (
            SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.phone = c.phone
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.plate = c.plate
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.license = c.license
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.document = c.document
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.document = c.license_dni
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.license_dni = c.document
            UNION SELECT k.source_table, k.source_pk FROM loose AS c JOIN canon.lead_keys AS k ON k.license_dni = c.license_dni
        ),
        -- the other drivers sharing a key with one of those (a driver's own keys found itself: 1.1 M of the
        -- 1.4 M rows made distinct in a full resolve at scale 100; it is unlinked, so never a holder)
        near_drivers AS (
            SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.phone = c.phone AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.plate = c.plate AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.license = c.license AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.document = c.document AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.document = c.license_dni AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.license_dni = c.document AND d.driver_id <> c.driver_id
            UNION SELECT d.driver_id FROM loose AS c JOIN canon.drivers_index AS d ON d.license_dni = c.license_dni AND d.driver_id <> c.driver_id
        ),
        holders AS MATERIALIZED (
            SELECT l.person_key, l.run_id AS link_run, k.phone, k.id_keys, k.plate, k.name_tokens, k.given_name,
                   k.name_given, k.surnames, k.two_surnames
            FROM near_leads AS n
            JOIN canon.lead_keys AS k ON k.source_table = n.source_table AND k.source_pk = n.source_pk
            JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
            UNION ALL
            SELECT l.person_key, l.run_id, d.phone, d.id_keys, d.plate, d.name_tokens, d.given_name, d.name_given,
                   d.surnames, d.two_surnames
            FROM near_drivers AS n
            JOIN canon.drivers_index AS d ON d.driver_id = n.driver_id
            JOIN canon.identity_links AS l ON l.source_table = 'drivers' AND l.source_pk = d.driver_id
            WHERE d.removed_at IS NULL
        ),
        hits AS (
            SELECT c.driver_id, c.run_id AS driver_run, h.link_run, 'R1_PHONE_EXACT' AS match_rule, h.person_key,
                   'phone' AS key_kind, c.phone AS key_value, v.levels,
                   canon.names_conflict(c.name_tokens, h.name_tokens, c.given_name, h.given_name, p_threshold)
                   OR (pg_catalog.cardinality(c.id_keys) > 0 AND pg_catalog.cardinality(h.id_keys) > 0
                       AND NOT c.id_keys && h.id_keys
                       AND canon.name_similarity(c.name_tokens, h.name_tokens) < p_threshold)
                   OR canon.pair_veto(v.levels) IS NOT NULL AS conflict,
                   NULL::numeric AS similarity
            FROM loose AS c JOIN holders AS h ON h.phone = c.phone
            -- each pair compared once, its levels read twice (a sub-query kept apart by OFFSET 0)
            CROSS JOIN LATERAL (SELECT canon.compare_levels(
                                        c.phone, c.id_keys, c.plate, c.name_tokens, c.name_given, c.surnames, c.two_surnames, NULL, NULL,
                                        h.phone, h.id_keys, h.plate, h.name_tokens, h.name_given, h.surnames, h.two_surnames, NULL, NULL,
                                        p_threshold) AS levels
                                OFFSET 0) AS v
            UNION ALL
            SELECT c.driver_id, c.run_id, h.link_run, 'R2_LICENSE_EXACT', h.person_key,
                   CASE WHEN ck.key LIKE 'L:%' THEN 'license' ELSE 'document' END, pg_catalog.substr(ck.key, 3),
                   canon.compare_levels(
                       c.phone, c.id_keys, c.plate, c.name_tokens, c.name_given, c.surnames, c.two_surnames, NULL, NULL,
                       h.phone, h.id_keys, h.plate, h.name_tokens, h.name_given, h.surnames, h.two_surnames, NULL, NULL,
                       p_threshold),
                   false, NULL
            FROM loose AS c
            CROSS JOIN LATERAL pg_catalog.unnest(c.id_keys) AS ck (key)
            JOIN (SELECT h0.*, hk.key FROM holders AS h0 CROSS JOIN LATERAL pg_catalog.unnest(h0.id_keys) AS hk (key)) AS h
              ON h.key = ck.key
            UNION ALL
            SELECT c.driver_id, c.run_id, h.link_run, 'R3B_PLATE_NAME_ANY_DATE', h.person_key, 'plate', c.plate,
                   v.levels, canon.pair_veto(v.levels) IS NOT NULL, canon.name_similarity(c.name_tokens, h.name_tokens)
            FROM loose AS c JOIN holders AS h ON h.plate = c.plate
            CROSS JOIN LATERAL (SELECT canon.compare_levels(
                                        c.phone, c.id_keys, c.plate, c.name_tokens, c.name_given, c.surnames, c.two_surnames, NULL, NULL,
                                        h.phone, h.id_keys, h.plate, h.name_tokens, h.name_given, h.surnames, h.two_surnames, NULL, NULL,
                                        p_threshold) AS levels
                                OFFSET 0) AS v
            WHERE c.name_tokens && h.name_tokens
        ),
        relevant AS (
            SELECT x.*
            FROM hits AS x
            WHERE x.driver_id IN (SELECT y.driver_id FROM hits AS y WHERE y.driver_run = p_run_id OR y.link_run = p_run_id)
              AND NOT x.conflict
              AND (x.match_rule <> 'R3B_PLATE_NAME_ANY_DATE' OR x.similarity >= p_threshold)
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
        ),
        best AS (  -- the strongest compared pair with the person joined: the link's rule and probability
            SELECT DISTINCT ON (r.driver_id) r.driver_id, r.levels, canon.levels_weight(r.levels, p_weights) AS weight_milli,
                   r.person_key AS person, p.matched
            FROM relevant AS r
            JOIN per_driver AS p ON p.driver_id = r.driver_id
            WHERE r.person_key::text = CASE WHEN p.strong = 1 THEN p.strong_person ELSE p.fuzzy_person END
              AND (p.strong = 1 OR (p.strong = 0 AND p.fuzzy = 1))
            ORDER BY r.driver_id, canon.levels_weight(r.levels, p_weights) DESC, r.key_kind, r.key_value
        )
        SELECT b.driver_id, b.person, b.levels, b.weight_milli, b.matched FROM best AS b;
        ANALYZE pg_temp.identity_driver_join (driver_id, person);  -- the join keys below

        WITH vetoed AS (  -- a veto against any record of the person the driver would join (not only the hit)
            SELECT DISTINCT j.driver_id
            FROM pg_temp.identity_driver_join AS j
            JOIN canon.drivers_index AS c ON c.driver_id = j.driver_id
            JOIN canon.v_person_records AS r ON r.person_key = j.person
            CROSS JOIN LATERAL (SELECT canon.compare_levels(
                      c.phone, c.id_keys, c.plate, c.name_tokens, c.name_given, c.surnames, c.two_surnames, NULL, NULL,
                      r.phone, r.id_keys, r.plate, r.name_tokens, r.name_given, r.surnames, r.two_surnames, NULL, NULL,
                      p_threshold) AS levels OFFSET 0) AS cmp
            WHERE canon.pair_veto(cmp.levels) IS NOT NULL
        ),
        joining AS MATERIALIZED (  -- drivers joining a person that another driver joins in this pass too
            SELECT j.driver_id, j.person
            FROM (SELECT j0.driver_id, j0.person, pg_catalog.count(*) OVER (PARTITION BY j0.person) AS n
                  FROM pg_temp.identity_driver_join AS j0) AS j
            WHERE j.n > 1
        ),
        clash AS (  -- drivers joining one person in this pass are compared with each other too
            SELECT DISTINCT a.driver_id
            FROM joining AS a
            JOIN joining AS b ON b.person = a.person AND b.driver_id <> a.driver_id
            JOIN canon.drivers_index AS da ON da.driver_id = a.driver_id
            JOIN canon.drivers_index AS db ON db.driver_id = b.driver_id
            CROSS JOIN LATERAL (SELECT canon.compare_levels(
                      da.phone, da.id_keys, da.plate, da.name_tokens, da.name_given, da.surnames, da.two_surnames, NULL,
                      NULL, db.phone, db.id_keys, db.plate, db.name_tokens, db.name_given, db.surnames, db.two_surnames,
                      NULL, NULL, p_threshold) AS levels OFFSET 0) AS cmp
            WHERE NOT EXISTS (SELECT 1 FROM vetoed AS v WHERE v.driver_id = a.driver_id)
              AND canon.pair_veto(cmp.levels) IS NOT NULL
        )
        INSERT INTO canon.identity_links
            (person_key, source_table, source_pk, match_rule, match_score, match_probability, confidence_level,
             evidence, run_id)
        SELECT j.person, 'drivers', j.driver_id, canon.match_rule_of(j.levels),
               pg_catalog.round(canon.match_probability(j.weight_milli, (p_weights ->> 'prior')::bigint) * 100, 2),
               canon.match_probability(j.weight_milli, (p_weights ->> 'prior')::bigint),
               canon.confidence_of(canon.match_probability(j.weight_milli, (p_weights ->> 'prior')::bigint), p_link, p_high),
               pg_catalog.jsonb_build_object('rule', canon.match_rule_of(j.levels),
                                             'probability', canon.match_probability(j.weight_milli, (p_weights ->> 'prior')::bigint),
                                             'levels', pg_catalog.array_to_json(j.levels),
                                             'matched', j.matched, 'driver_pass', true),
               p_run_id
        FROM pg_temp.identity_driver_join AS j
        WHERE NOT EXISTS (SELECT 1 FROM vetoed AS v WHERE v.driver_id = j.driver_id)
          AND NOT EXISTS (SELECT 1 FROM clash AS c WHERE c.driver_id = j.driver_id)
        ON CONFLICT (source_table, source_pk) DO NOTHING;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        DROP TABLE pg_temp.identity_driver_join;
    END IF;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION canon.identity_link_drivers(bigint, bigint, numeric, jsonb, numeric, numeric) IS 'canon.identity_link_drivers(p_run_id bigint, p_drivers_changed bigint, p_threshold numeric, p_weights jsonb, p_link numeric, p_high numeric) -> bigint: link unlinked drivers to the person their keys match (stage of canon.run_identity)';
