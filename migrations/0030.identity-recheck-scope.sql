-- depends: 0029.claims-sent
-- Work tables of the incremental identity run (docs/identity.md, "Speed"): canon.run_identity re-decides
-- an OPEN record only when something sharing one of its blocking keys changed since a run last checked
-- it. identity_work_touch holds the keys touched by a change and the run the change belongs to (a
-- change between two runs gets the earlier run + 0.5); identity_work_recheck the OPEN records to decide
-- again. Emptied at the start and end of every run like the other work tables; no data moves.
SET lock_timeout = '10s';

CREATE UNLOGGED TABLE canon.identity_work_touch (
    key text NOT NULL,
    stamp numeric NOT NULL
);

CREATE UNLOGGED TABLE canon.identity_work_recheck (
    source_table text NOT NULL,
    source_pk text NOT NULL,
    PRIMARY KEY (source_table, source_pk)
);
