-- NAME+DATE dictionaries (docs/identity.md, "NAME+DATE"), a step of canon.identity_link_names before
-- canon.identity_name_blocks:
--   canon.name_token_variant: every given name (role G) and surname (role S) of the lead records with its
--     variants (canon.name_token_variants), so that the given names and surnames one typo from a subject's
--     are found without reading the candidate records;
--   canon.name_key: every (given name, surname) pair of the lead records, so that a subject's typo keys
--     are only those some record holds.
-- Adds the names of the records indexed since the last call (lead_keys.run_id, by index), read once for
-- both; fills both anew on the first call and whenever canon.name_token_variants or the dictionaries'
-- layout changed (the digest of both is the state's fingerprint). A name whose records were removed
-- stays: it can only add a key that no record holds. Returns the token rows added.
-- A step of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_name_tokens(p_run_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- 'keys': the dictionaries' layout (canon.name_key added, migration 0047); a state written by an
    -- earlier layout fills both anew
    v_digest text := pg_catalog.md5('keys:' || pg_catalog.pg_get_functiondef('canon.name_token_variants(text)'::pg_catalog.regprocedure));
    v_fingerprint text;
    v_since bigint;
    v_added bigint;
BEGIN
    SELECT st.fingerprint, st.run_id INTO v_fingerprint, v_since
    FROM canon.identity_source_state AS st WHERE st.input = 'name_tokens';
    IF v_fingerprint IS DISTINCT FROM v_digest THEN
        -- DELETE, not TRUNCATE: a new relfilenode would read as a changed input to the pipeline's fast path
        DELETE FROM canon.name_token_variant AS d WHERE true;
        DELETE FROM canon.name_key AS d WHERE true;
        v_since := NULL;
    END IF;

    -- the (given name, surname) pairs of the records indexed since, once for both dictionaries; a record
    -- without surnames gives its given name alone (a token, no key), one without a given name its
    -- surnames alone
    PERFORM 'PRAGMA:TABLE: identity_name_pairs_new (given text, surname text)';
    CREATE TEMP TABLE identity_name_pairs_new ON COMMIT DROP AS
    SELECT DISTINCT k.name_given AS given, sn.surname
    FROM canon.lead_keys AS k
    LEFT JOIN LATERAL pg_catalog.unnest(k.surnames) AS sn (surname) ON true
    -- a record written without a run (by hand) is read every time, by the same index
    WHERE (v_since IS NULL OR k.run_id > v_since OR k.run_id IS NULL)
      AND (k.name_given IS NOT NULL OR sn.surname IS NOT NULL);

    INSERT INTO canon.name_key (given, surname)
    SELECT p.given, p.surname
    FROM pg_temp.identity_name_pairs_new AS p
    WHERE p.given IS NOT NULL AND p.surname IS NOT NULL
    ON CONFLICT (given, surname) DO NOTHING;

    INSERT INTO canon.name_token_variant (role, variant, token)
    SELECT t.role, v.variant, t.token
    FROM (SELECT DISTINCT 'G'::text AS role, p.given AS token FROM pg_temp.identity_name_pairs_new AS p
          WHERE p.given IS NOT NULL
          UNION ALL
          SELECT DISTINCT 'S'::text, p.surname FROM pg_temp.identity_name_pairs_new AS p
          WHERE p.surname IS NOT NULL) AS t
    CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
    ON CONFLICT (role, variant, token) DO NOTHING;
    GET DIAGNOSTICS v_added = ROW_COUNT;
    DROP TABLE pg_temp.identity_name_pairs_new;
    IF v_since IS NULL THEN
        ANALYZE canon.name_token_variant;  -- filled anew: joined by variant right after
        ANALYZE canon.name_key;  -- and by token
    END IF;

    INSERT INTO canon.identity_source_state AS st (input, fingerprint, run_id, updated_at)
    VALUES ('name_tokens', v_digest, p_run_id, pg_catalog.now())
    ON CONFLICT (input) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at;
    RETURN v_added;
END;
$$;
COMMENT ON FUNCTION canon.identity_name_tokens(bigint) IS 'canon.identity_name_tokens(p_run_id bigint) -> bigint token rows added: keep canon.name_token_variant (the name tokens of the lead records with their variants) and canon.name_key (their given name and surname pairs) (step of canon.run_identity)';
