-- A raw name field folded into its tokens in written order, stopwords kept (NULL for NULL): the first 200
-- characters, upper case, accents folded by unaccent, every run of other characters one space, as
-- canon.normalize_name folds (its '[^A-Z]+' written '[^A-Z]{2,}|[^A-Z ]': the same result without
-- rewriting every single space). The one fold of canon.normalize_record's three name fields. A
-- SQL-standard body: its names are bound when it is created (no search_path is read when it runs), and
-- the planner inlines it (its parameter used once; STABLE as unaccent is, not STRICT, NULL gives NULL).
CREATE OR REPLACE FUNCTION canon.name_fold_tokens(p_raw text)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
RETURN pg_catalog.string_to_array(pg_catalog.btrim(pg_catalog.regexp_replace(
           pg_catalog.upper(public.unaccent('public.unaccent'::regdictionary, pg_catalog.left(p_raw, 200))),
           '[^A-Z]{2,}|[^A-Z ]', ' ', 'g')), ' ');
COMMENT ON FUNCTION canon.name_fold_tokens(text) IS 'canon.name_fold_tokens(p_raw text) -> text[]: the folded tokens of a raw name field, in written order, stopwords kept';
