-- The parsed name of a record (docs/identity.md): the given name, the surnames as read, and whether two
-- surnames were read ("carries two surnames"). Structured sources (cabinet leads, drivers) pass their
-- given-name and surname fields: the first given token is the given name, the surname field holds one or
-- two surnames (its last two tokens when three or more). Free text (scouting driver_name, a driver
-- without last_name) passes p_surnames NULL: the first token is the given name, the last two tokens
-- are the surnames when three or more tokens, the last one when two; only four or more tokens carry
-- two surnames (three may be given name, middle name, surname). Tokens are those of
-- canon.normalize_name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E, in their written order
-- (a free-text given name passed in p_given is its first token, stopword or not).
-- PL/pgSQL without SQL statements inside: it runs once per record when the record is normalized. Each
-- field is split with canon.normalize_name's own expression, at most once (a nested call would cost a
-- function call and a search_path switch); array_remove drops the stopwords without a loop.
CREATE OR REPLACE FUNCTION canon.parse_name(p_full text, p_given text, p_surnames text,
                                            OUT given_name text, OUT surnames text[], OUT two_surnames boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- every token of the given-name field (NULL when the field is NULL)
    v_given text[] := pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.regexp_replace(
        pg_catalog.upper(public.unaccent('public.unaccent'::regdictionary, pg_catalog.left(p_given, 200))),
        '[^A-Z]+', ' ', 'g')), ' ');
    v_tokens text[];
    v_n integer;
BEGIN
    surnames := '{}'::text[];
    two_surnames := false;
    -- pass 1 reads the surname field (when it holds a token that is no stopword), pass 2 the full name
    FOR v_pass IN 1 .. 2 LOOP
        CONTINUE WHEN v_pass = 1 AND NOT pg_catalog.btrim(p_surnames) <> '';
        v_tokens := pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
                    pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
                        pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.regexp_replace(
                            pg_catalog.upper(public.unaccent('public.unaccent'::regdictionary, pg_catalog.left(
                                CASE v_pass WHEN 1 THEN p_surnames ELSE p_full END, 200))),
                            '[^A-Z]+', ' ', 'g')), ' '),
                    'DE'), 'DEL'), 'LA'), 'LAS'), 'LOS'), 'EL'), 'Y'), 'E');
        v_n := pg_catalog.cardinality(v_tokens);
        IF v_pass = 1 THEN
            IF v_n > 0 THEN
                surnames := v_tokens[GREATEST(v_n - 1, 1):v_n];
                two_surnames := v_n >= 2;
                given_name := (pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
                               pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
                                   v_given, 'DE'), 'DEL'), 'LA'), 'LAS'), 'LOS'), 'EL'), 'Y'), 'E'))[1];
                RETURN;
            END IF;
        ELSE
            given_name := COALESCE(v_given[1], v_tokens[1]);
            IF v_n >= 3 THEN
                -- three tokens may be a given name, a middle name and one surname: two surnames are read,
                -- but the record does not "carry two surnames" (no contradiction can rest on that reading)
                surnames := v_tokens[v_n - 1:v_n];
                two_surnames := v_n >= 4;
            ELSIF v_n = 2 THEN
                surnames := v_tokens[2:2];
            END IF;
        END IF;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION canon.parse_name(text, text, text) IS 'canon.parse_name(p_full text, p_given text, p_surnames text) -> (given_name text, surnames text[], two_surnames boolean): the given name and surnames of a record''s name';
