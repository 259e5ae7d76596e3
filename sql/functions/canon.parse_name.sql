-- The parsed name of a record (docs/identity.md): the given name, the surnames as read, and whether two
-- surnames were read ("carries two surnames"). Structured sources (cabinet leads, drivers) pass their
-- given-name and surname fields: the first given token is the given name, the surname field holds one or
-- two surnames (its last two tokens when three or more). Free text (scouting driver_name, a driver
-- without last_name) passes p_surnames NULL: the first token is the given name, the last two tokens
-- are the surnames when three or more tokens, the last one when two; only four or more tokens carry
-- two surnames (three may be given name, middle name, surname). Tokens are those of
-- canon.normalize_name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E, in their written order.
-- PL/pgSQL without SQL statements inside: it runs once per record when the record is normalized.
CREATE OR REPLACE FUNCTION canon.parse_name(p_full text, p_given text, p_surnames text,
                                            OUT given_name text, OUT surnames text[], OUT two_surnames boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_tokens text[] := '{}'::text[];
    v_given text[] := '{}'::text[];
    v_token text;
    v_n integer;
BEGIN
    surnames := '{}'::text[];
    two_surnames := false;
    IF NULLIF(pg_catalog.btrim(p_surnames), '') IS NOT NULL THEN
        FOREACH v_token IN ARRAY COALESCE(pg_catalog.string_to_array(canon.normalize_name(p_surnames), ' '), '{}'::text[]) LOOP
            CONTINUE WHEN v_token = ANY ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]);
            v_tokens := v_tokens || v_token;
        END LOOP;
        FOREACH v_token IN ARRAY COALESCE(pg_catalog.string_to_array(canon.normalize_name(p_given), ' '), '{}'::text[]) LOOP
            CONTINUE WHEN v_token = ANY ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]);
            v_given := v_given || v_token;
        END LOOP;
        v_n := pg_catalog.cardinality(v_tokens);
        IF v_n > 0 THEN
            surnames := v_tokens[GREATEST(v_n - 1, 1):v_n];
            two_surnames := v_n >= 2;
            given_name := v_given[1];
            RETURN;
        END IF;
    END IF;
    v_tokens := '{}'::text[];
    FOREACH v_token IN ARRAY COALESCE(pg_catalog.string_to_array(canon.normalize_name(p_full), ' '), '{}'::text[]) LOOP
        CONTINUE WHEN v_token = ANY ('{DE,DEL,LA,LAS,LOS,EL,Y,E}'::text[]);
        v_tokens := v_tokens || v_token;
    END LOOP;
    v_n := pg_catalog.cardinality(v_tokens);
    given_name := COALESCE(canon.normalize_name(p_given), v_tokens[1]);
    given_name := pg_catalog.split_part(given_name, ' ', 1);
    IF v_n >= 3 THEN
        -- three tokens may be a given name, a middle name and one surname: two surnames are read, but
        -- the record does not "carry two surnames" (no contradiction can rest on that reading)
        surnames := v_tokens[v_n - 1:v_n];
        two_surnames := v_n >= 4;
    ELSIF v_n = 2 THEN
        surnames := v_tokens[2:2];
    END IF;
END;
$$;
COMMENT ON FUNCTION canon.parse_name(text, text, text) IS 'canon.parse_name(p_full text, p_given text, p_surnames text) -> (given_name text, surnames text[], two_surnames boolean): the given name and surnames of a record''s name';
