-- A person's name: accents folded (Á->A … Ñ->N, Ü->U, Ç->C), upper-case, every non-letter a space,
-- spaces collapsed; NULL when no letter is left. Folding is done before upper() so the result does not
-- depend on the database locale. Only the first 200 characters are read: longer is garbage, and keys
-- built from it must stay indexable. PL/pgSQL for speed (see canon.normalize_phone).
CREATE OR REPLACE FUNCTION canon.normalize_name(p_raw text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_name text := pg_catalog.left(p_raw, 200);
BEGIN
    -- translate() costs 10 us on a name (it searches the 53 accented letters for every character):
    -- only names with a non-ASCII character need it
    IF v_name OPERATOR(pg_catalog.~) '[^\x01-\x7F]' THEN
        v_name := pg_catalog.translate(v_name,
                      'ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇçÝýÿ',
                      'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuNnCcYyy');
    END IF;
    RETURN NULLIF(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.upper(v_name), '[^A-Z]+', ' ', 'g')), '');
END;
$$;
COMMENT ON FUNCTION canon.normalize_name(text) IS 'canon.normalize_name(p_raw text) -> text: upper-case ASCII letters and single spaces, accents folded; NULL when empty';
