-- Normalizers (docs/rules.md §2): one set, IMMUTABLE STRICT, used by drivers, leads and payments alike.
BEGIN;
SELECT plan(92);

-- shape
SELECT has_function('canon', 'normalize_phone', ARRAY['text'], 'canon.normalize_phone(text) exists');
SELECT has_function('canon', 'normalize_license', ARRAY['text'], 'canon.normalize_license(text) exists');
SELECT has_function('canon', 'normalize_document', ARRAY['text'], 'canon.normalize_document(text) exists');
SELECT has_function('canon', 'normalize_plate', ARRAY['text'], 'canon.normalize_plate(text) exists');
SELECT has_function('canon', 'normalize_name', ARRAY['text'], 'canon.normalize_name(text) exists');
SELECT has_function('canon', 'name_tokens', ARRAY['text'], 'canon.name_tokens(text) exists');
SELECT has_function('canon', 'name_key', ARRAY['text'], 'canon.name_key(text) exists');
SELECT has_function('canon', 'name_similarity', ARRAY['text[]', 'text[]'], 'canon.name_similarity(text[], text[]) exists');
SELECT has_function('canon', 'mask_identifier', ARRAY['text'], 'canon.mask_identifier(text) exists');
SELECT has_function('canon', 'name_tokens_close', ARRAY['text', 'text'], 'canon.name_tokens_close(text, text) exists');
SELECT has_function('canon', 'name_token_variants', ARRAY['text'], 'canon.name_token_variants(text) exists');
SELECT has_function('canon', 'normalize_record', ARRAY['text', 'text', 'text', 'text', 'text', 'text', 'text', 'boolean'],
                    'canon.normalize_record(text x 7, boolean) exists');
SELECT ok((SELECT p.provolatile = 'i' AND NOT p.proisstrict AND p.proparallel = 's'
                  AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp']
                  AND p.prorettype = 'canon.normalized_record'::regtype
           FROM pg_proc p WHERE p.oid = 'canon.normalize_record(text, text, text, text, text, text, text, boolean)'::regprocedure),
          'canon.normalize_record is IMMUTABLE PARALLEL SAFE, not STRICT (NULL fields), pinned, returns canon.normalized_record');
