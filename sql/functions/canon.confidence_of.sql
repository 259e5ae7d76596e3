-- The confidence_level of a link from its match probability (docs/identity.md): HIGH at or above
-- p_high (setting high_confidence_threshold), MEDIUM at or above p_link (link_threshold), LOW below.
CREATE OR REPLACE FUNCTION canon.confidence_of(p_probability numeric, p_link numeric, p_high numeric)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE WHEN p_probability >= p_high THEN 'HIGH'
                WHEN p_probability >= p_link THEN 'MEDIUM'
                WHEN p_probability IS NOT NULL THEN 'LOW' END;
END;
$$;
COMMENT ON FUNCTION canon.confidence_of(numeric, numeric, numeric) IS 'canon.confidence_of(p_probability numeric, p_link numeric, p_high numeric) -> text: HIGH, MEDIUM or LOW for a match probability';
