-- depends: 0014.populate-state
-- canon.run_identity decides into a temporary table since the fifth session (an UPDATE of every
-- record cost 10.4 s instead of 6.2 s at scale 100): the work table's decision columns are never
-- written or read any more. Unlogged work table, emptied at the start and end of every run: dropping
-- them moves no data and breaks no reader (only run_identity uses the table), hence:
-- squawk-ignore-file ban-drop-column
SET lock_timeout = '10s';

ALTER TABLE canon.identity_work_subject
    DROP COLUMN label,
    DROP COLUMN person_key,
    DROP COLUMN new_person,
    DROP COLUMN evidence,
    DROP COLUMN candidates;
