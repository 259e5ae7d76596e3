-- The parsed name of a record (docs/identity.md): the given name, the surnames as read, and whether two
-- surnames were read ("carries two surnames"). Structured sources (cabinet leads, drivers) pass their
-- given-name and surname fields: the first given token is the given name, the surname field holds one or
-- two surnames (its last two tokens when three or more). Free text (scouting driver_name, a driver
-- without last_name) passes p_surnames NULL: the first token is the given name, the last two tokens
-- are the surnames when three or more tokens, the last one when two; only four or more tokens carry
-- two surnames (three may be given name, middle name, surname). Tokens are those of
-- canon.normalize_name without the stopwords DE, DEL, LA, LAS, LOS, EL, Y, E, in their written order
-- (a free-text given name passed in p_given is its first token, stopword or not).
-- Read from canon.normalize_record, the one definition identity normalizes every record with
-- (docs/identity.md, "Normalizing").
CREATE OR REPLACE FUNCTION canon.parse_name(p_full text, p_given text, p_surnames text,
                                            OUT given_name text, OUT surnames text[], OUT two_surnames boolean)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_record canon.normalized_record := canon.normalize_record(NULL, NULL, NULL, NULL, p_full, p_given, p_surnames, false);
BEGIN
    given_name := v_record.given_name;
    surnames := v_record.surnames;
    two_surnames := v_record.two_surnames;
END;
$$;
COMMENT ON FUNCTION canon.parse_name(text, text, text) IS 'canon.parse_name(p_full text, p_given text, p_surnames text) -> (given_name text, surnames text[], two_surnames boolean): the given name and surnames of a record''s name';
