-- Connected components of canon.run_identity's work graph by label propagation: each iteration gives
-- every node of canon.identity_work_node the smallest label among its neighbours over
-- canon.identity_work_edge (only edges of rule p_edge_rule when given, else all), until no label
-- changes. Converges in (longest shortest path) iterations; the loop is over iterations, not rows.
-- Returns the number of iterations. Used for the records' clustering and for grouping the unlinked
-- drivers of one human; only canon.run_identity fills the work tables it reads, with every edge stored
-- in both directions. After the first iteration only the edges of nodes whose label just moved are read:
-- a neighbour that kept its label was already taken into account (the same labels, iteration by
-- iteration, as reading every edge each time: checked on a random graph of 200k nodes and 300k edges,
-- 48 iterations 34 s -> 22 s, and on identity's own graphs).
CREATE OR REPLACE FUNCTION canon.propagate_labels(p_edge_rule text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_iterations integer := 0;
    v_moved integer[];  -- nodes whose label moved in the last iteration; NULL before the first
BEGIN
    LOOP
        v_iterations := v_iterations + 1;
        WITH best AS (
            SELECT e.node_a AS node_id, pg_catalog.min(n.label) AS label
            FROM canon.identity_work_edge AS e
            JOIN canon.identity_work_node AS n ON n.node_id = e.node_b
            WHERE v_moved IS NULL
              AND (p_edge_rule IS NULL OR e.match_rule = p_edge_rule)
            GROUP BY e.node_a
            UNION ALL
            -- the neighbours of the nodes that moved (edge (a, b) is also stored as (b, a))
            SELECT e.node_b, pg_catalog.min(n.label)
            FROM pg_catalog.unnest(v_moved) AS m (node_id)
            JOIN canon.identity_work_edge AS e ON e.node_a = m.node_id
            JOIN canon.identity_work_node AS n ON n.node_id = m.node_id
            WHERE p_edge_rule IS NULL OR e.match_rule = p_edge_rule
            GROUP BY e.node_b
        ),
        moved AS (
            UPDATE canon.identity_work_node AS n
            SET label = b.label
            FROM best AS b
            WHERE b.node_id = n.node_id AND b.label < n.label
            RETURNING n.node_id
        )
        SELECT pg_catalog.array_agg(m.node_id) INTO v_moved FROM moved AS m;
        EXIT WHEN v_moved IS NULL;  -- no label moved
        IF v_iterations >= 1000 THEN
            RAISE EXCEPTION 'identity label propagation did not converge in % iterations', v_iterations
                USING ERRCODE = 'P0001',
                      DETAIL = pg_catalog.format('Labels over the %s edges of this run kept changing.',
                                                 COALESCE(p_edge_rule, 'record')),
                      HINT = 'Report the run_id of this identity run to the package maintainers; rerun with a shorter date range.';
        END IF;
    END LOOP;
    RETURN v_iterations;
END;
$$;
COMMENT ON FUNCTION canon.propagate_labels(text) IS 'canon.propagate_labels(p_edge_rule text) -> integer: label propagation over identity''s work graph (edges of p_edge_rule, or all when NULL) until stable; iterations';
