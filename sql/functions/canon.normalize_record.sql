-- The normalized keys of one driver or lead record, from one call (docs/identity.md, "Normalizing"):
-- phone, licence, document, plate (docs/rules.md §2), the DNI a licence carries, the name's sorted
-- distinct tokens without stopwords, its parsed given name and surnames, and when p_blocks its fuzzy
-- blocking keys. The one definition: canon.normalize_phone, _license, _document, _plate, canon.name_tokens
-- and canon.parse_name read their column from it; canon.license_dni (from a normalized licence) and
-- canon.name_block_keys (from a token list) keep their own code, and tests/pgtap/10-normalizers.sql
-- checks that they agree with it on hostile input.
-- Stages 1 and 2 of identity normalize every new or changed record through it: one call and one
-- search_path switch instead of seven, each name field folded once (the full name was folded by
-- name_tokens and again by parse_name), a named result type (its row descriptor is cached; OUT
-- parameters build one every call): 15 us a driver instead of 31 (measured at scale 100).
-- PL/pgSQL without SQL statements inside on the common path (a query per call costs executor start-up).
-- Names are folded by canon.name_fold_tokens (as canon.normalize_name folds them, its '[^A-Z]+' written
-- '[^A-Z]{2,}|[^A-Z ]': a third of a fold's cost, inlined). Raw identifiers over 100
-- characters are no identifier (NULL); names are read to 200 characters.
CREATE OR REPLACE FUNCTION canon.normalize_record(p_phone text, p_license text, p_document text, p_plate text,
                                                  p_full text, p_given text, p_surnames text, p_blocks boolean)
RETURNS canon.normalized_record
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- the result's columns
    v_phone text;
    v_license text;
    v_document text;
    v_plate text;
    v_license_dni text;
    v_name_tokens text[];
    v_given_name text;
    v_surnames text[];
    v_two_surnames boolean;
    v_name_blocks text[];
    -- what each field keeps, before its checks: digits (phone, document), upper-case [A-Z0-9] (licence,
    -- plate); raw identifiers over 100 characters are none
    v_phone_digits text := pg_catalog.regexp_replace(CASE WHEN pg_catalog.length(p_phone) <= 100 THEN p_phone END, '[^0-9]+', '', 'g');
    v_license_kept text := pg_catalog.regexp_replace(pg_catalog.upper(CASE WHEN pg_catalog.length(p_license) <= 100 THEN p_license END),
                                                '[^0-9A-Z]+', '', 'g');
    v_license_digits text := pg_catalog.regexp_replace(v_license_kept, '[A-Z]+', '', 'g');
    v_document_digits text := pg_catalog.regexp_replace(CASE WHEN pg_catalog.length(p_document) <= 100 THEN p_document END, '[^0-9]+', '', 'g');
    v_plate_kept text := pg_catalog.regexp_replace(pg_catalog.upper(CASE WHEN pg_catalog.length(p_plate) <= 100 THEN p_plate END),
                                              '[^0-9A-Z]+', '', 'g');
    -- every token of the full name in written order, stopwords included (NULL when p_full is NULL)
    v_full text[] := canon.name_fold_tokens(p_full);
    v_tokens text[];
    v_n integer;
BEGIN
    -- phone (docs/rules.md §2): 9 digits starting with 9, after the 51 of an 11-digit number; not 999999999
    v_phone := NULLIF(CASE WHEN pg_catalog.length(v_phone_digits) = 11 AND pg_catalog.left(v_phone_digits, 3) = '519' THEN pg_catalog.substr(v_phone_digits, 3)
                         WHEN pg_catalog.length(v_phone_digits) = 9 AND pg_catalog.left(v_phone_digits, 1) = '9' THEN v_phone_digits END,
                    '999999999');
    -- licence: NULL without a digit, over 20 characters, or with placeholder digits (one digit repeated,
    -- 12345678, 123456789, 87654321)
    v_license := CASE WHEN v_license_digits <> '' AND pg_catalog.length(v_license_kept) <= 20
                         AND pg_catalog.translate(v_license_digits, pg_catalog.left(v_license_digits, 1), '') <> ''
                         AND v_license_digits NOT IN ('12345678', '123456789', '87654321') THEN v_license_kept END;
    -- document: 7 digits padded to 8 (a leading zero lost upstream), 8 to 12 kept; no placeholder
    v_document_digits := CASE WHEN pg_catalog.length(v_document_digits) = 7 THEN '0' || v_document_digits
                       WHEN pg_catalog.length(v_document_digits) BETWEEN 8 AND 12 THEN v_document_digits END;
    v_document := CASE WHEN pg_catalog.translate(v_document_digits, pg_catalog.left(v_document_digits, 1), '') <> ''
                          AND v_document_digits NOT IN ('12345678', '123456789', '87654321', '01234567') THEN v_document_digits END;
    -- the licence's DNI (canon.license_dni): a licence of at most one letter, then 7 or 8 digits, carries
    -- the document those digits are (padded and checked as the document above)
    v_license_digits := CASE WHEN pg_catalog.length(v_license_digits) IN (7, 8)
                                  AND pg_catalog.length(v_license) <= pg_catalog.length(v_license_digits) + 1
                                  AND pg_catalog.right(v_license, pg_catalog.length(v_license_digits)) = v_license_digits
                             THEN pg_catalog.lpad(v_license_digits, 8, '0') END;
    v_license_dni := CASE WHEN pg_catalog.translate(v_license_digits, pg_catalog.left(v_license_digits, 1), '') <> ''
                             AND v_license_digits NOT IN ('12345678', '87654321', '01234567') THEN v_license_digits END;
    -- plate: at most 12 characters, a digit, not one character repeated
    v_plate := CASE WHEN pg_catalog.length(v_plate_kept) <= 12 AND pg_catalog.translate(v_plate_kept, '0123456789', '') <> v_plate_kept
                       AND pg_catalog.translate(v_plate_kept, pg_catalog.left(v_plate_kept, 1), '') <> '' THEN v_plate_kept END;

    -- name tokens (canon.name_tokens): array_to_tsvector sorts and de-duplicates in C (byte order),
    -- ts_delete drops the stopwords; the loop checks the order under the call's collation
    v_name_tokens := pg_catalog.tsvector_to_array(pg_catalog.ts_delete(pg_catalog.array_to_tsvector(v_full),
                                                                     '{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]));
    -- the first five tokens in one expression, then one step a token
    IF NOT (v_name_tokens[2] IS NULL OR v_name_tokens[1] < v_name_tokens[2] AND (v_name_tokens[3] IS NULL OR v_name_tokens[2] < v_name_tokens[3]
            AND (v_name_tokens[4] IS NULL OR v_name_tokens[3] < v_name_tokens[4] AND (v_name_tokens[5] IS NULL OR v_name_tokens[4] < v_name_tokens[5])))) THEN
        v_name_tokens := ARRAY(SELECT t.token FROM pg_catalog.unnest(v_name_tokens) AS t (token) ORDER BY t.token);
    ELSIF v_name_tokens[6] IS NOT NULL THEN
        FOR i IN 6 .. pg_catalog.cardinality(v_name_tokens) LOOP
            IF NOT v_name_tokens[i - 1] < v_name_tokens[i] THEN
                v_name_tokens := ARRAY(SELECT t.token FROM pg_catalog.unnest(v_name_tokens) AS t (token) ORDER BY t.token);
                EXIT;
            END IF;
        END LOOP;
    END IF;

    -- name blocks (canon.name_block_keys) when p_blocks: the full key and every "all tokens but one" key, in
    -- the order they sort in byte order (all but the last, the full key, all but the one before, ...);
    -- up to four tokens in one expression, the order checked under the call's collation
    v_name_blocks := '{}'::text[];
    IF p_blocks THEN
        v_name_blocks := CASE pg_catalog.cardinality(v_name_tokens)
                             WHEN 0 THEN '{}'::text[]
                             WHEN 1 THEN v_name_tokens
                             WHEN 2 THEN ARRAY[v_name_tokens[1], v_name_tokens[1] || ' ' || v_name_tokens[2], v_name_tokens[2]]
                             WHEN 3 THEN ARRAY[v_name_tokens[1] || ' ' || v_name_tokens[2], v_name_tokens[1] || ' ' || v_name_tokens[2] || ' ' || v_name_tokens[3],
                                               v_name_tokens[1] || ' ' || v_name_tokens[3], v_name_tokens[2] || ' ' || v_name_tokens[3]]
                             WHEN 4 THEN ARRAY[v_name_tokens[1] || ' ' || v_name_tokens[2] || ' ' || v_name_tokens[3], v_name_tokens[1] || ' ' || v_name_tokens[2] || ' ' || v_name_tokens[3] || ' ' || v_name_tokens[4],
                                               v_name_tokens[1] || ' ' || v_name_tokens[2] || ' ' || v_name_tokens[4], v_name_tokens[1] || ' ' || v_name_tokens[3] || ' ' || v_name_tokens[4],
                                               v_name_tokens[2] || ' ' || v_name_tokens[3] || ' ' || v_name_tokens[4]] END;
        IF pg_catalog.cardinality(v_name_tokens) > 4 THEN
            v_n := pg_catalog.cardinality(v_name_tokens);
            v_name_blocks := ARRAY[pg_catalog.array_to_string(v_name_tokens[:v_n - 1], ' '), pg_catalog.array_to_string(v_name_tokens, ' ')];
            FOR i IN REVERSE v_n - 1 .. 1 LOOP
                v_name_blocks := v_name_blocks || pg_catalog.array_to_string(v_name_tokens[:i - 1] || v_name_tokens[i + 1:], ' ');
            END LOOP;
            FOR i IN 2 .. v_n + 1 LOOP
                IF NOT v_name_blocks[i - 1] < v_name_blocks[i] THEN
                    v_name_blocks := ARRAY(SELECT DISTINCT k.key FROM pg_catalog.unnest(v_name_blocks) AS k (key) ORDER BY k.key);
                    EXIT;
                END IF;
            END LOOP;
        ELSIF NOT (v_name_blocks[2] IS NULL OR v_name_blocks[1] < v_name_blocks[2] AND v_name_blocks[2] < v_name_blocks[3]
                   AND (v_name_blocks[4] IS NULL OR v_name_blocks[3] < v_name_blocks[4] AND (v_name_blocks[5] IS NULL OR v_name_blocks[4] < v_name_blocks[5]))) THEN
            v_name_blocks := ARRAY(SELECT DISTINCT k.key FROM pg_catalog.unnest(v_name_blocks) AS k (key) ORDER BY k.key);
        END IF;
    END IF;

    -- parsed name (canon.parse_name): the surname field first, when it holds a token that is no stopword
    IF pg_catalog.btrim(p_surnames) <> '' THEN
        v_tokens := canon.name_fold_tokens(p_surnames);
        IF v_tokens && '{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[] THEN
            v_tokens := canon.name_drop_stopwords(v_tokens);
        END IF;
        IF v_tokens[1] IS NOT NULL THEN
            v_surnames := v_tokens[GREATEST(pg_catalog.cardinality(v_tokens) - 1, 1):];
            v_two_surnames := v_tokens[2] IS NOT NULL;
            -- the first token of the given-name field that is no stopword
            v_tokens := canon.name_fold_tokens(p_given);
            v_given_name := CASE WHEN v_tokens[1] <> ALL ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]) THEN v_tokens[1]
                               ELSE (canon.name_drop_stopwords(v_tokens))[1] END;
            RETURN ROW(v_phone, v_license, v_document, v_plate, v_license_dni, v_name_tokens, v_given_name, v_surnames, v_two_surnames, v_name_blocks)::canon.normalized_record;
        END IF;
    END IF;
    -- then the full name, from its one fold above; the given-name field's first token, stopword or not,
    -- is the given name when there is one
    v_tokens := v_full;
    IF v_tokens && '{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[] THEN
        v_tokens := canon.name_drop_stopwords(v_tokens);
    END IF;
    v_n := pg_catalog.cardinality(v_tokens);
    v_given_name := COALESCE((canon.name_fold_tokens(p_given))[1],
                           v_tokens[1]);
    v_surnames := '{}'::text[];
    v_two_surnames := false;
    IF v_n >= 3 THEN
        -- three tokens may be a given name, a middle name and one surname: two surnames are read, but
        -- the record does not "carry two surnames" (no contradiction can rest on that reading)
        v_surnames := v_tokens[v_n - 1:v_n];
        v_two_surnames := v_n >= 4;
    ELSIF v_n = 2 THEN
        v_surnames := v_tokens[2:2];
    END IF;
    RETURN ROW(v_phone, v_license, v_document, v_plate, v_license_dni, v_name_tokens, v_given_name, v_surnames, v_two_surnames, v_name_blocks)::canon.normalized_record;
END;
$$;
COMMENT ON FUNCTION canon.normalize_record(text, text, text, text, text, text, text, boolean) IS 'canon.normalize_record(p_phone text, p_license text, p_document text, p_plate text, p_full text, p_given text, p_surnames text, p_blocks boolean) -> (phone, license, document, plate, license_dni, name_tokens, given_name, surnames, two_surnames, name_blocks): a record''s normalized keys in one call';
