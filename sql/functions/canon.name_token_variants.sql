-- A name token and, when it has 4 letters or more, every spelling with one letter deleted ('PERCY' ->
-- {PERCY, ERCY, PRCY, PECY, PERY, PERC}): the typo-tolerant name blocks of canon.identity_link_names
-- (docs/identity.md). Two tokens one typo apart (canon.name_tokens_close: a letter dropped, replaced,
-- or two neighbours swapped, 'PERYC'/'PERCY' share 'PERC') always share a variant, so a typo is
-- found by an equality join. Sorted, distinct; '{}' for an empty token. PL/pgSQL without any SQL
-- statement inside (see canon.name_tokens).
CREATE OR REPLACE FUNCTION canon.name_token_variants(p_token text)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_len integer := pg_catalog.length(p_token);
    v_variants text[] := '{}'::text[];
    v_variant text;
    v_count integer := 0;
    v_pos integer;
BEGIN
    IF v_len = 0 THEN
        RETURN v_variants;
    END IF;
    FOR i IN 0 .. CASE WHEN v_len >= 4 THEN v_len ELSE 0 END LOOP
        v_variant := CASE WHEN i = 0 THEN p_token
                          ELSE pg_catalog.substr(p_token, 1, i - 1) || pg_catalog.substr(p_token, i + 1) END;
        v_pos := 1;  -- sorted insert, duplicates dropped ('PERRY' gives 'PERY' once)
        WHILE v_pos <= v_count AND v_variants[v_pos] < v_variant LOOP
            v_pos := v_pos + 1;
        END LOOP;
        CONTINUE WHEN v_pos <= v_count AND v_variants[v_pos] = v_variant;
        v_variants := v_variants[1:v_pos - 1] || v_variant || v_variants[v_pos:v_count];
        v_count := v_count + 1;
    END LOOP;
    RETURN v_variants;
END;
$$;
COMMENT ON FUNCTION canon.name_token_variants(text) IS 'canon.name_token_variants(p_token text) -> text[]: the token and its one-letter deletions (4+ letters), for typo-tolerant name blocks';
