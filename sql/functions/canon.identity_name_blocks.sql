-- NAME+DATE blocks (docs/identity.md), a step of canon.identity_link_names. From the subjects in
-- pg_temp.identity_name_subject it builds, in the transaction's temporary tables:
--   identity_name_subject_key (dropped at the end): each subject's keys in its date bucket, given name +
--     one surname and the same with the given name or the surname replaced by a given name or surname one
--     typo from it, when a lead record holds that key (canon.name_token_variant, canon.name_tokens_close,
--     canon.name_key);
--   identity_name_cand: the lead records of existing persons holding a subject's key whose lead date lies
--     from two buckets before the first bucket of the key's subjects to two after their last (every block
--     the key meets, whole), one row per surname: key 'GIVEN SURNAME' and date bucket (days since
--     2000-01-01 / p_days);
--   identity_name_record_variant: the distinct tokens of those records (every token, the given name, the
--     surnames), each with its variants (canon.name_token_variants), for the pairs step;
--   identity_name_block: each block (key, bucket) of those records, kept when it holds at most
--     p_max_block distinct names, with its records;
--   identity_name_key: each subject's keys in its bucket and both neighbours (an equi-join), only where a
--     block holds them.
-- Returns {pairs_left_out, blocks_left_out}: the records of the capped blocks summed per subject key.
CREATE OR REPLACE FUNCTION canon.identity_name_blocks(p_days integer, p_max_block integer)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_left_out bigint;
    v_blocks_out bigint;
