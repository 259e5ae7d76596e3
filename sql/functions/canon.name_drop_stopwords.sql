-- A name's tokens without the stopwords of docs/rules.md §2 (DE, DEL, LA, LAS, LOS, EL, Y, E), in their
-- order: the one list of them for canon.normalize_record. A SQL-standard body: its names are bound when it
-- is created (no search_path is read when it runs) and the planner inlines it (its one parameter used
-- once; not STRICT, which array_remove is not: NULL gives NULL all the same).
CREATE OR REPLACE FUNCTION canon.name_drop_stopwords(p_tokens text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
       pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(pg_catalog.array_remove(
           p_tokens, 'DE'), 'DEL'), 'LA'), 'LAS'), 'LOS'), 'EL'), 'Y'), 'E');
COMMENT ON FUNCTION canon.name_drop_stopwords(text[]) IS 'canon.name_drop_stopwords(p_tokens text[]) -> text[]: the tokens without the name stopwords, in their order';
