-- The blocking keys of one lead record or driver, each prefixed by its kind: P: phone, L:/N: licence and
-- document keys (id_keys as stored), T: plate, F: the full name, G: given name + one surname @ date bucket
-- of p_days (NAME+DATE blocks: the record's bucket and both neighbours, none without a date), C: car +
-- name block (R4), D: driver id. Two records sharing none of them never meet in a candidate pair or a
-- cluster; the incremental run scopes its re-decisions with them (docs/identity.md).
-- PL/pgSQL without SQL statements inside: called once per record.
CREATE OR REPLACE FUNCTION canon.identity_record_keys(p_phone text, p_id_keys text[], p_plate text,
                                                      p_name_tokens text[], p_name_given text, p_surnames text[],
                                                      p_car_key text, p_name_blocks text[], p_driver_id text,
                                                      p_date date, p_days integer)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keys text[] := COALESCE(p_id_keys, '{}'::text[]);
    v_t text;
    v_bucket integer := (p_date - DATE '2000-01-01') / p_days;
BEGIN
    v_keys := v_keys || ('P:' || p_phone) || ('T:' || p_plate) || ('D:' || p_driver_id)
              || ('F:' || NULLIF(pg_catalog.array_to_string(p_name_tokens, ' '), ''));
    IF p_name_given IS NOT NULL AND v_bucket IS NOT NULL THEN
        FOREACH v_t IN ARRAY COALESCE(p_surnames, '{}'::text[]) LOOP
            v_keys := v_keys || ('G:' || p_name_given || ' ' || v_t || '@' || (v_bucket - 1))
                             || ('G:' || p_name_given || ' ' || v_t || '@' || v_bucket)
                             || ('G:' || p_name_given || ' ' || v_t || '@' || (v_bucket + 1));
        END LOOP;
    END IF;
    IF p_car_key IS NOT NULL THEN
        FOREACH v_t IN ARRAY COALESCE(p_name_blocks, '{}'::text[]) LOOP
            v_keys := v_keys || ('C:' || p_car_key || ' ' || v_t);
        END LOOP;
    END IF;
    RETURN pg_catalog.array_remove(v_keys, NULL);
END;
$$;
COMMENT ON FUNCTION canon.identity_record_keys(text, text[], text, text[], text, text[], text, text[], text, date, integer) IS 'canon.identity_record_keys(p_phone text, p_id_keys text[], p_plate text, p_name_tokens text[], p_name_given text, p_surnames text[], p_car_key text, p_name_blocks text[], p_driver_id text, p_date date, p_days integer) -> text[]: the kind-prefixed blocking keys of a record';