BEGIN
    PERFORM 'PRAGMA:TABLE: identity_name_subject (node_id integer, source_table text, source_pk text, lead_date date, phone text, id_keys text[], plate text, name_tokens text[], name_given text, surnames text[], two_surnames boolean, car_key text)';
    -- each subject's keys in its date bucket: given name + surname, and the given name replaced by a given
    -- name one typo from it, or the surname by a surname one typo from it, when a lead record holds that
    -- key. Close tokens come from canon.name_token_variant (a shared one-letter deletion first, a hash
    -- join, then canon.name_tokens_close), the keys some record holds from canon.name_key (both kept by
    -- canon.identity_name_tokens). Known before any candidate record is read, they fetch only the records
    -- holding one (by index): a run's few subjects do not read every record of their dates. Every close
    -- token with every subject's other token, the keys no record holds dropped later, was 208 keys per
    -- subject at scale 1000 (33 M rows), 25 so (migration 0047). A typo key is an ordinary key value: the
    -- candidate records' own keys stay exact, so blocks and their cap are the same as without typos.
    PERFORM 'PRAGMA:TABLE: identity_name_subject_key (node_id integer, key text, bucket integer)';
    CREATE TEMP TABLE identity_name_subject_key ON COMMIT DROP AS
    WITH parts AS MATERIALIZED (
        SELECT DISTINCT n.node_id, n.name_given AS given, sn.surname, (n.lead_date - DATE '2000-01-01') / p_days AS bucket
        FROM pg_temp.identity_name_subject AS n
        CROSS JOIN LATERAL pg_catalog.unnest(n.surnames) AS sn (surname)
    ),
    close_tokens AS MATERIALIZED (
        SELECT DISTINCT t.role, t.token, d.token AS close_token
        FROM (SELECT DISTINCT 'G'::text AS role, p.given AS token FROM parts AS p
              UNION
              SELECT 'S'::text, p.surname FROM parts AS p) AS t
        CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
        JOIN canon.name_token_variant AS d ON d.role = t.role AND d.variant = v.variant AND d.token <> t.token
        WHERE canon.name_tokens_close(t.token, d.token)
    ),
    -- per (given name, surname) a subject may hold: the keys some record holds with one of the two
    -- replaced by a close token; only the subjects' tokens are expanded, never a (token, surname) product
    close_keys AS MATERIALIZED (
        SELECT c.token AS given, k.surname, k.given || ' ' || k.surname AS key
        FROM close_tokens AS c
        JOIN canon.name_key AS k ON k.given = c.close_token
        WHERE c.role = 'G'
        UNION ALL
        SELECT k.given, c.token, k.given || ' ' || k.surname
        FROM close_tokens AS c
        JOIN canon.name_key AS k ON k.surname = c.close_token
        WHERE c.role = 'S'
    )
    SELECT p.node_id, p.given || ' ' || p.surname AS key, p.bucket FROM parts AS p
    UNION
    SELECT p.node_id, c.key, p.bucket
    FROM parts AS p JOIN close_keys AS c ON c.given = p.given AND c.surname = p.surname;
    ANALYZE pg_temp.identity_name_subject_key;

    -- the dates whose records can share a block with a subject's key: buckets b - 1 .. b + 1 of its
    -- bucket b lie within (b - 2) * p_days .. (b + 2) * p_days days of 2000-01-01 (the division truncates
    -- towards zero, so a bucket spans at most 2 * p_days - 1 days); one span per key, from its subjects'
    -- first bucket to their last, [date_from, date_to) (a union of disjoint spans per key, range_agg, cost
    -- 1.6 s of a full resolve at scale 100 for 374 k keys)
    PERFORM 'PRAGMA:TABLE: identity_name_key_span (key text, date_from date, date_to date)';
    CREATE TEMP TABLE identity_name_key_span ON COMMIT DROP AS
    SELECT k.key, DATE '2000-01-01' + (pg_catalog.min(k.bucket) - 2) * p_days AS date_from,
           DATE '2000-01-01' + (pg_catalog.max(k.bucket) + 2) * p_days + 1 AS date_to
    FROM pg_temp.identity_name_subject_key AS k
    GROUP BY k.key;
    ANALYZE pg_temp.identity_name_key_span;

    -- every lead record of an existing person holding a subject's key within its key's span, in all its
    -- blocks: every block (key, bucket) a subject's key meets is thus whole, and no record outside the
    -- span is read. The keys below are kept only when one of these holds them (a typo key no record
    -- holds finds nothing). A record's keys are its given name with its first and with its second
    -- surname (canon.parse_name reads at most two), each indexed with the lead date (migration 0043).
    PERFORM 'PRAGMA:TABLE: identity_name_cand (source_table text, source_pk text, person_key uuid, lead_date date, name_tokens text[], surnames text[], given text, surname text, key text, bucket integer)';
    CREATE TEMP TABLE identity_name_cand ON COMMIT DROP AS
    SELECT k.source_table, k.source_pk, l.person_key, k.lead_date, k.name_tokens, k.surnames,
           k.name_given AS given, sn.surname, k.name_given || ' ' || sn.surname AS key,
           (k.lead_date - DATE '2000-01-01') / p_days AS bucket
    -- the records whose first key is a subject's in its span, then those whose second key only is (each
    -- record once, without sorting them to make them distinct: one span per key)
    FROM (SELECT k1.source_table, k1.source_pk, k1.lead_date, k1.name_tokens, k1.surnames, k1.name_given
          FROM pg_temp.identity_name_key_span AS w
          JOIN canon.lead_keys AS k1 ON k1.name_given || ' ' || k1.surnames[1] = w.key
          WHERE k1.name_given IS NOT NULL AND k1.lead_date >= w.date_from AND k1.lead_date < w.date_to
          UNION ALL
          SELECT k2.source_table, k2.source_pk, k2.lead_date, k2.name_tokens, k2.surnames, k2.name_given
          FROM pg_temp.identity_name_key_span AS w
          JOIN canon.lead_keys AS k2 ON k2.name_given || ' ' || k2.surnames[2] = w.key
          WHERE k2.name_given IS NOT NULL AND pg_catalog.cardinality(k2.surnames) >= 2
            AND k2.lead_date >= w.date_from AND k2.lead_date < w.date_to
            AND NOT EXISTS (SELECT 1 FROM pg_temp.identity_name_key_span AS w1
                            WHERE w1.key = k2.name_given || ' ' || k2.surnames[1]
                              AND k2.lead_date >= w1.date_from AND k2.lead_date < w1.date_to)) AS k
    JOIN canon.identity_links AS l ON l.source_table = k.source_table AND l.source_pk = k.source_pk
    CROSS JOIN LATERAL pg_catalog.unnest(k.surnames) AS sn (surname);
    DROP TABLE pg_temp.identity_name_key_span;
    ANALYZE pg_temp.identity_name_cand (key, bucket);  -- what the joins and groupings below read

    PERFORM 'PRAGMA:TABLE: identity_name_record_variant (token text, variant text)';
    CREATE TEMP TABLE identity_name_record_variant ON COMMIT DROP AS
    SELECT t.token, v.variant
    FROM (SELECT DISTINCT pg_catalog.unnest(c.name_tokens || c.surnames || c.given) AS token
          FROM pg_temp.identity_name_cand AS c
          WHERE c.surname IS NOT DISTINCT FROM c.surnames[1]) AS t  -- one row per surname: the first is enough
    CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant);
    ANALYZE pg_temp.identity_name_record_variant;

    -- every block (key, bucket) of the candidate records, kept when it holds at most p_max_block distinct
    -- names, with its records: one grouping of the candidate rows, from which the subjects' keys are
    -- then matched (testing each key and neighbour bucket against the candidate rows, then grouping the
    -- rows of the keys met, read them three times: 23.6 s at scale 1000, 1.3 s at scale 100)
    PERFORM 'PRAGMA:TABLE: identity_name_block (key text, bucket integer, kept boolean, records bigint)';
    CREATE TEMP TABLE identity_name_block ON COMMIT DROP AS
    SELECT c.key, c.bucket, pg_catalog.count(DISTINCT c.name_tokens) <= p_max_block AS kept,
           pg_catalog.count(*) AS records
    FROM pg_temp.identity_name_cand AS c
    GROUP BY c.key, c.bucket;
    ANALYZE pg_temp.identity_name_block;

    -- each subject's keys in its bucket and both neighbours, where a block holds them (a subject has one
    -- bucket, so each row is one already)
    PERFORM 'PRAGMA:TABLE: identity_name_key (node_id integer, key text, bucket integer)';
    CREATE TEMP TABLE identity_name_key ON COMMIT DROP AS
    SELECT k.node_id, k.key, b.bucket
    FROM pg_temp.identity_name_subject_key AS k
    JOIN pg_temp.identity_name_block AS b ON b.key = k.key AND b.bucket BETWEEN k.bucket - 1 AND k.bucket + 1;
    ANALYZE pg_temp.identity_name_key;
    DROP TABLE pg_temp.identity_name_subject_key;

    -- the pairs the capped blocks left out
    SELECT COALESCE(pg_catalog.sum(b.records), 0), pg_catalog.count(DISTINCT (b.key, b.bucket))
    INTO v_left_out, v_blocks_out
    FROM pg_temp.identity_name_key AS s
    JOIN pg_temp.identity_name_block AS b ON b.key = s.key AND b.bucket = s.bucket
    WHERE NOT b.kept;
    RETURN pg_catalog.jsonb_build_object('pairs_left_out', v_left_out, 'blocks_left_out', v_blocks_out);
END;
$$;
COMMENT ON FUNCTION canon.identity_name_blocks(integer, integer) IS 'canon.identity_name_blocks(p_days integer, p_max_block integer) -> jsonb {pairs_left_out, blocks_left_out}: NAME+DATE candidate records, subject keys and blocks as temporary tables (step of canon.identity_link_names)';
