-- NAME+DATE token dictionary (docs/identity.md, "Speed"), a step of canon.identity_link_names before
-- canon.identity_name_blocks: canon.name_token_variant holds every given name (role G) and surname (role
-- S) of the lead records with its variants (canon.name_token_variants), so that the given names and
-- surnames one typo from a subject's are found without reading the candidate records. Adds the names of
-- the records indexed since the last call (lead_keys.run_id, by index); fills the dictionary anew on the
-- first call and whenever canon.name_token_variants changed (its digest is the state's fingerprint). A
-- name whose records were removed stays: it can only add a key that no record holds. Returns the rows
-- added.
-- A step of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_name_tokens(p_run_id bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_digest text := pg_catalog.md5(pg_catalog.pg_get_functiondef('canon.name_token_variants(text)'::pg_catalog.regprocedure));
    v_fingerprint text;
    v_since bigint;
    v_added bigint;
BEGIN
    SELECT st.fingerprint, st.run_id INTO v_fingerprint, v_since
    FROM canon.identity_source_state AS st WHERE st.input = 'name_tokens';
    IF v_fingerprint IS DISTINCT FROM v_digest THEN
        -- DELETE, not TRUNCATE: a new relfilenode would read as a changed input to the pipeline's fast path
        DELETE FROM canon.name_token_variant AS d WHERE true;
        v_since := NULL;
    END IF;

    INSERT INTO canon.name_token_variant (role, variant, token)
    SELECT t.role, v.variant, t.token
    FROM (SELECT DISTINCT x.role, x.token
          FROM canon.lead_keys AS k
          CROSS JOIN LATERAL (SELECT 'G'::text, k.name_given
                              UNION ALL
                              SELECT 'S'::text, sn.surname FROM pg_catalog.unnest(k.surnames) AS sn (surname)) AS x (role, token)
          -- a record written without a run (by hand) is read every time, by the same index
          WHERE (v_since IS NULL OR k.run_id > v_since OR k.run_id IS NULL) AND x.token IS NOT NULL) AS t
    CROSS JOIN LATERAL pg_catalog.unnest(canon.name_token_variants(t.token)) AS v (variant)
    ON CONFLICT (role, variant, token) DO NOTHING;
    GET DIAGNOSTICS v_added = ROW_COUNT;
    IF v_since IS NULL THEN
        ANALYZE canon.name_token_variant;  -- filled anew: joined by variant right after
    END IF;

    INSERT INTO canon.identity_source_state AS st (input, fingerprint, run_id, updated_at)
    VALUES ('name_tokens', v_digest, p_run_id, pg_catalog.now())
    ON CONFLICT (input) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at;
    RETURN v_added;
END;
$$;
COMMENT ON FUNCTION canon.identity_name_tokens(bigint) IS 'canon.identity_name_tokens(p_run_id bigint) -> bigint rows added: keep canon.name_token_variant, the name tokens of the lead records with their variants (step of canon.run_identity)';