SELECT is_empty($$
    SELECT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'canon'::regnamespace
      AND p.proname IN ('normalize_phone', 'normalize_license', 'normalize_document', 'normalize_plate',
                        'normalize_name', 'name_tokens', 'name_key', 'name_similarity',
                        'name_tokens_close', 'name_token_variants')
      AND NOT (p.provolatile = 'i' AND p.proisstrict AND p.proparallel = 's'
               AND p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'])$$,
    'every normalizer is IMMUTABLE STRICT PARALLEL SAFE with a pinned search_path');

-- phone
SELECT is(canon.normalize_phone('+51 987-654-321'), '987654321', 'phone: country code, spaces and dashes removed');
SELECT is(canon.normalize_phone('51987654321'), '987654321', 'phone: 51 prefix of an 11-digit number dropped');
SELECT is(canon.normalize_phone('(+51) 987654321'), '987654321', 'phone: parentheses removed');
SELECT is(canon.normalize_phone('987 654 321'), '987654321', 'phone: spaces inside removed');
SELECT is(canon.normalize_phone('98765432'), NULL, 'phone: 8 digits is not a mobile');
SELECT is(canon.normalize_phone('9876543210'), NULL, 'phone: 10 digits is not a mobile');
SELECT is(canon.normalize_phone('9876543'), NULL, 'phone: 7 digits is not a mobile');
SELECT is(canon.normalize_phone('01 4567890'), NULL, 'phone: a Lima landline is not a mobile');
SELECT is(canon.normalize_phone('abc'), NULL, 'phone: letters only give NULL');
SELECT is(canon.normalize_phone(''), NULL, 'phone: empty string gives NULL');
SELECT is(canon.normalize_phone('999999999'), NULL, 'phone: the 999999999 placeholder gives NULL');
SELECT is(canon.normalize_phone(NULL), NULL, 'phone: NULL in, NULL out (STRICT)');

-- licence
SELECT is(canon.normalize_license('q40123456'), 'Q40123456', 'licence: lower case is upper-cased');
SELECT is(canon.normalize_license(' Q-4012 3456 '), 'Q40123456', 'licence: dashes and spaces removed');
SELECT is(canon.normalize_license('ñ40123456'), '40123456', 'licence: a non-ASCII letter is stripped after upper-casing');
SELECT is(canon.normalize_license('NO TIENE'), NULL, 'licence: text without digits is not a licence');
SELECT is(canon.normalize_license('Q00000000'), NULL, 'licence: placeholder digits give NULL');
SELECT is(canon.normalize_license(''), NULL, 'licence: empty string gives NULL');

-- document
SELECT is(canon.normalize_document('40123456'), '40123456', 'document: 8 digits kept');
SELECT is(canon.normalize_document('4012345'), '04012345', 'document: 7 digits padded to 8 (lost leading zero)');
SELECT is(canon.normalize_document('DNI 40.123.456'), '40123456', 'document: non-digits removed');
SELECT is(canon.normalize_document('00000000'), NULL, 'document: 00000000 placeholder gives NULL');
SELECT is(canon.normalize_document('12345678'), NULL, 'document: 12345678 placeholder gives NULL');
SELECT is(canon.normalize_document('11111111'), NULL, 'document: one digit repeated gives NULL');
SELECT is(canon.normalize_document('123'), NULL, 'document: too short gives NULL');

-- plate
SELECT is(canon.normalize_plate('abc-123'), 'ABC123', 'plate: upper-cased, dash removed');
SELECT is(canon.normalize_plate(' A1B 234 '), 'A1B234', 'plate: spaces removed');
SELECT is(canon.normalize_plate('SIN PLACA'), NULL, 'plate: text without digits gives NULL');
SELECT is(canon.normalize_plate(repeat('AB1', 1400)), NULL, 'plate: over 12 characters is no plate (bounded index key)');
SELECT is(canon.normalize_license(repeat('Q1', 2000)), NULL, 'licence: over 20 characters is no licence (bounded index key)');
SELECT is(canon.normalize_phone(repeat(' ', 100) || '987654321'), NULL, 'phone: raw text over 100 characters is no phone (translate is quadratic)');

-- names
SELECT is(canon.normalize_name('  José   Ñúñez-Peña '), 'JOSE NUNEZ PENA', 'name: accents and Ñ folded, punctuation to spaces, spaces collapsed');
SELECT is(canon.normalize_name('müller çelik'), 'MULLER CELIK', 'name: Ü and Ç folded');
SELECT is(canon.normalize_name('   '), NULL, 'name: only spaces gives NULL');
SELECT is(canon.normalize_name('😀😀'), NULL, 'name: emoji only gives NULL');
SELECT is(length(canon.normalize_name(repeat('ab', 150))), 200, 'name: a 300-character name is cut to 200');
-- unaccent folds every letter the former translate() list folded, to the same letter
SELECT is_empty($$
    SELECT c FROM unnest(string_to_array('ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇçÝýÿ', NULL)) AS c
    WHERE canon.normalize_name('x' || c || 'x')
          IS DISTINCT FROM 'X' || upper(translate(c, 'ÁÀÂÄÃÅáàâäãåÉÈÊËéèêëÍÌÎÏíìîïÓÒÔÖÕóòôöõÚÙÛÜúùûüÑñÇçÝýÿ',
                                                     'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOoooooUUUUuuuuNnCcYyy')) || 'X'$$,
    'name: the 53 Spanish and Portuguese accented letters fold as before (Á->A, Ñ->N, Ü->U, Ç->C)');
SELECT is(canon.normalize_name('Søren Łukasz Straße'), 'SOREN LUKASZ STRASSE', 'name: other Latin letters fold too (Ø->O, Ł->L, ß->SS)');
SELECT is(canon.normalize_name('ÑAHUI'), 'NAHUI', 'name: a leading Ñ folds to N');
-- one typo between two tokens (fuzzystrmatch levenshtein_less_equal, swaps by hand)
SELECT ok(canon.name_tokens_close('PERCY', 'PERYC'), 'typo: two neighbours swapped (PERCY/PERYC)');
SELECT ok(canon.name_tokens_close('PEREZ', 'PERZ'), 'typo: a letter dropped');
SELECT ok(canon.name_tokens_close('QUISPE', 'QUISPA'), 'typo: a letter replaced');
SELECT ok(canon.name_tokens_close('JUAN', 'JAUN'), 'typo: a swap in a four-letter token');
SELECT ok(NOT canon.name_tokens_close('LUIS', 'JUAN'), 'typo: two different names are not close');
SELECT ok(NOT canon.name_tokens_close('PERCY', 'PCREY') AND NOT canon.name_tokens_close('PERCY', 'PYRCE'),
          'typo: letters swapped two apart, or two letters replaced, are not one typo');
SELECT ok(NOT canon.name_tokens_close('ANA', 'ANE') AND NOT canon.name_tokens_close('RAUL', 'RUL'),
          'typo: tokens under four letters are close only when equal');
SELECT is(canon.name_token_variants('PERCY'), ARRAY['ERCY', 'PECY', 'PERC', 'PERCY', 'PERY', 'PRCY'],
          'variants: the token and each one-letter deletion, sorted');
SELECT is(canon.name_token_variants('PERRY'), ARRAY['ERRY', 'PERR', 'PERRY', 'PERY', 'PRRY'], 'variants: distinct');
SELECT is(canon.name_token_variants('ANA'), ARRAY['ANA'], 'variants: a token under four letters is its only variant');
SELECT ok(canon.name_token_variants('PERCY') && canon.name_token_variants('PERYC')
          AND canon.name_token_variants('QUISPE') && canon.name_token_variants('QUISPA')
          AND canon.name_token_variants('PEREZ') && canon.name_token_variants('PERZ'),
          'variants: tokens one typo apart share a variant (swap, replace, drop)');
SELECT is(canon.name_tokens('María de la Cruz y del Pozo'), ARRAY['CRUZ', 'MARIA', 'POZO'], 'tokens: stopwords DE LA Y DEL dropped, sorted');
SELECT is(canon.name_tokens('Perez PEREZ juan'), ARRAY['JUAN', 'PEREZ'], 'tokens: distinct');
SELECT is(canon.name_tokens(''), '{}'::text[], 'tokens: empty name gives an empty array');
SELECT is(canon.name_key('Pérez, Juan'), 'JUAN PEREZ', 'name key: sorted tokens, order of the raw name does not matter');
SELECT is(canon.name_tokens('Aagaard Zapata' COLLATE "da-x-icu"), ARRAY['ZAPATA', 'AAGAARD'],
          'tokens: sorted under the call''s collation even where it is not byte order (Danish AA after Z)');
SELECT is(canon.name_block_keys(ARRAY['AB', 'ABA', 'C']), ARRAY['AB ABA', 'AB ABA C', 'AB C', 'ABA C'],
          'block keys: the full key and each leave-one-out key, sorted');
SELECT is(canon.name_block_keys(ARRAY['B', 'A', 'B']), ARRAY['A B', 'B A', 'B A B', 'B B'],
          'block keys: unsorted tokens with a duplicate give sorted distinct keys');
SELECT is(canon.parse_name('Juan Perez', 'de la Rosa', NULL), ROW('DE'::text, ARRAY['PEREZ'], false)::record,
          'parse: a free-text record''s given-name field gives its first token, stopword or not');
SELECT is(canon.parse_name('x', 'de la Rosa', 'del Pozo Quispe Mamani'), ROW('ROSA'::text, ARRAY['QUISPE', 'MAMANI'], true)::record,
          'parse: a surname field gives its last two tokens and the given name skips stopwords');
SELECT is(canon.parse_name('Ana de la Cruz Rios', 'María', 'de la'), ROW('MARIA'::text, ARRAY['CRUZ', 'RIOS'], false)::record,
          'parse: a surname field of stopwords only falls back to the full name');
SELECT is(canon.name_key('de la'), NULL, 'name key: stopwords only gives NULL');
SELECT is(canon.name_similarity(canon.name_tokens('JUAN PEREZ'), canon.name_tokens('JUAN CARLOS PEREZ')), 0.6667,
          'similarity: JUAN PEREZ vs JUAN CARLOS PEREZ = 0.667 (docs/rules.md §2 example)');
SELECT is(canon.name_similarity(canon.name_tokens('Juan Pérez'), canon.name_tokens('PEREZ JUAN')), 1.0000,
          'similarity: same tokens in another order = 1');
SELECT is(canon.name_similarity('{}'::text[], ARRAY['JUAN']), 0::numeric, 'similarity: 0 when a side is empty');

-- masking
SELECT is(canon.mask_identifier('987654321'), '******321', 'mask: only the last 3 characters shown');
SELECT is(canon.mask_identifier('Q40123456'), '******456', 'mask: licences too');
SELECT is(canon.mask_identifier(NULL), NULL, 'mask: NULL stays NULL (a SQL-standard body, not STRICT, so it is inlined)');
-- the normalizers (canon.normalize_record) give exactly what the reference regular expressions give
-- (below), on every character up to U+02FF in several contexts and on hostile strings
CREATE TEMP TABLE normalizer_inputs AS
SELECT x.v
FROM pg_catalog.generate_series(1, 767) AS g,
     LATERAL (VALUES (chr(g)), (chr(g) || chr(g)), ('9' || chr(g) || '87654321'), ('A' || chr(g) || 'b1'),
                     ('51' || chr(g) || '987654321'), (chr(g) || '1234567'), (chr(g) || chr(g) || '9')) AS x (v)
UNION ALL
SELECT chr(c) || s
FROM unnest(ARRAY[7838, 304, 305, 383, 8490, 8544, 65313, 65297, 1632, 178, 128512, 8203, 65279, 12288, 160]) AS c,
     unnest(ARRAY['', '1', 'ab12', ' 9 8 7 6 5 4 3 2 1', 'ǅ']) AS s
UNION ALL
SELECT unnest(ARRAY['', ' ', E'\n', E'\t9\n87654321', '999999999', '51999999999', '5198765432', '519876543210',
    '0000000', '1111111', '123456789012', '1234567890123', 'Q00000000', 'AAAAAA', '111111', 'A1', '1', 'ßtraße1',
    '١٢٣٤٥٦٧٨٩', '９８７６５４３２１', 'Ⅻ 12', 'ǆ1', repeat('9', 300)]);
-- canon.name_tokens and canon.parse_name split names with canon.normalize_name's expression: same tokens
SELECT is_empty($$
    SELECT v FROM (SELECT v, array_remove(array_remove(array_remove(array_remove(array_remove(array_remove(array_remove(array_remove(
                      COALESCE(string_to_array(canon.normalize_name(v), ' '), '{}'), 'DE'), 'DEL'), 'LA'), 'LAS'), 'LOS'), 'EL'), 'Y'), 'E') AS t
                   FROM (SELECT v FROM normalizer_inputs UNION ALL SELECT v || ' de ' || v || ' Ñu ' || v FROM normalizer_inputs) AS i) AS p
    WHERE canon.name_tokens(v) IS DISTINCT FROM ARRAY(SELECT DISTINCT x FROM unnest(t) AS x ORDER BY x)
       OR (canon.parse_name(v, NULL, NULL)).surnames IS DISTINCT FROM
          CASE WHEN cardinality(t) >= 3 THEN t[cardinality(t) - 1:cardinality(t)] WHEN cardinality(t) = 2 THEN t[2:2] ELSE '{}' END
       OR (canon.parse_name(NULL, v, 'Rios')).given_name IS DISTINCT FROM t[1]$$,
    'names: tokens and parsed names are those of canon.normalize_name on hostile input');
SELECT is_empty($$
    SELECT v FROM (SELECT v, CASE WHEN length(d) = 11 AND d LIKE '51%' THEN substr(d, 3) ELSE d END AS d
                   FROM (SELECT v, regexp_replace(v, '[^0-9]', '', 'g') AS d FROM normalizer_inputs) AS r) AS p
    WHERE canon.normalize_phone(v) IS DISTINCT FROM CASE WHEN d ~ '^9[0-9]{8}$' AND d <> '999999999' THEN d END$$,
    'phone: same output as the regexp definition on hostile input');
SELECT is_empty($$
    SELECT v FROM (SELECT v, CASE WHEN length(d) = 7 THEN '0' || d ELSE d END AS d
                   FROM (SELECT v, regexp_replace(v, '[^0-9]', '', 'g') AS d FROM normalizer_inputs) AS r) AS p
    WHERE canon.normalize_document(v) IS DISTINCT FROM
          CASE WHEN d !~ '^[0-9]{8,12}$' OR d ~ '^(.)\1*$' OR d IN ('12345678', '123456789', '87654321', '01234567')
               THEN NULL ELSE d END$$,
    'document: same output as the regexp definition on hostile input');
SELECT is_empty($$
    SELECT v FROM (SELECT v, u, regexp_replace(u, '[^0-9]', '', 'g') AS d
                   FROM (SELECT v, regexp_replace(upper(v), '[^A-Z0-9]', '', 'g') AS u FROM normalizer_inputs) AS r) AS p
    WHERE canon.normalize_license(v) IS DISTINCT FROM
          CASE WHEN d = '' OR length(u) > 20 OR d ~ '^(.)\1*$' OR d IN ('12345678', '123456789', '87654321') THEN NULL ELSE u END$$,
    'license: same output as the regexp definition on hostile input');
SELECT is_empty($$
    SELECT v FROM (SELECT v, regexp_replace(upper(v), '[^A-Z0-9]', '', 'g') AS u FROM normalizer_inputs) AS p
    WHERE canon.normalize_plate(v) IS DISTINCT FROM CASE WHEN length(u) <= 12 AND u ~ '[0-9]' AND u !~ '^(.)\1*$' THEN u END$$,
    'plate: same output as the regexp definition on hostile input');

-- canon.normalize_record is the one definition the single normalizers read; its licence DNI and name blocks
-- agree with canon.license_dni and canon.name_block_keys, and every field is read on its own
SELECT is_empty($$
    SELECT v FROM (SELECT v FROM normalizer_inputs UNION ALL SELECT v || ' de ' || v || ' Ñu ' || v FROM normalizer_inputs
                   UNION ALL SELECT 'Q' || v FROM normalizer_inputs UNION ALL VALUES ('e d c b a'), ('Juan Carlos Pérez de la Cruz Ríos')) AS i
    WHERE canon.normalize_record(v, v, v, v, v, v, v, true) IS DISTINCT FROM
          ROW(canon.normalize_phone(v), canon.normalize_license(v), canon.normalize_document(v), canon.normalize_plate(v),
              canon.license_dni(canon.normalize_license(v)), canon.name_tokens(v), (canon.parse_name(v, v, v)).given_name,
              (canon.parse_name(v, v, v)).surnames, (canon.parse_name(v, v, v)).two_surnames,
              canon.name_block_keys(canon.name_tokens(v)))::canon.normalized_record$$,
    'record: normalize_record equals the single normalizers, license_dni and name_block_keys on hostile input');
SELECT is((canon.normalize_record(NULL, NULL, NULL, NULL, 'Aagaard Zapata Bravo' COLLATE "da-x-icu", NULL, NULL, true)).name_blocks,
          ARRAY['BRAVO ZAPATA', 'BRAVO ZAPATA AAGAARD', 'BRAVO AAGAARD', 'ZAPATA AAGAARD'],
          'record: name blocks sorted under the call''s collation (Danish AA after Z)');
SELECT is(canon.normalize_record('+51 987-654-321', 'q-4071 8263', '4071826', 'abc-123', 'María de la Cruz', 'María', 'de la Cruz Ríos', false)::text,
          '(987654321,Q40718263,04071826,ABC123,40718263,"{CRUZ,MARIA}",MARIA,"{CRUZ,RIOS}",t,{})',
          'record: every key of one record from one call; no blocks when p_blocks is false');
SELECT is(canon.license_dni('Q40718263'), '40718263', 'license_dni: letter + 8 digits carries the DNI');
SELECT is(canon.license_dni('Q4071826'), '04071826', 'license_dni: 7 digits get the lost leading zero');
SELECT is(canon.license_dni('AB1234567'), NULL, 'license_dni: two letters are not a Peruvian licence');

SELECT * FROM finish();
ROLLBACK;
