-- Identity resolution (docs/identity.md) for the valid lead records (observational.v_source_leads,
-- reject_reason IS NULL) with lead_date in p_date_from..p_date_to (both included), plus drivers.
-- A short orchestrator of stage functions, one file each (docs/identity.md): index drivers, index lead
-- records (new/changed rows only), pick the records to decide, block on keys into candidate pairs,
-- decide per record, cluster the records that match no existing person, decide and write persons, links
-- and the unmatched queue, link drivers to the persons their keys match; then counts and the run log.
-- A linked record keeps its person_key; RESOLVED/IGNORED queue rows are never touched.
CREATE OR REPLACE FUNCTION canon.run_identity(p_date_from date, p_date_to date)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
-- SECURITY DEFINER: the run empties (TRUNCATE) and ANALYZEs its unlogged work tables, which only their
-- owner may do; the job and writer roles call it. search_path is pinned, the only dynamic SQL is the index
-- DDL of canon.drop_secondary_indexes / canon.create_indexes on a first load.
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = off  -- a policy on a raw table fails loudly instead of running its owner's code (SECURITY.md)
SET jit = off  -- the cost of the big set-based statements makes JIT compile for seconds (measured)
AS $$
DECLARE
    v_run_id bigint;
    v_target text;
    v_threshold numeric;
    v_max_group integer;
    v_weights jsonb;
    v_link_threshold numeric;
    v_review_threshold numeric;
    v_high_threshold numeric;
    v_ambiguity numeric;
    v_founded bigint := 0;
    v_names jsonb;
    v_last_run timestamptz;
    v_drivers jsonb;
    v_drivers_indexed bigint;
    v_drivers_changed bigint;
    v_drivers_removed bigint;
    v_drivers_linked bigint := 0;
    v_scan jsonb;
    v_keys_changed bigint;
    v_recheck boolean;
    v_rechecked integer;
    v_inputs text;
    v_subjects integer;
    v_block jsonb;
    v_car_name jsonb := '{"pairs_left_out": 0, "blocks_left_out": 0}'::jsonb;
    v_iterations integer := 0;
    v_written jsonb;
    v_sources jsonb;
    v_outcomes jsonb;
    v_rules jsonb;
    v_reasons jsonb;
    v_result jsonb;
    v_timings jsonb := '{}'::jsonb;
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_mark timestamptz := pg_catalog.clock_timestamp();
BEGIN
    IF p_date_from IS NULL OR p_date_to IS NULL THEN
        RAISE EXCEPTION 'run_identity needs both dates'
            USING ERRCODE = '22004',
                  DETAIL = format('date_from is %s, date_to is %s.',
                                  COALESCE(p_date_from::text, 'NULL'), COALESCE(p_date_to::text, 'NULL')),
                  HINT = 'Pass the first and last lead date to resolve, e.g. SELECT canon.run_identity(''2025-12-01'', ''2025-12-31'');';
    END IF;
    IF p_date_from > p_date_to THEN
        RAISE EXCEPTION 'date_from % is after date_to %', p_date_from, p_date_to
            USING ERRCODE = '22023',
                  DETAIL = 'run_identity resolves lead dates from date_from to date_to, both included.',
                  HINT = 'Swap the arguments.';
    END IF;

    -- concurrent runs (pipeline, backfill, operator functions) serialize here
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('lead_attribution.identity'));

    v_target := ops.get_setting('target_park_id');
    v_threshold := ops.get_setting('name_similarity_threshold')::numeric;
    v_max_group := ops.get_setting('max_phone_group_size')::integer;
    v_link_threshold := ops.get_setting('link_threshold')::numeric;
    v_review_threshold := ops.get_setting('review_threshold')::numeric;
    v_high_threshold := ops.get_setting('high_confidence_threshold')::numeric;
    v_ambiguity := ops.get_setting('ambiguity_margin')::numeric;
    v_weights := canon.match_weight_map();  -- the weights in use, read once (docs/identity.md)
    -- what every decision depends on beside the data: a run whose inputs differ checked nothing for this one
    SELECT pg_catalog.md5(v_weights::text || pg_catalog.string_agg(st.key || '=' || st.value, ';' ORDER BY st.key)
                          || ops.code_digest())
    INTO v_inputs
    FROM ops.settings AS st;

    SELECT pg_catalog.max(r.started_at) INTO v_last_run
    FROM ops.run_log AS r WHERE r.job = 'run_identity' AND r.status = 'succeeded';
    INSERT INTO ops.run_log (job, date_from, date_to) VALUES ('run_identity', p_date_from, p_date_to)
    RETURNING run_id INTO v_run_id;

    TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity,
             canon.identity_work_edge, canon.identity_work_node, canon.identity_work_lead,
             canon.identity_work_driver, canon.identity_work_touch, canon.identity_work_recheck;

    -- the stages, one function each (docs/identity.md); each leaves its result in the work tables
    v_drivers := canon.identity_index_drivers(v_run_id, v_target);
    v_drivers_indexed := (v_drivers ->> 'indexed')::bigint;
    v_drivers_changed := (v_drivers ->> 'changed')::bigint;
    v_drivers_removed := (v_drivers ->> 'removed')::bigint;
    v_timings := v_timings || pg_catalog.jsonb_build_object('index_drivers', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
    v_mark := pg_catalog.clock_timestamp();
    RAISE NOTICE 'run_identity % (% s): drivers indexed %, changed %, removed %', v_run_id,
        pg_catalog.round(extract(epoch FROM v_mark - v_started)::numeric, 1), v_drivers_indexed, v_drivers_changed, v_drivers_removed;

    v_scan := canon.identity_index_leads(v_run_id, p_date_from, p_date_to);
    v_keys_changed := (v_scan ->> 'changed')::bigint;
    v_timings := v_timings || pg_catalog.jsonb_build_object('index_leads', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
    v_mark := pg_catalog.clock_timestamp();
    RAISE NOTICE 'run_identity % (% s): lead records scanned %, new or changed %', v_run_id,
        pg_catalog.round(extract(epoch FROM v_mark - v_started)::numeric, 1), v_scan -> 'scanned', v_keys_changed;

    -- an OPEN record is decided again when something it could match changed since the last run
    v_recheck := v_drivers_changed > 0 OR v_drivers_removed > 0 OR v_keys_changed > 0
        OR EXISTS (SELECT 1 FROM canon.identity_links AS l
                   WHERE v_last_run IS NULL OR l.linked_at >= v_last_run)
        OR EXISTS (SELECT 1 FROM canon.person_merges AS m
                   WHERE v_last_run IS NULL OR m.merged_at >= v_last_run);
    -- only the OPEN records sharing a blocking key with what changed (docs/identity.md, "Speed")
    IF v_recheck THEN
        v_rechecked := canon.identity_scope_recheck(v_run_id, p_date_from, p_date_to, v_inputs);
        v_timings := v_timings || pg_catalog.jsonb_build_object('scope', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
        v_mark := pg_catalog.clock_timestamp();
    END IF;
    v_subjects := canon.identity_pick_subjects(v_run_id, p_date_from, p_date_to, v_recheck, v_threshold, v_max_group);
    RAISE NOTICE 'run_identity % (% s): % records to decide', v_run_id,
        pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_subjects;
    IF v_subjects > 0 THEN
        v_block := canon.identity_block(v_run_id, v_target, v_threshold, v_weights, v_link_threshold);
        v_car_name := v_block -> 'car_name';
        v_timings := v_timings || pg_catalog.jsonb_build_object('block', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
        v_mark := pg_catalog.clock_timestamp();
        RAISE NOTICE 'run_identity % (% s): % strong candidate pairs', v_run_id,
            pg_catalog.round(extract(epoch FROM v_mark - v_started)::numeric, 1), v_block ->> 'pairs';
        PERFORM canon.identity_decide_rules(v_threshold, v_weights, v_link_threshold, v_review_threshold,
                                            v_ambiguity, v_high_threshold);
        v_iterations := canon.identity_cluster(v_subjects, v_threshold, v_weights, v_link_threshold);
        v_timings := v_timings || pg_catalog.jsonb_build_object('decide_cluster', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
        v_mark := pg_catalog.clock_timestamp();
        RAISE NOTICE 'run_identity % (% s): clustering converged after % iterations', v_run_id,
            pg_catalog.round(extract(epoch FROM v_mark - v_started)::numeric, 1), v_iterations;
        PERFORM canon.identity_decide_records((v_weights ->> 'prior')::bigint, v_link_threshold, v_high_threshold);
        v_written := canon.identity_write(v_run_id, v_subjects);
        v_outcomes := v_written -> 'outcomes';
        v_drivers_linked := (v_written ->> 'drivers_linked')::bigint;
        v_timings := v_timings || pg_catalog.jsonb_build_object('write', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
        v_mark := pg_catalog.clock_timestamp();
    END IF;
    -- nothing to link when no driver changed and no record was decided (no link of this run to follow:
    -- the stage's own test for that reads every link, 1.5 s at scale 1000)
    IF v_drivers_changed > 0 OR v_subjects > 0 THEN
        v_drivers_linked := v_drivers_linked + canon.identity_link_drivers(v_run_id, v_drivers_changed, v_threshold,
                                                                             v_weights, v_link_threshold, v_high_threshold);
    END IF;
    v_timings := v_timings || pg_catalog.jsonb_build_object('link_drivers', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
    IF v_subjects > 0 THEN
        -- NAME+DATE: the records still unlinked against the persons' records, once every identifier link
        -- (drivers included) is written, so that a veto against any of them counts (docs/identity.md)
        v_mark := pg_catalog.clock_timestamp();
        v_names := canon.identity_link_names(v_run_id, v_weights, v_threshold, v_link_threshold,
                                             v_review_threshold, v_ambiguity,
                                             ops.get_setting('max_block_size')::integer,
                                             ops.get_setting('name_block_days')::integer);
        -- a name of three or more tokens with a date that NAME+DATE did not link or queue founds a person
        -- when the setting says so (docs/identity.md "Decisions": off by default, the daily split)
        IF ops.get_setting('name_only_persons') = '1' THEN
            v_founded := canon.identity_found_named(v_run_id);
        END IF;
        v_names := v_names || pg_catalog.jsonb_build_object('founded', v_founded);
        v_timings := v_timings || pg_catalog.jsonb_build_object('name_date', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
    END IF;
    -- the persons per phone of the phones this run touched, for the shared_phones health check
    v_mark := pg_catalog.clock_timestamp();
    PERFORM canon.refresh_phone_groups();
    v_timings := v_timings || pg_catalog.jsonb_build_object('phone_groups', pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_mark)::numeric, 2));
    RAISE NOTICE 'run_identity % (% s): % drivers linked', v_run_id,
        pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_drivers_linked;

    ---------------------------------------------------------------------------------------------------
    -- counts, run log
    ---------------------------------------------------------------------------------------------------
    -- the per-source and per-reason counts from the outcome groups written by canon.identity_write
    WITH c AS MATERIALIZED (
        SELECT o.source_table, o.outcome, o.unmatched, o.new_person, o.n
        FROM pg_catalog.jsonb_to_recordset(COALESCE(v_outcomes, '[]'::jsonb))
             AS o (source_table text, outcome text, unmatched boolean, new_person boolean, n bigint)
    )
    SELECT (SELECT COALESCE(pg_catalog.jsonb_object_agg(t.source_table, pg_catalog.jsonb_build_object(
                       'scanned', COALESCE((v_scan -> 'scanned' ->> t.source_table)::bigint, 0),
                       'processed', COALESCE(x.processed, 0),
                       'linked_existing', COALESCE(x.linked_existing, 0),
                       'new_person', COALESCE(x.new_person, 0),
                       'unmatched', COALESCE(x.unmatched, 0),
                       'unchanged', COALESCE((v_scan -> 'scanned' ->> t.source_table)::bigint, 0) - COALESCE(x.processed, 0))), '{}'::jsonb)
            FROM (VALUES ('module_ct_cabinet_leads'), ('module_ct_scouting_daily'), ('module_ct_migrations')) AS t (source_table)
            LEFT JOIN (
                SELECT c.source_table, pg_catalog.sum(c.n)::bigint AS processed,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE NOT c.unmatched AND NOT c.new_person), 0)::bigint AS linked_existing,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE NOT c.unmatched AND c.new_person), 0)::bigint AS new_person,
                       COALESCE(pg_catalog.sum(c.n) FILTER (WHERE c.unmatched), 0)::bigint AS unmatched
                FROM c
                GROUP BY c.source_table
            ) AS x ON x.source_table = t.source_table),
           (SELECT COALESCE(pg_catalog.jsonb_object_agg(r.outcome, r.n), '{}'::jsonb)
            FROM (SELECT c.outcome, pg_catalog.sum(c.n)::bigint AS n FROM c WHERE c.unmatched GROUP BY 1) AS r)
    INTO v_sources, v_reasons;

    -- lead records are linked only when some were decided (the count reads every link: 0.7 s at scale 1000)
    v_rules := '{}'::jsonb;
    IF v_subjects > 0 THEN
        SELECT COALESCE(pg_catalog.jsonb_object_agg(r.match_rule, r.n), '{}'::jsonb) INTO v_rules
        FROM (SELECT l.match_rule, pg_catalog.count(*) AS n FROM canon.identity_links AS l
              WHERE l.run_id = v_run_id AND l.source_table <> 'drivers' GROUP BY 1) AS r;
    END IF;

    v_result := pg_catalog.jsonb_build_object(
        'run_id', v_run_id, 'date_from', p_date_from, 'date_to', p_date_to,
        'sources', v_sources, 'rules', v_rules, 'unmatched_by_reason', v_reasons,
        'drivers', pg_catalog.jsonb_build_object('indexed', v_drivers_indexed, 'changed', v_drivers_changed,
                                                 'removed', v_drivers_removed, 'linked', v_drivers_linked),
        'rechecked', v_rechecked, 'decision_inputs', v_inputs, 'clustering_iterations', v_iterations,
        'car_name', v_car_name, 'name_date', v_names, 'stage_seconds', v_timings);

    UPDATE ops.run_log
    SET status = 'succeeded', finished_at = pg_catalog.clock_timestamp(), details = v_result
    WHERE run_id = v_run_id;

    TRUNCATE canon.identity_work_subject, canon.identity_work_pair, canon.identity_work_entity,
             canon.identity_work_edge, canon.identity_work_node, canon.identity_work_lead,
             canon.identity_work_driver, canon.identity_work_touch, canon.identity_work_recheck;
    RAISE NOTICE 'run_identity % (% s): done %', v_run_id, pg_catalog.round(extract(epoch FROM pg_catalog.clock_timestamp() - v_started)::numeric, 1), v_result;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION canon.run_identity(date, date) IS 'canon.run_identity(p_date_from date, p_date_to date) -> jsonb {run_id, date_from, date_to, sources: {<source_table>: {scanned, processed, linked_existing, new_person, unmatched, unchanged}}, rules: {<match_rule>: links created}, unmatched_by_reason: {<reason_code>: n}, drivers: {indexed, changed, removed, linked}, rechecked, decision_inputs, clustering_iterations, car_name: {pairs_left_out, blocks_left_out}, name_date, stage_seconds}: resolve the valid lead records of the inclusive range and the drivers to stable person_keys';