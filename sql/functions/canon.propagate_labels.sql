-- Connected components of canon.run_identity's work graph by label propagation: each iteration gives
-- every node of canon.identity_work_node the smallest label among its neighbours over
-- canon.identity_work_edge (only edges of rule p_edge_rule when given, else all), until no label
-- changes. Converges in (longest shortest path) iterations; the loop is over iterations, not rows.
-- Returns the number of iterations. Used for the records' clustering and for grouping the unlinked
-- drivers of one human; only canon.run_identity fills the work tables it reads.
CREATE OR REPLACE FUNCTION canon.propagate_labels(p_edge_rule text)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_iterations integer := 0;
    v_changed bigint;
BEGIN
    LOOP
        v_iterations := v_iterations + 1;
        WITH best AS (
            SELECT e.node_a, pg_catalog.min(n.label) AS label
            FROM canon.identity_work_edge AS e
            JOIN canon.identity_work_node AS n ON n.node_id = e.node_b
            WHERE p_edge_rule IS NULL OR e.match_rule = p_edge_rule
            GROUP BY e.node_a
        )
        UPDATE canon.identity_work_node AS n
        SET label = b.label
        FROM best AS b
        WHERE b.node_a = n.node_id AND b.label < n.label;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        EXIT WHEN v_changed = 0;
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
