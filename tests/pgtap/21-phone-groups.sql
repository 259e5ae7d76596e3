-- Persons per phone kept by identity (canon.phone_groups): the statement triggers note what changed,
-- canon.phone_groups_current() counts the pending phones live (never a stale count), and
-- canon.refresh_phone_groups() folds the notes in. Every kind of change is compared with a full count.
BEGIN;
SET client_min_messages = warning;
SELECT plan(16);

-- shape
SELECT has_table('canon', 'phone_groups', 'canon.phone_groups exists');
SELECT has_table('canon', 'phone_groups_pending', 'canon.phone_groups_pending exists');
SELECT has_trigger('canon', 'identity_links', 'identity_links_phone_delete', 'link deletions are noted');
SELECT has_function('canon', 'refresh_phone_groups', ARRAY[]::text[], 'canon.refresh_phone_groups() exists');

-- the full count every check below compares with, on the fixture's phones only
CREATE TEMP VIEW t_full AS
SELECT * FROM canon.count_phone_persons(NULL) WHERE phone LIKE '95521%';
CREATE TEMP VIEW t_current AS
SELECT * FROM canon.phone_groups_current() WHERE phone LIKE '95521%';
CREATE TEMP VIEW t_kept AS
SELECT phone, records, lead_records, persons FROM canon.phone_groups WHERE phone LIKE '95521%';

SELECT canon.refresh_phone_groups();
INSERT INTO canon.identity_registry (person_key, confidence_level)
SELECT ('00000000-0000-0000-0000-9552100000' || g)::uuid, 'HIGH' FROM generate_series(10, 14) AS g;
-- phone ...001: three lead records of three persons and one driver of a fourth; ...002: two records of one
INSERT INTO canon.lead_keys (source_table, source_pk, lead_date, phone, row_hash)
SELECT 'module_ct_cabinet_leads', 'pg-' || g, '2025-12-20', CASE WHEN g <= 3 THEN '955210001' ELSE '955210002' END, 'x'
FROM generate_series(1, 5) AS g;
INSERT INTO canon.drivers_index (driver_id, phone, row_hash, updated_at)
VALUES ('pg-d1', '955210001', 'x', now());
INSERT INTO canon.identity_links (person_key, source_table, source_pk, match_rule, match_score, confidence_level)
SELECT ('00000000-0000-0000-0000-9552100000' || (9 + g))::uuid, 'module_ct_cabinet_leads', 'pg-' || g, 'MANUAL', 100, 'HIGH'
FROM generate_series(1, 3) AS g
UNION ALL
SELECT '00000000-0000-0000-0000-955210000013', 'module_ct_cabinet_leads', 'pg-' || g, 'MANUAL', 100, 'HIGH'
FROM generate_series(4, 5) AS g
UNION ALL
SELECT '00000000-0000-0000-0000-955210000014', 'drivers', 'pg-d1', 'MANUAL', 100, 'HIGH';

-- behaviour
SELECT results_eq('SELECT * FROM t_current', $$VALUES ('955210001'::text, 4::bigint, 3::bigint, 4::bigint)$$,
                  'before any refresh the new phone is counted live: 4 records, 3 of them leads, 4 persons');
SELECT is_empty('SELECT * FROM t_kept', 'nothing is kept for it yet');
SELECT cmp_ok(canon.refresh_phone_groups(), '>=', 2::bigint, 'the refresh counts the noted phones again');
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_full', 'after the refresh the kept counts are the full count');
SELECT is_empty('SELECT 1 FROM canon.phone_groups_pending', 'and nothing is pending');

-- an unlink (an operator split): the reader sees it at once, the refresh keeps it
DELETE FROM canon.identity_links WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'pg-3';
SELECT results_eq('SELECT persons FROM t_current', 'VALUES (3::bigint)',
                  'an unlinked record counts at once, before any refresh');
SELECT canon.refresh_phone_groups();
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_full', 'the refresh keeps the unlink');

-- a record moving to another phone: both phones counted again
UPDATE canon.lead_keys SET phone = '955210002' WHERE source_table = 'module_ct_cabinet_leads' AND source_pk = 'pg-2';
SELECT set_eq('SELECT * FROM t_current', 'SELECT * FROM t_full', 'a moved phone: the reader sees both phones as they are');
SELECT canon.refresh_phone_groups();
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_full', 'a moved phone: the refresh counts both phones again');

-- a removed driver, and a change that touches no phone
UPDATE canon.drivers_index SET removed_at = now() WHERE driver_id = 'pg-d1';
UPDATE canon.lead_keys SET decided_hash = 'y' WHERE source_pk LIKE 'pg-%';
SELECT results_eq($$SELECT count(*) FROM canon.phone_groups_pending$$, 'VALUES (1::bigint)',
                  'a removed driver is noted once; a change of another column is not noted');
SELECT canon.refresh_phone_groups();
SELECT set_eq('SELECT * FROM t_kept', 'SELECT * FROM t_full', 'the removed driver no longer counts');

-- errors: a note is a phone or a record, never both
SELECT throws_ok($$INSERT INTO canon.phone_groups_pending (phone, source_table, source_pk) VALUES ('955210009', 'drivers', 'x')$$,
                 '23514', NULL, 'a note naming both a phone and a record is refused');

SELECT * FROM finish();
ROLLBACK;
