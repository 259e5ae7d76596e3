-- Stage 10's look back (docs/identity.md, "Stability"): the name-only records an earlier run queued
-- (OPEN MISSING_IDENTIFIERS, WEAK_MATCH_ONLY, or NEEDS_REVIEW by NAME+DATE), not decided in this run, that
-- a lead record linked in run p_run_id (stages 8 and 9) may reach at a strong name level: lead dates at
-- most p_days apart, the same given name, and the same three or more tokens or one side's two or more
-- surnames all among the other's tokens (exact tokens: a typo is left to a later look). A record queued
-- before its human's identified record arrived is thus compared with it (stage 10 decides), as one call
-- over both dates does.
-- A stage of canon.run_identity (docs/identity.md), run inside its transaction and lock as the owner;
-- not granted to the job and writer roles.
CREATE OR REPLACE FUNCTION canon.identity_name_lookback(p_run_id bigint, p_days integer)
RETURNS TABLE (source_table text, source_pk text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_hashjoin text := pg_catalog.current_setting('enable_hashjoin');
    v_mergejoin text := pg_catalog.current_setting('enable_mergejoin');
BEGIN
    -- Tables of their own, analyzed, so that the join below is planned on true sizes: the OPEN queue
    -- rows are unlinked records, which the planner, seeing nearly every record linked, estimated at one
    -- row (a 1 % run at scale 100 then compared 36 M pairs in nested loops, 58 s). Only array tests on
    -- pairs of one given name: a typo test per pair (a PL/pgSQL call) cost 4.7 s of the same run.
    PERFORM 'PRAGMA:TABLE: identity_lookback_queued (source_table text, source_pk text, lead_date date, name_given text, surnames text[], name_tokens text[])';
    PERFORM 'PRAGMA:TABLE: identity_lookback_linked (lead_date date, name_given text, surnames text[], name_tokens text[])';
    CREATE TEMP TABLE identity_lookback_queued ON COMMIT DROP AS  -- name-only records waiting for NAME+DATE
    SELECT k.source_table, k.source_pk, k.lead_date, k.name_given, k.surnames, k.name_tokens
    FROM canon.identity_unmatched AS u
    JOIN canon.lead_keys AS k ON k.source_table = u.source_table AND k.source_pk = u.source_pk
    WHERE u.status = 'OPEN'
      AND (u.reason_code IN ('MISSING_IDENTIFIERS', 'WEAK_MATCH_ONLY')
           OR (u.reason_code = 'NEEDS_REVIEW' AND u.details ->> 'rule' = 'NAME+DATE'))
      AND k.name_given IS NOT NULL AND pg_catalog.cardinality(k.surnames) > 0 AND k.lead_date IS NOT NULL;
    ANALYZE pg_temp.identity_lookback_queued;
    -- decided in this run, or linked: one join each (OR-ed, each EXISTS became a sub-plan per row, and the
    -- run's records have no index on their keys: a full resolve read them once per queued record)
    DELETE FROM pg_temp.identity_lookback_queued AS q
    USING canon.identity_work_subject AS s
    WHERE s.source_table = q.source_table AND s.source_pk = q.source_pk;
    -- (one index probe per queued record: hashed, every link was read, 0.12 s of a 1 % run at scale 100)
    PERFORM pg_catalog.set_config('enable_hashjoin', 'off', true);
    PERFORM pg_catalog.set_config('enable_mergejoin', 'off', true);
    DELETE FROM pg_temp.identity_lookback_queued AS q
    USING canon.identity_links AS l
    WHERE l.source_table = q.source_table AND l.source_pk = q.source_pk;
    PERFORM pg_catalog.set_config('enable_hashjoin', v_hashjoin, true);
    PERFORM pg_catalog.set_config('enable_mergejoin', v_mergejoin, true);
    CREATE TEMP TABLE identity_lookback_linked ON COMMIT DROP AS  -- the lead records this run linked
    SELECT k.lead_date, k.name_given, k.surnames, k.name_tokens
    FROM canon.identity_links AS l
    JOIN canon.lead_keys AS k ON k.source_table = l.source_table AND k.source_pk = l.source_pk
    WHERE l.run_id = p_run_id AND l.source_table <> 'drivers'
      AND k.name_given IS NOT NULL AND k.lead_date IS NOT NULL;
    ANALYZE pg_temp.identity_lookback_queued;
    ANALYZE pg_temp.identity_lookback_linked;

    -- Each of the three tests implies an equality a hash join can use besides the given name: the same
    -- tokens; the queued record's first surname among the linked record's tokens; the linked record's
    -- first surname among the queued record's tokens. The pairs of the three joins are then tested in
    -- full (joined on the given name alone, a 1 % run at scale 100 tested 0.5 M pairs: 0.13 s, 0.08 s so).
    RETURN QUERY
    WITH pairs AS (
        SELECT q.source_table, q.source_pk, q.lead_date AS q_date, q.name_tokens AS q_tokens, q.surnames AS q_surnames,
               x.lead_date AS x_date, x.name_tokens AS x_tokens, x.surnames AS x_surnames
        FROM pg_temp.identity_lookback_queued AS q
        JOIN pg_temp.identity_lookback_linked AS x ON x.name_given = q.name_given AND x.name_tokens = q.name_tokens
        UNION ALL
        SELECT q.source_table, q.source_pk, q.lead_date, q.name_tokens, q.surnames, x.lead_date, x.name_tokens, x.surnames
        FROM pg_temp.identity_lookback_queued AS q
        JOIN (SELECT x1.lead_date, x1.name_given, x1.name_tokens, x1.surnames, t.token
              FROM pg_temp.identity_lookback_linked AS x1
              CROSS JOIN LATERAL pg_catalog.unnest(x1.name_tokens) AS t (token)) AS x
          ON x.name_given = q.name_given AND x.token = q.surnames[1]
        UNION ALL
        SELECT q.source_table, q.source_pk, q.lead_date, q.name_tokens, q.surnames, x.lead_date, x.name_tokens, x.surnames
        FROM (SELECT q1.source_table, q1.source_pk, q1.lead_date, q1.name_given, q1.name_tokens, q1.surnames, t.token
              FROM pg_temp.identity_lookback_queued AS q1
              CROSS JOIN LATERAL pg_catalog.unnest(q1.name_tokens) AS t (token)) AS q
        JOIN pg_temp.identity_lookback_linked AS x ON x.name_given = q.name_given AND x.surnames[1] = q.token
    )
    SELECT DISTINCT p.source_table, p.source_pk
    FROM pairs AS p
    WHERE pg_catalog.abs(p.x_date - p.q_date) <= p_days
      AND ((p.q_tokens = p.x_tokens AND pg_catalog.cardinality(p.q_tokens) >= 3)
           OR (pg_catalog.cardinality(p.q_surnames) >= 2 AND p.q_surnames OPERATOR(pg_catalog.<@) p.x_tokens)
           OR (pg_catalog.cardinality(p.x_surnames) >= 2 AND p.x_surnames OPERATOR(pg_catalog.<@) p.q_tokens));
    DROP TABLE pg_temp.identity_lookback_queued, pg_temp.identity_lookback_linked;
END;
$$;
COMMENT ON FUNCTION canon.identity_name_lookback(bigint, integer) IS 'canon.identity_name_lookback(p_run_id bigint, p_days integer) -> TABLE (source_table, source_pk): name-only records queued by earlier runs that this run''s links may reach at a strong name level (stage 10 of canon.run_identity)';
