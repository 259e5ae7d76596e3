-- Stage 10's look back (docs/identity.md, "Stability"): the name-only records an earlier run queued
-- (OPEN MISSING_IDENTIFIERS, WEAK_MATCH_ONLY, or NEEDS_REVIEW by NAME+DATE), not decided in this run, that a
-- lead record linked in run p_run_id (stages 8 and 9) could be a NAME+DATE candidate of: lead dates at most
-- p_days apart, and the given name equal with a surname equal or one typo away, or a surname equal with
-- the given name one typo away (a superset of stage 10's blocks, which then decide). A record queued
-- before its human's identified record arrived is thus compared with it, as one call over both dates does.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_name_lookback(p_run_id bigint, p_days integer)
RETURNS TABLE (source_table text, source_pk text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH linked AS MATERIALIZED (  -- the lead records this run linked, with a name and a date
        SELECT k.lead_date, k.name_given, k.surnames
        FROM canon.identity_links AS l
        JOIN canon.lead_keys AS k ON k.source_table = l.source_table AND k.source_pk = l.source_pk
        WHERE l.run_id = p_run_id AND l.source_table <> 'drivers'
          AND k.name_given IS NOT NULL AND k.lead_date IS NOT NULL
    ),
    queued AS MATERIALIZED (  -- name-only records waiting for NAME+DATE within p_days of them
        SELECT k.source_table, k.source_pk, k.lead_date, k.name_given, k.surnames
        FROM canon.identity_unmatched AS u
        JOIN canon.lead_keys AS k ON k.source_table = u.source_table AND k.source_pk = u.source_pk
        WHERE u.status = 'OPEN'
          AND (u.reason_code IN ('MISSING_IDENTIFIERS', 'WEAK_MATCH_ONLY')
               OR (u.reason_code = 'NEEDS_REVIEW' AND u.details ->> 'rule' = 'NAME+DATE'))
          AND k.name_given IS NOT NULL AND pg_catalog.cardinality(k.surnames) > 0
          AND k.lead_date BETWEEN (SELECT pg_catalog.min(x.lead_date) - p_days FROM linked AS x)
                              AND (SELECT pg_catalog.max(x.lead_date) + p_days FROM linked AS x)
          AND NOT EXISTS (SELECT 1 FROM canon.identity_work_subject AS s
                          WHERE s.source_table = k.source_table AND s.source_pk = k.source_pk)
          AND NOT EXISTS (SELECT 1 FROM canon.identity_links AS l
                          WHERE l.source_table = k.source_table AND l.source_pk = k.source_pk)
    )
    SELECT q.source_table, q.source_pk  -- the given name equal, a surname equal or one typo away
    FROM queued AS q
    JOIN linked AS x ON x.name_given = q.name_given
    WHERE pg_catalog.abs(x.lead_date - q.lead_date) <= p_days
      AND EXISTS (SELECT 1
                  FROM pg_catalog.unnest(q.surnames) AS a (token)
                  CROSS JOIN pg_catalog.unnest(x.surnames) AS b (token)
                  WHERE canon.name_tokens_close(a.token, b.token))
    UNION  -- a surname equal, the given name one typo away
    SELECT q.source_table, q.source_pk
    FROM queued AS q
    CROSS JOIN LATERAL pg_catalog.unnest(q.surnames) AS qs (token)
    JOIN (SELECT x.lead_date, x.name_given, xs.token
          FROM linked AS x CROSS JOIN LATERAL pg_catalog.unnest(x.surnames) AS xs (token)) AS x
      ON x.token = qs.token
    WHERE pg_catalog.abs(x.lead_date - q.lead_date) <= p_days
      AND canon.name_tokens_close(q.name_given, x.name_given);
$$;
COMMENT ON FUNCTION canon.identity_name_lookback(bigint, integer) IS 'canon.identity_name_lookback(p_run_id bigint, p_days integer) -> TABLE (source_table, source_pk): name-only records queued by earlier runs that this run''s links may reach (stage 10 of canon.run_identity)';
