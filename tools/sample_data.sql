-- =====================================================================================================
-- tools/sample_data.sql — deterministic, seeded, set-based generator of realistic Peruvian sample data
-- for the raw source tables of the lead-attribution package (docs/rules.md §1), plus a ground truth.
--
--   psql -v ON_ERROR_STOP=1 -f tools/sample_data.sql            -- installs schema `sample` (idempotent)
--   SELECT sample.generate();                                  -- scale 1, seed 0.42, p_end = today (Lima)
--   SELECT sample.generate(0.1, 0.42, '2026-01-15');           -- small, fully reproducible
--   SELECT sample.add_records(0.05);                           -- +5 % new humans, existing rows untouched
--
-- It does NOT create the raw public tables (the package's migrations do); it TRUNCATEs and fills them:
--   public.module_ct_cabinet_leads, module_ct_scouting_daily, module_ct_migrations, drivers,
--   summary_daily, module_ct_cabinet_payments, module_ct_scouts_list.
--
-- What a scale-1 run looks like (everything multiplies with p_scale; fractional scales are fine):
--   * ~1,930 "lead humans" (each a person with Peruvian names, a unique 9-digit mobile, DNI, licence
--     = letter + DNI, a car) spread over the three lead sources: cabinet only 33 %, scouting only 25 %,
--     migration only 6 %, cabinet+scouting 18 %, scouting+migration 9 %, cabinet+migration 2 %, all
--     three 7 %; 8 % of cabinet humans register twice, 12 % of scouting humans are registered twice
--     (60 % of those by a different scout within 7 days = attribution conflict).  ≈ 3,000 lead rows
--     (≈ 42 % cabinet, 42 % scouting, 16 % migrations); 1 row in 200 of each source has no lead date.
--   * ~58 % of lead humans become drivers of the target park (every migration human does), hire date
--     usually 0..20 days after the first lead, sometimes before; ~8 % (60 % of migrated humans) also
--     have an older driver row in another park (cross-park, same phone / licence).
--   * drivers: the converted lead humans + ~300 non-lead target-park drivers (incl. homonyms) + ~1,300
--     drivers of four other parks => ≈ 1,500 target-park and ≈ 1,600 other-park driver rows at scale 1,
--     a bit more than half of them belonging to no lead human.
--   * households: ~2 % of persons head a household of 2-3 (≈ 5 % of persons live in one): relatives
--     share the phone, 80 % the first surname, have their own first name, licence, DNI and car; a third
--     of the same-sex relatives carrying the head's surname are "juniors" with the head's given name too
--     (father and son MIGUEL DIAZ ZAPATA / MIGUEL DIAZ PEÑA on one phone; ≈ 0.7 % of persons). A few
--     "lazy" scouts type their own phone for ~12 % of their registrations (one phone shared by 5-10
--     humans); ~0.6 % exact homonyms (same full name, other human, some of them namesakes of paid
--     cabinet humans) in the target park.
--   * names far more common than others: given names and surnames are drawn Zipf-like (rank k weighs
--     ~1/k^s, s = 0.7 for given names, 0.6 for surnames and middle names): JUAN ≈ 9.5 % of men, QUISPE
--     ≈ 5 % of surnames, the most common surname ≈ 17x the rarest.
--   * registrations that carry only a name: ~10 % of the humans with a cabinet lead and a scouting
--     registration (≈ 3 % of cabinet rows) have a first cabinet lead with no phone, plate, model or
--     colour, and are registered by a scout two days later (clamped to the window); ~6 % of scouting
--     rows carry no phone, licence or document.
--   * records with only some identifiers: scouting rows without phone ~15 %, without licence ~45 %,
--     without document ~50 %; cabinet rows without plate ~15 %; drivers without phone ~3 % (another
--     phone ~5 %), licence 3 %, document 10 %, plate 3 % (another car 5 %).
--   * per-record noise: accents typed or not (names fully stripped on ~40-60 % of rows; on ~25 % of the
--     others only the vowels lose theirs and Ñ keeps its tilde, "JOSE PEÑA"), upper/Title/lower case,
--     missing middle name or second surname, one-letter typos (~3 % of lead rows, 1.5 % of drivers: a
--     dropped letter 40 %, two letters swapped 30 %, "PERYC", one replaced 30 %), extra spaces, phone
--     written in 6 formats, garbage phones, licences with dashes/spaces/lower case, 7-digit DNIs (lost
--     leading zero), placeholder DNIs, plate formats.
--   * summary_daily: one row per worked day of every target-park driver (converted leads from hire
--     date; non-lead ones from 30 days before the window), activity classes none/low/mid/high, ~5 %
--     ISO dates, a handful unparseable, ~1 % of days delivered twice (latest created_at is the truth).
--   * module_ct_cabinet_payments: what Yango paid for cabinet humans' 14-day milestones (paid 15..30 days
--     after the lead date, ~10 % unpaid, a few misapplied / paid without achievement, ~5 % repeated
--     snapshots, driver_id given on ~10 %).
--
-- Ground truth: sample.truth(source_table, source_pk, person_id) — one row per generated lead record
-- (bad rows included) and per driver row; person_id = the true human (sample.person.pid).
--
-- Determinism: setseed(p_seed) once per call, then random() is only consumed inside ordered, materialised
-- "draw" CTEs (one array of draws per row, rows ordered by a unique key); everything else is a pure
-- function of those draws.  The hard cases above (juniors, name-only cabinet leads, accents on some
-- letters) draw from sample._h(seed, key), an md5 of the seed and the human, so they leave the random()
-- stream of everything else as it was.  Parallel query is switched off on the entry points.  Same
-- arguments (with an explicit p_end) => identical table contents.  A seed outside [-1, 1] (setseed's
-- range; e.g. the integer seeds 1, 2, 3 of tools/identity_quality) is mapped into it by a hash.
-- tests/test_generator.py checks determinism and these proportions.
-- =====================================================================================================

CREATE SCHEMA IF NOT EXISTS sample;

-- ---------------------------------------------------------------------------------------------------
-- Tables of the generator (the package never reads schema sample)
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS sample.truth (
    source_table text    NOT NULL,
    source_pk    text    NOT NULL,
    person_id    integer NOT NULL,
    PRIMARY KEY (source_table, source_pk)
);

-- one row: the parameters of the last sample.generate() (add_records() continues from them)
CREATE TABLE IF NOT EXISTS sample.params (
    id          integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    scale       numeric NOT NULL,
    seed        double precision NOT NULL,
    p_end       date    NOT NULL,
    p_days      integer NOT NULL,
    ws          date    NOT NULL,          -- window start = p_end - p_days + 1
    target_park text    NOT NULL,
    off_phone   bigint  NOT NULL,          -- offsets of the identifier permutations
    off_dni     bigint  NOT NULL,
    off_plate   bigint  NOT NULL,
    n_scouts    integer NOT NULL
);

-- the humans
CREATE UNLOGGED TABLE IF NOT EXISTS sample.person (
    pid      integer PRIMARY KEY,
    batch    integer NOT NULL,               -- 0 = generate(), 1.. = add_records()
    role     text    NOT NULL,               -- lead | tgt_old (non-lead target-park driver) | other (other park)
    sex      text, fn text, mn text, s1 text, s2 text,   -- canonical name (upper case, with accents)
    phone    text, phone2 text, dni text, lic text, plate text, car integer, color integer,
    head     integer,                        -- household head pid (relatives share head's phone)
    twin_of  integer,                        -- exact homonym of this pid
    hh_u     double precision, tw_u double precision,
    has_c    boolean NOT NULL DEFAULT false, has_s boolean NOT NULL DEFAULT false,
    has_m    boolean NOT NULL DEFAULT false,
    n_c      integer NOT NULL DEFAULT 0, n_s integer NOT NULL DEFAULT 0, n_m integer NOT NULL DEFAULT 0,
    c_date   date, s_date date, m_date date,
    scout_s  integer, scout_s2 integer, scout_m integer,
    conv     boolean NOT NULL DEFAULT false, hire date,           -- target-park driver?
    xpark    boolean NOT NULL DEFAULT false, xpark_no integer, xhire date, xfire date   -- other-park row
);
-- hard cases (see the header): relative carrying the head's given name; cabinet lead with only a name
ALTER TABLE sample.person ADD COLUMN IF NOT EXISTS junior boolean NOT NULL DEFAULT false,
                          ADD COLUMN IF NOT EXISTS c_name_only boolean NOT NULL DEFAULT false;

CREATE UNLOGGED TABLE IF NOT EXISTS sample.scout (
    scout_id integer PRIMARY KEY, name text, phone text, lazy boolean, is_active boolean
);

-- driver rows (kind 1 = converted lead, 2 = lead's other-park row, 3 = non-lead target, 4 = other park)
CREATE UNLOGGED TABLE IF NOT EXISTS sample.driver (
    driver_id text PRIMARY KEY, pid integer NOT NULL, batch integer NOT NULL, kind integer NOT NULL,
    park_id text NOT NULL, hire date, fire date, u double precision[]
);

-- true daily activity of target-park drivers (summary_daily is a noisy delivery of this)
CREATE UNLOGGED TABLE IF NOT EXISTS sample.day (
    driver_id text NOT NULL, day date NOT NULL, batch integer NOT NULL,
    trips integer NOT NULL, secs integer NOT NULL, ca timestamp NOT NULL,
    fmt text NOT NULL, dup boolean NOT NULL, dup_trips integer, dup_ca timestamp,
    PRIMARY KEY (driver_id, day)
);

-- ---------------------------------------------------------------------------------------------------
-- Dictionaries (canonical spelling: upper case, Spanish accents where the name carries one)
-- Lists are ordered roughly by frequency; picks are skewed towards the head of the list.
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._male() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['JUAN','JOSÉ','LUIS','CARLOS','JORGE','MIGUEL','CÉSAR','VÍCTOR','PEDRO','MANUEL','JESÚS','ALEX',
 'ÁNGEL','DAVID','FRANCISCO','JULIO','RAÚL','FERNANDO','ROBERTO','RICARDO','EDWIN','WILLIAM','JAVIER','DANIEL',
 'MARCO','ÓSCAR','WILSON','EDGAR','HÉCTOR','ALBERTO','ANTONIO','ELVIS','FREDDY','RONALD','JHON','KEVIN','DIEGO',
 'ANDRÉS','HUGO','SEGUNDO','MARIO','WALTER','ROGER','HENRY','JAIME','RUBÉN','PERCY','ALFREDO','GUSTAVO',
 'ENRIQUE','NÉSTOR','JOEL','CRISTIAN','JHONATAN','ERICK','RAFAEL','MARTÍN','FÉLIX','ORLANDO','WILMER']
$$;

CREATE OR REPLACE FUNCTION sample._female() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['MARÍA','ROSA','CARMEN','ANA','JULIA','LUZ','ELIZABETH','GLADYS','DIANA','JESSICA','PATRICIA',
 'SONIA','MILAGROS','NANCY','YOLANDA','SANDRA','VERÓNICA','CARLA','LUCÍA','FIORELLA','ANDREA','KAREN','MARISOL',
 'ROCÍO','GABRIELA','SOFÍA','ELENA','TERESA','VANESSA','MÓNICA','ISABEL','PAOLA']
$$;

CREATE OR REPLACE FUNCTION sample._surnames() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['QUISPE','FLORES','SÁNCHEZ','RODRÍGUEZ','GARCÍA','ROJAS','HUAMÁN','MAMANI','CHÁVEZ','RAMÍREZ',
 'TORRES','LÓPEZ','GONZALES','VÁSQUEZ','CASTILLO','ESPINOZA','DÍAZ','MENDOZA','PÉREZ','RAMOS','GUTIÉRREZ',
 'HUAMANI','VARGAS','CRUZ','CONDORI','RIVERA','MORALES','FERNÁNDEZ','GÓMEZ','RUIZ','REYES','MARTÍNEZ','SALAZAR',
 'CASTRO','HERRERA','JIMÉNEZ','MEDINA','ROMERO','ÁLVAREZ','CÓRDOVA','SILVA','AGUILAR','VEGA','TICONA','PAREDES',
 'DE LA CRUZ','VILCA','RÍOS','CCAHUANA','LEÓN','ORTIZ','NÚÑEZ','CÁCERES','SOTO','MORENO','SALAS','CAMPOS',
 'VILLANUEVA','TAPIA','ALARCÓN','ARIAS','ACOSTA','NAVARRO','CÁRDENAS','CHOQUE','APAZA','HUANCA','YUPANQUI',
 'PUMA','CUSI','CALLO','CHAMBI','CUTIPA','HUARCAYA','PALOMINO','ZAPATA','BARRETO','BENITES','CABRERA','CHIPANA',
 'CARRASCO','CHÁVARRY','CHUQUIMANGO','CONTRERAS','CUEVA','DELGADO','ESCALANTE','FARFÁN','FIGUEROA','GALLARDO',
 'GUERRERO','GUEVARA','HUERTA','INGA','LAURA','LAZO','LOAYZA','LOZANO','MALPARTIDA','MANRIQUE','MEZA','MIRANDA',
 'MONTES','MUÑOZ','OCHOA','OLIVERA','ORTEGA','PACHECO','PALACIOS','PEÑA','PINEDO','POMA','PONCE','PRADO',
 'QUIROZ','REÁTEGUI','ROBLES','SAAVEDRA','SALINAS','SANTOS','SEGURA','SIERRA','SOLÍS','SUÁREZ','TAIPE','TELLO',
 'URBINA','VALDIVIA','VALENCIA','VALVERDE','VELÁSQUEZ','VERA','VILLEGAS','YAURI','ZAMORA','ZEGARRA','ZÚÑIGA',
 'IBÁÑEZ','ORDÓÑEZ','CASTAÑEDA','PEÑALOZA','ÑAUPARI','DEL ÁGUILA','DEL CASTILLO','DE LOS SANTOS','ARÉVALO',
 'BAZÁN','CHUMPITAZ','ESCOBAR','HUAYTA','LLANOS','MACEDO','NAUPARI','OSORIO','PARIONA','QUINTANA','RIVAS']
$$;

-- brand, model (taxi-typical in Lima)
CREATE OR REPLACE FUNCTION sample._cars() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['TOYOTA|YARIS','KIA|RIO','HYUNDAI|ACCENT','NISSAN|SENTRA','CHEVROLET|SAIL','SUZUKI|SWIFT',
 'TOYOTA|COROLLA','KIA|SOLUTO','HYUNDAI|GRAND I10','NISSAN|VERSA','SUZUKI|DZIRE','TOYOTA|ETIOS','CHEVROLET|AVEO',
 'KIA|PICANTO','HYUNDAI|ELANTRA','VOLKSWAGEN|GOL','CHERY|ARRIZO 5','RENAULT|LOGAN','MITSUBISHI|MIRAGE',
 'TOYOTA|PRIUS','KIA|CERATO','CHANGAN|ALSVIN','JAC|J4','GEELY|EMGRAND']
$$;

CREATE OR REPLACE FUNCTION sample._colors() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['BLANCO','PLATA','GRIS','NEGRO','ROJO','AZUL','PLATEADO','BEIGE','GRIS OSCURO','GUINDA','VERDE','AMARILLO']
$$;

CREATE OR REPLACE FUNCTION sample._other_parks() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ARRAY['3f1c9a7e5b2d4e8f9a0b1c2d3e4f5a6b','7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d',
             'c4e8a1f5b9d3e7a2c6f0b4d8e2a6c1f5','9d1e5f3a7b2c8d4e6f0a9b3c5d7e1f2a']
$$;

-- ---------------------------------------------------------------------------------------------------
-- Pure helpers: every random decision is passed in as a draw u ∈ [0,1)
-- ---------------------------------------------------------------------------------------------------
-- uniform pick
CREATE OR REPLACE FUNCTION sample._pick(a text[], u double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a[1 + floor(u * cardinality(a))::int] $$;
-- skewed pick (power > 1 favours the head of the list)
CREATE OR REPLACE FUNCTION sample._pickz(a text[], u double precision, pw double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT a[1 + floor(power(u, pw) * cardinality(a))::int] $$;

-- Zipf-like pick: rank k has weight ~ 1/k^s (continuous inverse CDF over ranks 1..n+1, 0 < s)
CREATE OR REPLACE FUNCTION sample._zipf(a text[], u double precision, s double precision) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT a[least(cardinality(a), floor(CASE WHEN s = 1 THEN power(cardinality(a) + 1.0, u)
                                          ELSE power(1 + u * (power(cardinality(a) + 1.0, 1 - s) - 1), 1 / (1 - s))
                                     END)::int)]
$$;

-- hash draw in [0,1): a pure function of (seed, key). The hard cases draw from it so that the random()
-- stream of the rest of the generator (and so the data every other draw makes) is left as it was.
CREATE OR REPLACE FUNCTION sample._h(p_seed double precision, p_key text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT ('x' || left(md5(p_seed::text || '|hard|' || p_key), 13))::bit(52)::bigint / 4503599627370496.0 $$;

-- setseed() takes [-1, 1]; any other seed (e.g. the integer seeds 2, 3 of tools/identity_quality) is
-- mapped into that range by a hash of its text, so every seed is valid and seeds in [-1, 1] keep
-- their meaning
CREATE OR REPLACE FUNCTION sample._seed(p_seed double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN p_seed BETWEEN -1 AND 1 THEN p_seed ELSE hashtext('seed|' || p_seed::text) / 2147483648.0 END $$;

CREATE OR REPLACE FUNCTION sample._clamp(d date, lo date, hi date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT least(greatest(d, lo), hi) $$;

CREATE OR REPLACE FUNCTION sample._deacc(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT translate(s, 'ÁÉÍÓÚÜÑáéíóúüñ', 'AEIOUUNaeiouun') $$;
-- accents typed on some letters only (when p_on): the vowels lose theirs, Ñ keeps its tilde ("JOSE PEÑA")
CREATE OR REPLACE FUNCTION sample._vstrip(s text, p_on boolean) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN p_on THEN translate(s, 'ÁÉÍÓÚÜáéíóúü', 'AEIOUUaeiouu') ELSE s END $$;

-- locale-independent case changes (also correct under the "C" collation)
CREATE OR REPLACE FUNCTION sample._up(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT upper(translate(s, 'áéíóúüñ', 'ÁÉÍÓÚÜÑ')) $$;
CREATE OR REPLACE FUNCTION sample._lo(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lower(translate(s, 'ÁÉÍÓÚÜÑ', 'áéíóúüñ')) $$;
-- Title Case: accented letters are mapped to digits (alphanumeric for initcap, absent from names),
-- then mapped back (upper case at a word start, lower case elsewhere)
CREATE OR REPLACE FUNCTION sample._title(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE x text := initcap(translate(s, 'ÁÉÍÓÚÜÑáéíóúüñ', '12345671234567'));
BEGIN
    IF x ~ '(^|\s)[1-7]' THEN
        x := regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
             regexp_replace(x, '(^|\s)1', '\1Á', 'g'), '(^|\s)2', '\1É', 'g'), '(^|\s)3', '\1Í', 'g'),
             '(^|\s)4', '\1Ó', 'g'), '(^|\s)5', '\1Ú', 'g'), '(^|\s)6', '\1Ü', 'g'), '(^|\s)7', '\1Ñ', 'g');
    END IF;
    RETURN translate(x, '1234567', 'áéíóúüñ');
END $$;

-- style a name: strip accents?, case 0 = UPPER, 1 = Title, 2 = lower
CREATE OR REPLACE FUNCTION sample._style(s text, strip boolean, cs integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE x text := CASE WHEN strip THEN sample._deacc(s) ELSE s END;
BEGIN
    RETURN CASE cs WHEN 1 THEN sample._title(x) WHEN 2 THEN sample._lo(x) ELSE sample._up(x) END;
END $$;

CREATE OR REPLACE FUNCTION sample._case_of(u double precision, p_up double precision, p_title double precision)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT CASE WHEN u < p_up THEN 0 WHEN u < p_up + p_title THEN 1 ELSE 2 END $$;

-- one-letter typo: drop (40 %), swap with next (30 %), replace (30 %); never the first letter
CREATE OR REPLACE FUNCTION sample._typo(s text, u_pos double precision, u_kind double precision,
                                        u_chr double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    n integer := length(s);
    p integer;
    c text;
BEGIN
    IF s IS NULL OR n < 3 THEN RETURN s; END IF;
    p := 2 + floor(u_pos * (n - 1))::integer;             -- 2..n
    IF substr(s, p, 1) = ' ' THEN p := p - 1; END IF;
    IF substr(s, p, 1) = ' ' OR p < 2 THEN RETURN s; END IF;
    IF u_kind < 0.4 THEN
        RETURN overlay(s PLACING '' FROM p FOR 1);
    ELSIF u_kind < 0.7 AND p < n AND substr(s, p + 1, 1) <> ' ' THEN
        RETURN overlay(s PLACING substr(s, p + 1, 1) || substr(s, p, 1) FROM p FOR 2);
    ELSE
        c := substr('AEIOURSNLTMCB', 1 + floor(u_chr * 13)::integer, 1);
        IF substr(s, p, 1) <> sample._up(substr(s, p, 1)) THEN c := lower(c); END IF;
        RETURN overlay(s PLACING c FROM p FOR 1);
    END IF;
END $$;

-- extra spaces
CREATE OR REPLACE FUNCTION sample._spaces(s text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN s IS NULL OR u IS NULL THEN s
            WHEN u < 0.35 THEN s || ' '
            WHEN u < 0.55 THEN '  ' || s
            WHEN position(' ' IN s) > 0 THEN regexp_replace(s, ' ', '   ')
            ELSE s || '  ' END;
END $$;

-- phone written by a human: 6 formats of the same 9-digit mobile
CREATE OR REPLACE FUNCTION sample._fmt_phone(p text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN p IS NULL THEN NULL
            WHEN u < 0.25 THEN '+51 ' || substr(p,1,3) || ' ' || substr(p,4,3) || ' ' || substr(p,7,3)
            WHEN u < 0.40 THEN '51' || p
            WHEN u < 0.50 THEN substr(p,1,3) || '-' || substr(p,4,3) || '-' || substr(p,7,3)
            WHEN u < 0.85 THEN p
            WHEN u < 0.95 THEN '(+51) ' || p
            ELSE substr(p,1,3) || ' ' || substr(p,4,3) || ' ' || substr(p,7,3) END;
END $$;

-- garbage phone: '0', '123', a landline, 8 digits, the '999999999' placeholder
CREATE OR REPLACE FUNCTION sample._junk_phone(p text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN u < 0.20 THEN '0'
            WHEN u < 0.35 THEN '123'
            WHEN u < 0.60 THEN '01 ' || substr(p, 3, 7)          -- Lima landline
            WHEN u < 0.85 THEN substr(p, 1, 8)                   -- a digit missing
            ELSE '999999999' END;
END $$;

-- licence: letter + DNI, written in several ways
CREATE OR REPLACE FUNCTION sample._fmt_lic(l text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN l IS NULL THEN NULL
            WHEN u < 0.60 THEN l
            WHEN u < 0.70 THEN lower(l)
            WHEN u < 0.85 THEN left(l, 1) || '-' || substr(l, 2)
            WHEN u < 0.95 THEN left(l, 1) || ' ' || substr(l, 2)
            ELSE ' ' || l || ' ' END;
END $$;

-- document: DNI, sometimes 7 digits (leading zero lost upstream), sometimes a placeholder
CREATE OR REPLACE FUNCTION sample._fmt_doc(d text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN d IS NULL THEN NULL
            WHEN u < 0.010 THEN '00000000'
            WHEN u < 0.020 THEN '12345678'
            WHEN u < 0.030 THEN '11111111'
            WHEN left(d, 1) = '0' AND u < 0.55 THEN substr(d, 2)
            ELSE d END;
END $$;

-- plate 'ABC123' -> 'ABC-123' / 'ABC123' / 'abc 123' / ...
CREATE OR REPLACE FUNCTION sample._fmt_plate(p text, u double precision) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN RETURN
       CASE WHEN p IS NULL THEN NULL
            WHEN u < 0.50 THEN left(p,3) || '-' || right(p,3)
            WHEN u < 0.80 THEN p
            WHEN u < 0.90 THEN lower(left(p,3) || ' ' || right(p,3))
            WHEN u < 0.95 THEN lower(left(p,3) || '-' || right(p,3))
            ELSE left(p,3) || ' ' || right(p,3) END;
END $$;

-- identifier permutations (bijections => unique per person, no collisions between persons)
CREATE OR REPLACE FUNCTION sample._phone_of(k bigint, off bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT '9' || lpad(((k * 73939133 + off) % 100000000)::text, 8, '0') $$;

CREATE OR REPLACE FUNCTION sample._dni_of(k bigint, off bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT lpad(((k * 54435761 + off) % 100000000)::text, 8, '0') $$;

-- Peruvian plate: letter + 2 alphanumerics + 3 digits (26*36*36*1000 values)
CREATE OR REPLACE FUNCTION sample._plate_of(k bigint, off bigint) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE n bigint := (k * 572033 + off) % 33696000; r bigint := n / 1000;
BEGIN
    RETURN substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1 + (r / 1296)::int, 1)
        || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 1 + ((r / 36) % 36)::int, 1)
        || substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 1 + (r % 36)::int, 1)
        || lpad((n % 1000)::text, 3, '0');
END $$;

CREATE OR REPLACE FUNCTION sample._uuid(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE h text := md5(s);
BEGIN
    RETURN substr(h,1,8) || '-' || substr(h,9,4) || '-4' || substr(h,14,3) || '-a' || substr(h,18,3) || '-' || substr(h,21,12);
END $$;

-- Draw vectors: each row of an ordered scan gets ARRAY[random(), random(), ...] (written out, which is
-- ten times faster than a function call); u[i] is the i-th draw of that row.

-- ---------------------------------------------------------------------------------------------------
-- Scouts
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._scouts(p_n integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v sample.params;
BEGIN
    SELECT * INTO v FROM sample.params;
    INSERT INTO sample.scout (scout_id, name, phone, lazy, is_active)
    SELECT scout_id,
           sample._style(
             CASE WHEN u[1] < 0.85 THEN sample._pickz(sample._male(), u[2], 1.3)
                  ELSE sample._pickz(sample._female(), u[2], 1.3) END
             || ' ' || sample._pickz(sample._surnames(), u[3], 1.5)
             || ' ' || sample._pickz(sample._surnames(), u[4], 1.5),
             u[5] < 0.5, CASE WHEN u[6] < 0.6 THEN 1 ELSE 0 END),
           sample._phone_of(90000000 + scout_id, v.off_phone),
           u[7] < 0.10,
           u[8] < 0.90
    FROM (SELECT scout_id, ARRAY[random(), random(), random(), random(), random(), random(), random(), random()] AS u
          FROM (SELECT 100 + g AS scout_id FROM generate_series(1, p_n) g ORDER BY g) s) d;

    -- at least one lazy scout (phones shared by many registrations) whatever the draws
    UPDATE sample.scout SET lazy = true
    WHERE scout_id = 100 + greatest(1, p_n / 3) AND NOT EXISTS (SELECT 1 FROM sample.scout WHERE lazy);

    INSERT INTO public.module_ct_scouts_list (scout_id, name, is_active)
    SELECT scout_id, name, is_active FROM sample.scout ORDER BY scout_id;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Persons of one batch
--   p_lead / p_old: share of lead humans / non-lead target-park drivers (rest: other-park drivers)
--   lead dates fall in [p_lo, p_hi]; p_twins: inject exact homonyms
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._persons(p_batch integer, p_n integer, p_lead double precision,
    p_old double precision, p_lo date, p_hi date, p_twins boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v sample.params;
    v_first integer;
BEGIN
    SELECT * INTO v FROM sample.params;
    SELECT coalesce(max(pid), 0) + 1 INTO v_first FROM sample.person;

    -- 1. base identity of every human
    INSERT INTO sample.person (pid, batch, role, sex, fn, mn, s1, s2, phone, phone2, dni, lic, plate, car, color,
                               hh_u, tw_u)
    SELECT pid, p_batch, role, sex, fn,
           CASE WHEN mn = fn THEN CASE WHEN sex = 'M' THEN CASE WHEN fn = 'CARLOS' THEN 'ALBERTO' ELSE 'CARLOS' END
                                       ELSE CASE WHEN fn = 'ISABEL' THEN 'MARÍA' ELSE 'ISABEL' END END
                ELSE mn END,
           s1, s2, phone, phone2, dni, lic, plate, car, color, hh_u, tw_u
    FROM (
        SELECT pid,
               CASE WHEN u[1] < p_lead THEN 'lead' WHEN u[1] < p_lead + p_old THEN 'tgt_old' ELSE 'other' END AS role,
               CASE WHEN u[2] < 0.87 THEN 'M' ELSE 'F' END AS sex,
               CASE WHEN u[2] < 0.87 THEN sample._zipf(sample._male(), u[3], 0.7)
                    ELSE sample._zipf(sample._female(), u[3], 0.7) END AS fn,
               CASE WHEN u[4] >= 0.55 THEN NULL
                    WHEN u[2] < 0.87 THEN sample._zipf(sample._male(), u[5], 0.6)
                    ELSE sample._zipf(sample._female(), u[5], 0.6) END AS mn,
               sample._zipf(sample._surnames(), u[6], 0.6) AS s1,
               sample._zipf(sample._surnames(), u[7], 0.6) AS s2,
               sample._phone_of(pid, v.off_phone) AS phone,
               sample._phone_of(pid + 40000000, v.off_phone) AS phone2,
               sample._dni_of(pid, v.off_dni) AS dni,
               CASE WHEN u[8] < 0.9 THEN 'Q' ELSE substr('ABCDEFGHIJKLMNOPRSTUVWXYZ', 1 + floor((u[8] - 0.9) * 250)::int, 1) END
                 || sample._dni_of(pid, v.off_dni) AS lic,
               sample._plate_of(pid, v.off_plate) AS plate,
               1 + floor(power(u[9], 1.4) * cardinality(sample._cars()))::int AS car,
               1 + floor(power(u[10], 1.5) * cardinality(sample._colors()))::int AS color,
               u[11] AS hh_u, u[12] AS tw_u
        FROM (SELECT pid, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random()] AS u
              FROM (SELECT g AS pid FROM generate_series(v_first, v_first + p_n - 1) g ORDER BY g) s0) d
    ) x;

    -- 2. households: a head every third pid with prob 6 %, relatives = the next 1-2 pids; they share the
    --    head's phone and have another first name; 80 % carry the head's first surname (children,
    --    siblings: most also the second one), 20 % are spouses with their own two surnames (in Peru a
    --    wife keeps her surnames)
    --    Juniors: a third of the same-sex relatives who carry the head's first surname also carry the
    --    head's given name (father and son "MIGUEL DIAZ ZAPATA" / "MIGUEL DIAZ PEÑA": the second surname
    --    is the junior's own, his mother's); their own middle name, licence, DNI and car.
    UPDATE sample.person r
       SET s1 = CASE WHEN r.hh_u < 0.8 THEN h.s1 ELSE r.s1 END,
           s2 = CASE WHEN h.jr THEN CASE WHEN r.s2 <> h.s2 THEN r.s2 WHEN h.s2 = 'PEÑA' THEN 'ZAPATA' ELSE 'PEÑA' END
                     WHEN r.hh_u < 0.55 THEN h.s2 ELSE r.s2 END,
           fn = CASE WHEN h.jr THEN h.fn
                     WHEN r.fn <> h.fn THEN r.fn
                     WHEN r.sex = 'M' THEN CASE WHEN h.fn = 'LUIS' THEN 'JORGE' ELSE 'LUIS' END
                     ELSE CASE WHEN h.fn = 'ROSA' THEN 'ANA' ELSE 'ROSA' END END,
           mn = CASE WHEN r.mn IS NOT DISTINCT FROM h.mn OR (h.jr AND r.mn = h.fn) THEN NULL ELSE r.mn END,
           phone = h.phone,
           head = h.pid,
           junior = h.jr
      FROM (SELECT hh.pid, hh.fn, hh.mn, hh.s1, hh.s2, hh.phone, hh.pid + k AS rpid,
                   rr.sex = hh.sex AND rr.hh_u < 0.8 AND sample._h(v.seed, 'junior|' || rr.pid) < 0.33 AS jr
              FROM sample.person hh CROSS JOIN generate_series(1, 2) k
              JOIN sample.person rr ON rr.pid = hh.pid + k
              WHERE hh.batch = p_batch AND (hh.pid - v_first) % 3 = 0 AND hh.hh_u < 0.06
                AND (k = 1 OR hh.hh_u < 0.03)) h
     WHERE r.pid = h.rpid;
    UPDATE sample.person h SET head = h.pid
     WHERE h.pid IN (SELECT head FROM sample.person WHERE batch = p_batch AND head IS NOT NULL);
    ANALYZE sample.person;

    -- 3. lead behaviour: sources, duplicates, dates, scouts, conversion, cross-park history
    --    (stages are MATERIALIZED: inlined, each stage would repeat the expressions of the previous ones)
    WITH d AS MATERIALIZED (
        SELECT pid, u
        FROM (SELECT pid, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random()] AS u
              FROM (SELECT pid FROM sample.person WHERE batch = p_batch AND role = 'lead' ORDER BY pid) s0) s1
    ), a AS MATERIALIZED (
        SELECT pid, u,
               CASE WHEN u[1] < 0.33 THEN 'C' WHEN u[1] < 0.58 THEN 'S' WHEN u[1] < 0.64 THEN 'M'
                    WHEN u[1] < 0.82 THEN 'CS' WHEN u[1] < 0.91 THEN 'SM' WHEN u[1] < 0.93 THEN 'CM'
                    ELSE 'CSM' END AS combo,
               p_lo + floor(u[5] * (p_hi - p_lo + 1))::int AS d0
        FROM d
    ), b AS MATERIALIZED (
        SELECT a.*, position('C' IN combo) > 0 AS has_c, position('S' IN combo) > 0 AS has_s,
               position('M' IN combo) > 0 AS has_m
        FROM a
    ), c AS MATERIALIZED (
        SELECT b.*,
               CASE WHEN has_c THEN d0 END AS c_date,
               CASE WHEN has_s THEN sample._clamp(CASE WHEN has_c AND sample._h(v.seed, 'cname|' || pid) < 0.10
                                                       THEN d0 + 2              -- name-only cabinet lead
                                                       WHEN has_c THEN d0 - 5 + floor(u[6] * 16)::int ELSE d0 END,
                                                  p_lo, p_hi) END AS s_date
        FROM b
    ), e AS MATERIALIZED (
        SELECT c.*,
               CASE WHEN has_m THEN sample._clamp(CASE WHEN has_c OR has_s
                                                       THEN greatest(c_date, s_date) + floor(u[7] * 8)::int
                                                       ELSE d0 END, p_lo, p_hi) END AS m_date,
               101 + floor(power(u[8], 1.4) * v.n_scouts)::int AS scout_s
        FROM c
    ), f AS MATERIALIZED (
        SELECT e.*,
               least(c_date, s_date, m_date) AS first_date,
               CASE WHEN NOT has_m THEN
                    least(c_date, s_date, m_date)
                    + CASE WHEN u[15] < 0.10 THEN -(1 + floor(u[16] * 30)::int)
                           WHEN u[15] < 0.93 THEN floor(power(u[16], 1.7) * 21)::int
                           ELSE 21 + floor(u[16] * 25)::int END
               END AS hire_c
        FROM e
    )
    UPDATE sample.person p
       SET has_c = f.has_c, has_s = f.has_s, has_m = f.has_m,
           n_c = CASE WHEN f.has_c THEN 1 + (f.u[2] < 0.08)::int ELSE 0 END,
           n_s = CASE WHEN f.has_s THEN 1 + (f.u[3] < 0.12)::int ELSE 0 END,
           n_m = CASE WHEN f.has_m THEN 1 + (f.u[4] < 0.02)::int ELSE 0 END,
           c_date = f.c_date, s_date = f.s_date, m_date = f.m_date,
           c_name_only = f.has_c AND f.has_s AND sample._h(v.seed, 'cname|' || f.pid) < 0.10,
           scout_s = CASE WHEN f.has_s THEN f.scout_s END,
           scout_s2 = CASE WHEN NOT f.has_s THEN NULL
                           WHEN f.u[10] < 0.4 THEN f.scout_s                       -- same scout twice
                           ELSE 101 + ((f.scout_s - 101) + 1 + floor(f.u[9] * (v.n_scouts - 1))::int) % v.n_scouts END,
           scout_m = CASE WHEN NOT f.has_m OR f.u[13] < 0.05 THEN NULL
                          WHEN f.has_s AND f.u[11] < 0.8 THEN f.scout_s
                          ELSE 101 + floor(f.u[12] * v.n_scouts)::int END,
           conv = f.has_m OR (f.u[14] < 0.56 AND f.hire_c <= v.p_end),
           hire = CASE WHEN f.has_m THEN f.m_date
                       WHEN f.u[14] < 0.56 AND f.hire_c <= v.p_end THEN f.hire_c END,
           xpark = f.u[17] < CASE WHEN f.has_m THEN 0.45 ELSE 0.08 END,
           xpark_no = 1 + floor(f.u[18] * 4)::int,
           xhire = f.first_date - 20 - floor(power(f.u[19], 2) * 700)::int,
           xfire = CASE WHEN f.has_m OR (f.u[14] < 0.56 AND f.hire_c <= v.p_end)
                        THEN greatest(f.first_date - 20,
                                      coalesce(f.m_date, f.hire_c) - floor(f.u[20] * 5)::int) END
      FROM f
     WHERE p.pid = f.pid;

    -- 4. exact homonyms: a non-lead driver becomes a target-park driver carrying the full name of the
    --    previous pid (more often when that one is a converted cabinet human: payments by name then
    --    match two target-park drivers)
    IF p_twins THEN
        UPDATE sample.person t
           SET fn = o.fn, mn = o.mn, s1 = o.s1, s2 = o.s2, sex = o.sex, role = 'tgt_old', twin_of = o.pid
          FROM sample.person o
         WHERE t.batch = p_batch AND o.pid = t.pid - 1 AND t.role <> 'lead' AND t.head IS NULL
           AND (t.tw_u < 0.008 OR (t.tw_u < 0.04 AND o.role = 'lead' AND o.has_c AND o.conv));
    END IF;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Drivers of one batch: sample.driver (with activity draws) and public.drivers, truth
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._drivers(p_batch integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v sample.params;
BEGIN
    SELECT * INTO v FROM sample.params;

    INSERT INTO sample.driver (driver_id, pid, batch, kind, park_id, hire, fire, u)
    SELECT md5(v.seed::text || '|drv|' || p_batch || '|' || pid || '|' || kind),
           pid, p_batch, kind,
           CASE WHEN kind IN (1, 3) THEN v.target_park
                WHEN kind = 2 THEN (sample._other_parks())[xpark_no]
                ELSE (sample._other_parks())[1 + floor(u[3] * 4)::int] END,
           hire, fire, u
    FROM (
        SELECT pid, kind, u,
               CASE WHEN kind IN (1, 2) THEN hire0
                    WHEN kind = 3 AND u[1] < 0.25 THEN v.ws + floor(u[2] * v.p_days)::int
                    WHEN kind = 3 THEN v.ws - 1 - floor(power(u[2], 1.3) * 900)::int
                    ELSE v.p_end - floor(u[2] * 1000)::int END AS hire,
               fire0, xpark_no
        FROM (SELECT pid, kind, hire0, fire0, xpark_no, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random()] AS u
              FROM (SELECT pid, kind, hire0, fire0, xpark_no FROM (
                        SELECT pid, 1 AS kind, hire AS hire0, NULL::date AS fire0, xpark_no FROM sample.person
                         WHERE batch = p_batch AND role = 'lead' AND conv
                        UNION ALL
                        SELECT pid, 2, xhire, xfire, xpark_no FROM sample.person
                         WHERE batch = p_batch AND role = 'lead' AND xpark
                        UNION ALL
                        SELECT pid, 3, NULL, NULL, NULL FROM sample.person WHERE batch = p_batch AND role = 'tgt_old'
                        UNION ALL
                        SELECT pid, 4, NULL, NULL, NULL FROM sample.person WHERE batch = p_batch AND role = 'other'
                    ) src ORDER BY pid, kind) s0) s1
    ) x
    CROSS JOIN LATERAL (SELECT CASE WHEN kind IN (1, 2) THEN fire0
                                    WHEN u[4] < 0.22 THEN hire + floor(u[5] * (v.p_end - hire + 1))::int END AS fire) y;
    ANALYZE sample.driver;

    INSERT INTO public.drivers (driver_id, park_id, first_name, middle_name, last_name, full_name, phone,
        license_number, license_normalized_number, document_number, car_brand, car_model, car_color,
        car_number, car_normalized_number, hire_date, fire_date, work_status, created_at, updated_at)
    SELECT driver_id, park_id, first_name, middle_name, last_name,
           btrim(last_name || ' ' || first_name || coalesce(' ' || middle_name, '')),
           phone, lic_raw, CASE WHEN lic_raw IS NOT NULL THEN regexp_replace(upper(lic_raw), '[^A-Z0-9]', '', 'g') END,
           doc, nullif(split_part(car, '|', 1), ''), nullif(split_part(car, '|', 2), ''), color,
           plate_raw, CASE WHEN plate_raw IS NOT NULL THEN regexp_replace(upper(plate_raw), '[^A-Z0-9]', '', 'g') END,
           hire, fire,
           CASE WHEN fire IS NOT NULL THEN 'fired' WHEN u[6] < 0.85 THEN 'working' ELSE 'not_working' END,
           created_at, created_at + (u[29] * (greatest(v.p_end - hire, 0) + 1)) * interval '1 day'
    FROM (
        SELECT d.driver_id, d.park_id, d.hire, d.fire, d.u,
               CASE WHEN u[16] < 0.015 AND u[17] < 0.5
                    THEN sample._typo(sample._style(p.fn, u[13] < 0.4, cs), u[18], u[19], u[17])
                    ELSE sample._style(p.fn, u[13] < 0.4, cs) END AS first_name,
               CASE WHEN u[14] < 0.85 THEN sample._style(p.mn, u[13] < 0.4, cs) END AS middle_name,
               CASE WHEN u[16] < 0.015 AND u[17] >= 0.5
                    THEN sample._typo(sample._style(p.s1 || coalesce(' ' || CASE WHEN u[15] >= 0.05 THEN p.s2 END, ''),
                                                    u[13] < 0.4, cs), u[18], u[19], u[17])
                    ELSE sample._style(p.s1 || coalesce(' ' || CASE WHEN u[15] >= 0.05 THEN p.s2 END, ''),
                                       u[13] < 0.4, cs) END AS last_name,
               CASE WHEN u[20] < 0.05 THEN '+51' || p.phone2
                    WHEN u[20] < 0.08 THEN NULL
                    WHEN u[20] < 0.10 THEN sample._junk_phone(p.phone, u[21])
                    WHEN u[21] < 0.75 THEN '+51' || p.phone
                    ELSE sample._fmt_phone(p.phone, (u[21] - 0.75) * 4) END AS phone,
               CASE WHEN u[22] < 0.03 THEN NULL ELSE sample._fmt_lic(p.lic, u[23]) END AS lic_raw,
               CASE WHEN u[24] < 0.10 THEN NULL ELSE sample._fmt_doc(p.dni, u[25]) END AS doc,
               CASE WHEN u[26] < 0.03 THEN NULL
                    WHEN u[26] < 0.08                                               -- another car
                         THEN sample._fmt_plate(sample._plate_of(p.pid + 20000000, v.off_plate), u[27] * 0.8)
                    ELSE sample._fmt_plate(p.plate, u[27] * 0.8) END AS plate_raw,
               CASE WHEN u[26] < 0.03 THEN '|'
                    WHEN u[26] < 0.08 THEN (sample._cars())[1 + (p.car % cardinality(sample._cars()))]
                    ELSE (sample._cars())[p.car] END AS car,
               CASE WHEN u[26] >= 0.03 THEN (sample._colors())[p.color] END AS color,
               d.hire + (8 + u[28] * 10) * interval '1 hour' AS created_at
        FROM (SELECT * FROM sample.driver WHERE batch = p_batch) d
        JOIN sample.person p USING (pid)
        CROSS JOIN LATERAL (SELECT CASE WHEN d.u[12] < 0.65 THEN 0 ELSE 1 END AS cs) c
        OFFSET 0                                   -- keep x a subquery: names are used twice above
    ) x
    ORDER BY driver_id COLLATE "C";

    INSERT INTO sample.truth (source_table, source_pk, person_id)
    SELECT 'drivers', driver_id, pid FROM sample.driver WHERE batch = p_batch ORDER BY driver_id COLLATE "C";
END $$;

-- ---------------------------------------------------------------------------------------------------
-- True daily activity (sample.day) and its delivery (public.summary_daily) for target-park drivers
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._summary(p_batch integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v sample.params;
BEGIN
    SELECT * INTO v FROM sample.params;

    WITH a AS (          -- activity profile per driver (draws u[7..11] of sample.driver)
        SELECT driver_id, hire, fire, kind, u,
               CASE WHEN kind = 1 THEN CASE WHEN u[7] < 0.18 THEN 'none' WHEN u[7] < 0.35 THEN 'low'
                                            WHEN u[7] < 0.65 THEN 'mid' ELSE 'high' END
                    ELSE CASE WHEN u[7] < 0.12 THEN 'none' WHEN u[7] < 0.15 THEN 'low'
                              WHEN u[7] < 0.55 THEN 'mid' ELSE 'high' END END AS cls
        FROM sample.driver
        WHERE batch = p_batch AND kind IN (1, 3)
    ), b AS (
        SELECT a.*,
               greatest(hire + CASE WHEN kind = 1 THEN floor(power(u[8], 2) * 12)::int ELSE 0 END, v.ws - 30) AS d_start
        FROM a
    ), c AS (
        SELECT b.*,
               least(v.p_end, coalesce(fire, v.p_end),
                     CASE WHEN cls = 'low' THEN d_start + floor(u[11] * 4)::int
                          WHEN u[9] < 0.25 THEN d_start + 5 + floor(u[10] * 35)::int
                          ELSE v.p_end END) AS d_end,
               CASE cls WHEN 'none' THEN 0.08 WHEN 'low' THEN 1.0 WHEN 'mid' THEN 0.45 ELSE 0.75 END AS p_act
        FROM b
    ), g AS MATERIALIZED (
        SELECT s.*, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random()] AS w
        FROM (SELECT c2.driver_id, c2.cls, c2.p_act, c2.d_start + gs AS day
              FROM (SELECT * FROM c ORDER BY driver_id COLLATE "C") c2
              CROSS JOIN LATERAL generate_series(0, c2.d_end - c2.d_start) gs
              ORDER BY c2.driver_id COLLATE "C", gs) s
    ), t AS (
        SELECT driver_id, day, w,
               CASE WHEN cls = 'none' OR w[2] < 0.06 THEN 0
                    WHEN cls = 'low' THEN 1
                    WHEN cls = 'mid' THEN 1 + floor(w[3] * 6)::int
                    ELSE least(25, 5 + floor(power(w[3], 1.3) * 21)::int) END AS trips
        FROM g
        WHERE w[1] < p_act
    )
    INSERT INTO sample.day (driver_id, day, batch, trips, secs, ca, fmt, dup, dup_trips, dup_ca)
    SELECT driver_id, day, p_batch, trips,
           CASE WHEN trips = 0 THEN 300 + floor(w[4] * 6900)::int
                ELSE least(40000, trips * 1300 + floor(w[4] * 9000)::int) END,
           day + interval '1 day' + (2 + w[5] * 10) * interval '1 hour',
           CASE WHEN w[6] < 0.05 THEN 'iso' WHEN w[6] < 0.0504 THEN 'bad' ELSE 'dmy' END,
           w[7] < 0.01,
           CASE WHEN w[7] < 0.01 THEN CASE WHEN trips > 0 THEN greatest(0, trips - 1 - floor(w[8] * 3)::int) ELSE 1 END END,
           CASE WHEN w[7] < 0.01 THEN day + interval '1 day' + (2 + w[5] * 10) * interval '1 hour'
                                      - (4 + w[9] * 20) * interval '1 hour' END
    FROM t;
    ANALYZE sample.day;

    INSERT INTO public.summary_daily (driver_id, date_file, count_orders_completed, sum_work_time_seconds, created_at)
    SELECT driver_id, date_file, cnt, secs, ca FROM (
        SELECT driver_id, day, 2 AS o,
               CASE fmt WHEN 'dmy' THEN to_char(day, 'DD-MM-YYYY')
                        WHEN 'iso' THEN to_char(day, 'YYYY-MM-DD')
                        ELSE (ARRAY['32-13-' || to_char(day, 'YYYY'), 'N/A', '', to_char(day, 'DD/MM')])
                             [1 + (extract(doy FROM day)::int % 4)] END AS date_file,
               trips AS cnt, secs, ca
        FROM sample.day WHERE batch = p_batch
        UNION ALL
        SELECT driver_id, day, 1,                            -- earlier, superseded delivery of the same day
               CASE fmt WHEN 'iso' THEN to_char(day, 'YYYY-MM-DD') ELSE to_char(day, 'DD-MM-YYYY') END,
               dup_trips, CASE WHEN dup_trips = 0 THEN secs / 3 ELSE dup_trips * 1500 END, dup_ca
        FROM sample.day WHERE batch = p_batch AND dup
    ) x;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Cabinet leads of one batch
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._cabinet(p_batch integer, p_lo date, p_blank_ids boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v sample.params;
    v_base integer;
BEGIN
    SELECT * INTO v FROM sample.params;
    SELECT coalesce(max(id), 0) INTO v_base FROM public.module_ct_cabinet_leads;

    CREATE TEMP TABLE IF NOT EXISTS _sd_cab (LIKE public.module_ct_cabinet_leads) ON COMMIT DROP;
    ALTER TABLE _sd_cab ALTER COLUMN id DROP NOT NULL, ADD COLUMN IF NOT EXISTS pid integer,
                        ADD COLUMN IF NOT EXISTS k integer, ADD COLUMN IF NOT EXISTS blank boolean;
    TRUNCATE _sd_cab;

    WITH d AS MATERIALIZED (
        SELECT s.*, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random()] AS u
        FROM (SELECT p.pid, k, p.fn, p.mn, p.s1, p.s2, p.phone, p.phone2, p.plate, p.car, p.color, p.conv,
                     p.c_date, p.c_name_only AND k = 1 AS name_only
              FROM sample.person p CROSS JOIN LATERAL generate_series(1, p.n_c) k
              WHERE p.batch = p_batch AND p.has_c
              ORDER BY p.pid, k) s
    ), x AS (
        SELECT d.*,
               CASE WHEN k = 1 THEN c_date ELSE sample._clamp(c_date + 1 + floor(u[1] * 20)::int, p_lo, v.p_end) END AS ld,
               CASE WHEN u[3] < 0.01 THEN 0 WHEN u[3] < 0.02 THEN 86399
                    WHEN u[3] > 0.90 THEN floor(u[4] * 86400)::int
                    ELSE 6 * 3600 + floor(u[4] * 64440)::int END AS secs,
               sample._case_of(u[6], 0.5, 0.35) AS cs,
               u[7] < 0.6 AS strip,
               sample._h(v.seed, 'cacc|' || pid || '|' || k) < 0.25 AS vstrip    -- accents on Ñ only
        FROM d
    ), y AS (
        SELECT x.*,
               ld + secs * interval '1 second' AS lts,
               sample._style(sample._vstrip(CASE WHEN mn IS NOT NULL AND u[8] >= 0.6 AND u[8] < 0.8
                                                 THEN fn || ' ' || mn ELSE fn END, vstrip), strip, cs) AS f0,
               CASE WHEN u[8] < 0.6 THEN sample._style(sample._vstrip(mn, vstrip), strip, cs) END AS m0,
               sample._style(sample._vstrip(s1 || CASE WHEN u[9] < 0.10 THEN '' ELSE ' ' || s2 END, vstrip),
                             strip, cs) AS l0
        FROM x
    )
    INSERT INTO _sd_cab (id, pid, k, blank, external_id, lead_created_at, first_name, middle_name, last_name,
        park_phone, asset_plate_number, asset_model, asset_color, activation_city, target_city, park_name, status,
        tariff, created_at)
    SELECT NULL, pid, k, u[25] < 0.03,
           CASE WHEN u[25] < 0.03 THEN NULL
                WHEN u[25] < 0.08 THEN ' ' || sample._uuid(v.seed || '|cab|' || p_batch || '|' || pid || '|' || k) || ' '
                ELSE sample._uuid(v.seed || '|cab|' || p_batch || '|' || pid || '|' || k) END,
           lts,
           sample._spaces(CASE WHEN u[10] < 0.03 AND u[11] < 0.4 THEN sample._typo(f0, u[12], u[13], u[14]) ELSE f0 END,
                          CASE WHEN u[15] < 0.02 THEN u[16] END),
           CASE WHEN u[10] < 0.03 AND u[11] >= 0.4 AND u[11] < 0.5 THEN sample._typo(m0, u[12], u[13], u[14]) ELSE m0 END,
           sample._spaces(CASE WHEN u[10] < 0.03 AND u[11] >= 0.5 THEN sample._typo(l0, u[12], u[13], u[14]) ELSE l0 END,
                          CASE WHEN u[15] >= 0.02 AND u[15] < 0.04 THEN u[16] END),
           CASE WHEN name_only THEN NULL
                WHEN u[17] < 0.93 THEN sample._fmt_phone(phone, u[18])
                WHEN u[17] < 0.96 THEN sample._fmt_phone(phone2, u[18])
                WHEN u[17] < 0.98 THEN sample._junk_phone(phone, u[18])
                WHEN u[18] < 0.5 THEN '' END,
           CASE WHEN u[19] < 0.85 AND NOT name_only THEN sample._fmt_plate(plate, u[20]) END,
           CASE WHEN u[19] < 0.87 AND NOT name_only THEN sample._style(replace((sample._cars())[car], '|', ' '), false,
                                                     sample._case_of(u[21], 0.6, 0.3)) END,
           CASE WHEN u[19] < 0.90 AND NOT name_only THEN sample._style((sample._colors())[color], false,
                                                     sample._case_of(u[21], 0.3, 0.6)) END,
           CASE WHEN u[22] < 0.90 THEN 'Lima' WHEN u[22] < 0.95 THEN 'LIMA' WHEN u[22] < 0.98 THEN 'Callao' END,
           CASE WHEN u[22] < 0.97 THEN 'Lima' END,
           'Movilidad Lima Norte SAC',
           CASE WHEN conv AND u[23] < 0.85 THEN 'active'
                WHEN u[23] < 0.45 THEN 'new' WHEN u[23] < 0.75 THEN 'in_progress'
                WHEN u[23] < 0.92 THEN 'rejected' ELSE 'blocked' END,
           CASE WHEN u[24] < 0.70 THEN 'Econom' WHEN u[24] < 0.90 THEN 'Comfort' WHEN u[24] < 0.97 THEN 'Express' END,
           coalesce(lts, ld + interval '12 hours') + u[5] * interval '3 days'
    FROM y;

    -- serial-like ids in load order
    UPDATE _sd_cab c SET id = v_base + o.rn
      FROM (SELECT pid, k, row_number() OVER (ORDER BY created_at, pid, k) AS rn FROM _sd_cab) o
     WHERE c.pid = o.pid AND c.k = o.k;

    -- bad rows: 1 in 200 has no lead date (the package must reject them)
    UPDATE _sd_cab SET lead_created_at = NULL WHERE (id - v_base) % 200 = 37;

    -- the first two blank external ids are '' and '   ' (unique), further blanks NULL
    IF p_blank_ids THEN
        UPDATE _sd_cab c SET external_id = CASE o.rn WHEN 1 THEN '' ELSE '   ' END
          FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM _sd_cab WHERE blank) o
         WHERE c.id = o.id AND o.rn <= 2;
    END IF;

    -- Yango's own activity flags, from the true activity of the human's target-park driver
    UPDATE _sd_cab c SET active_1 = coalesce(t.tot >= 1, false), active_5 = coalesce(t.tot >= 5, false),
                         active_25 = coalesce(t.tot >= 25, false), last_active_date = t.last_day
      FROM (SELECT dr.pid, sum(dy.trips) AS tot, max(dy.day) FILTER (WHERE dy.trips > 0) AS last_day
              FROM sample.driver dr JOIN sample.day dy USING (driver_id)
             WHERE dr.kind = 1 AND dr.batch = p_batch
             GROUP BY dr.pid) t
     WHERE c.pid = t.pid;
    UPDATE _sd_cab SET active_1 = false, active_5 = false, active_25 = false WHERE active_1 IS NULL;

    INSERT INTO public.module_ct_cabinet_leads (id, external_id, lead_created_at, first_name, middle_name, last_name,
        park_phone, asset_plate_number, asset_model, asset_color, activation_city, target_city, park_name, status,
        tariff, active_1, active_5, active_25, last_active_date, created_at)
    SELECT id, external_id, lead_created_at, first_name, middle_name, last_name, park_phone, asset_plate_number,
           asset_model, asset_color, activation_city, target_city, park_name, status, tariff, active_1, active_5,
           active_25, last_active_date, created_at
    FROM _sd_cab ORDER BY id;

    INSERT INTO sample.truth (source_table, source_pk, person_id)
    SELECT 'module_ct_cabinet_leads', coalesce(nullif(btrim(external_id), ''), id::text), pid FROM _sd_cab ORDER BY id;

    DROP TABLE _sd_cab;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Scouting registrations of one batch
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._scouting(p_batch integer, p_lo date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v sample.params;
    v_base integer;
BEGIN
    SELECT * INTO v FROM sample.params;
    SELECT coalesce(max(id), 0) INTO v_base FROM public.module_ct_scouting_daily;

    CREATE TEMP TABLE IF NOT EXISTS _sd_sc (LIKE public.module_ct_scouting_daily) ON COMMIT DROP;
    ALTER TABLE _sd_sc ALTER COLUMN id DROP NOT NULL, ADD COLUMN IF NOT EXISTS pid integer,
                       ADD COLUMN IF NOT EXISTS k integer;
    TRUNCATE _sd_sc;

    WITH d AS MATERIALIZED (
        SELECT s.*, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random()] AS u
        FROM (SELECT p.pid, k, p.fn, p.mn, p.s1, p.s2, p.phone, p.phone2, p.dni, p.lic, p.s_date,
                     CASE WHEN k = 1 THEN p.scout_s ELSE p.scout_s2 END AS scout_id
              FROM sample.person p CROSS JOIN LATERAL generate_series(1, p.n_s) k
              WHERE p.batch = p_batch AND p.has_s
              ORDER BY p.pid, k) s
    ), x AS (
        SELECT d.*, sc.lazy, sc.phone AS scout_phone,
               CASE WHEN k = 1 THEN s_date ELSE sample._clamp(s_date + floor(u[1] * 7)::int, p_lo, v.p_end) END AS rd,
               sample._style(sample._vstrip(
                   CASE WHEN u[4] < 0.2
                        THEN s1 || CASE WHEN u[6] < 0.15 THEN '' ELSE ' ' || s2 END || ' ' || fn
                             || CASE WHEN u[5] < 0.5 THEN coalesce(' ' || mn, '') ELSE '' END
                        ELSE fn || CASE WHEN u[5] < 0.5 THEN coalesce(' ' || mn, '') ELSE '' END
                             || ' ' || s1 || CASE WHEN u[6] < 0.15 THEN '' ELSE ' ' || s2 END END,
                   sample._h(v.seed, 'sacc|' || pid || '|' || k) < 0.25),
                   u[8] < 0.5, sample._case_of(u[7], 0.7, 0.2)) AS nm,
               u[15] < 0.06 AS name_only
        FROM d JOIN sample.scout sc USING (scout_id)
    )
    INSERT INTO _sd_sc (id, pid, k, registration_date, scout_id, driver_name, driver_phone, driver_license,
                        driver_document, acquisition_method, created_at, updated_at)
    SELECT NULL, pid, k,
           rd,
           scout_id,
           sample._spaces(CASE WHEN u[9] < 0.03 THEN sample._typo(nm, u[10], u[11], u[12]) ELSE nm END,
                          CASE WHEN u[13] < 0.04 THEN u[14] END),
           CASE WHEN lazy AND u[3] < 0.12 THEN sample._fmt_phone(scout_phone, u[18])     -- scout's own phone
                WHEN name_only OR u[16] >= 0.85 THEN NULL
                WHEN u[17] < 0.03 THEN sample._fmt_phone(phone2, u[18])
                WHEN u[17] < 0.05 THEN sample._junk_phone(phone, u[18])
                ELSE sample._fmt_phone(phone, u[18]) END,
           CASE WHEN NOT name_only AND u[19] < 0.55 THEN sample._fmt_lic(lic, u[20]) END,
           CASE WHEN NOT name_only AND u[21] < CASE WHEN u[19] < 0.55 THEN 0.35 ELSE 0.7 END
                THEN sample._fmt_doc(dni, u[22]) END,
           CASE WHEN u[23] < 0.40 THEN 'CAMPO' WHEN u[23] < 0.70 THEN 'REFERIDO' WHEN u[23] < 0.88 THEN 'REDES'
                WHEN u[23] < 0.98 THEN 'VOLANTEO' END,
           rd + (8 + u[24] * 36) * interval '1 hour',
           rd + (8 + u[24] * 36) * interval '1 hour' + CASE WHEN u[25] < 0.3 THEN interval '0' ELSE u[25] * interval '3 days' END
    FROM x;

    UPDATE _sd_sc c SET id = v_base + o.rn
      FROM (SELECT pid, k, row_number() OVER (ORDER BY created_at, pid, k) AS rn FROM _sd_sc) o
     WHERE c.pid = o.pid AND c.k = o.k;

    -- bad rows: 1 in 200 has no registration date
    UPDATE _sd_sc SET registration_date = NULL WHERE (id - v_base) % 200 = 37;

    INSERT INTO public.module_ct_scouting_daily (id, registration_date, scout_id, driver_name, driver_phone,
        driver_license, driver_document, acquisition_method, created_at, updated_at)
    SELECT id, registration_date, scout_id, driver_name, driver_phone, driver_license, driver_document,
           acquisition_method, created_at, updated_at
    FROM _sd_sc ORDER BY id;

    INSERT INTO sample.truth (source_table, source_pk, person_id)
    SELECT 'module_ct_scouting_daily', id::text, pid FROM _sd_sc ORDER BY id;

    DROP TABLE _sd_sc;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Fleet migrations of one batch (every row names the human's target-park driver)
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._migrations(p_batch integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v sample.params;
    v_base integer;
BEGIN
    SELECT * INTO v FROM sample.params;
    SELECT coalesce(max(id), 0) INTO v_base FROM public.module_ct_migrations;

    CREATE TEMP TABLE IF NOT EXISTS _sd_mg (LIKE public.module_ct_migrations) ON COMMIT DROP;
    ALTER TABLE _sd_mg ALTER COLUMN id DROP NOT NULL, ADD COLUMN IF NOT EXISTS pid integer,
                       ADD COLUMN IF NOT EXISTS k integer;
    TRUNCATE _sd_mg;

    WITH d AS MATERIALIZED (
        SELECT s.*, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random()] AS u
        FROM (SELECT p.pid, k, p.fn, p.mn, p.s1, p.s2, p.m_date, p.scout_m, dr.driver_id
              FROM sample.person p
              CROSS JOIN LATERAL generate_series(1, p.n_m) k
              JOIN sample.driver dr ON dr.pid = p.pid AND dr.kind = 1
              WHERE p.batch = p_batch AND p.has_m
              ORDER BY p.pid, k) s
    ), x AS (
        SELECT d.*, sc.name AS scout_name,
               sample._style(CASE WHEN u[1] < 0.6
                                  THEN s1 || ' ' || s2 || ' ' || fn || coalesce(' ' || mn, '')
                                  ELSE fn || ' ' || s1 || ' ' || s2 END,
                             u[3] < 0.4, sample._case_of(u[2], 0.7, 0.25)) AS nm,
               m_date + CASE WHEN k = 1 THEN 0 ELSE 1 + floor(u[13] * 5)::int END
                      + (9 + u[10] * 72) * interval '1 hour' AS ca
        FROM d LEFT JOIN sample.scout sc ON sc.scout_id = d.scout_m
    )
    INSERT INTO _sd_mg (id, pid, k, driver_id, driver_name, scout_id, scout_name, hire_date, created_at, updated_at)
    SELECT NULL, pid, k, driver_id,
           CASE WHEN u[4] < 0.03 THEN sample._typo(nm, u[5], u[6], u[7]) ELSE nm END,
           scout_m,
           CASE WHEN scout_name IS NULL THEN NULL WHEN u[12] < 0.3 THEN sample._up(scout_name) ELSE scout_name END,
           CASE WHEN u[8] < 0.08 THEN NULL ELSE m_date END,
           ca,
           ca + u[11] * interval '2 days'
    FROM x;

    UPDATE _sd_mg c SET id = v_base + o.rn
      FROM (SELECT pid, k, row_number() OVER (ORDER BY coalesce(created_at, hire_date + interval '12 hours',
                                                                v.p_end + interval '1 day'), pid, k) AS rn
              FROM _sd_mg) o
     WHERE c.pid = o.pid AND c.k = o.k;

    -- bad rows: 1 in 200 has neither hire_date nor created_at
    UPDATE _sd_mg SET hire_date = NULL, created_at = NULL, updated_at = NULL WHERE (id - v_base) % 200 = 37;

    INSERT INTO public.module_ct_migrations (id, driver_id, driver_name, scout_id, scout_name, hire_date,
                                             created_at, updated_at)
    SELECT id, driver_id, driver_name, scout_id, scout_name, hire_date, created_at, updated_at
    FROM _sd_mg ORDER BY id;

    INSERT INTO sample.truth (source_table, source_pk, person_id)
    SELECT 'module_ct_migrations', id::text, pid FROM _sd_mg ORDER BY id;

    DROP TABLE _sd_mg;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- What Yango paid for the 14-day milestones of cabinet humans
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._payments() RETURNS void LANGUAGE plpgsql AS $$
DECLARE v sample.params;
BEGIN
    SELECT * INTO v FROM sample.params;

    WITH cl AS (       -- the human's cabinet lead date, as the package computes it
        SELECT t.person_id AS pid, min(c.lead_created_at::date) AS ld
        FROM public.module_ct_cabinet_leads c
        JOIN sample.truth t ON t.source_table = 'module_ct_cabinet_leads'
                           AND t.source_pk = coalesce(nullif(btrim(c.external_id), ''), c.id::text)
        WHERE c.lead_created_at IS NOT NULL
        GROUP BY t.person_id
    ), ach AS (
        SELECT l.pid, l.ld, dr.driver_id,
               coalesce((SELECT sum(trips) FROM sample.day dy
                          WHERE dy.driver_id = dr.driver_id AND dy.day >= l.ld AND dy.day < l.ld + 14), 0) AS t14
        FROM cl l LEFT JOIN sample.driver dr ON dr.pid = l.pid AND dr.kind = 1
    ), d AS MATERIALIZED (
        SELECT s.*, ARRAY[random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random(),
                    random(), random(), random(), random(), random(), random(), random(), random()] AS u
        FROM (SELECT ach.*, p.fn, p.mn, p.s1, p.s2 FROM ach JOIN sample.person p USING (pid) ORDER BY pid) s
    ), f AS (        -- flags Yango pays (misapplied / without achievement on purpose)
        SELECT d.*,
               CASE WHEN t14 >= 1 THEN true
                    WHEN u[5] < 0.02 THEN true END AS f1x,
               t14 >= 5 AS m5, t14 >= 25 AS m25
        FROM d
    ), g AS (
        SELECT f.*,
               CASE WHEN t14 >= 1 AND t14 < 25 AND u[4] < 0.03 THEN     -- misapplied: one milestone too high
                    CASE WHEN m5 THEN ARRAY[true, false, true] ELSE ARRAY[false, true, false] END
                    ELSE ARRAY[coalesce(f1x, false), m5, m25] END AS fl,
               sample._style(CASE WHEN u[7] < 0.50 THEN s1 || ' ' || s2 || ' ' || fn || coalesce(' ' || mn, '')
                                  WHEN u[7] < 0.75 THEN fn || coalesce(' ' || mn, '') || ' ' || s1 || ' ' || s2
                                  WHEN u[7] < 0.90 THEN s1 || ' ' || s2 || ', ' || fn || coalesce(' ' || mn, '')
                                  ELSE fn || ' ' || s1 END,
                             u[8] < 0.5, sample._case_of(u[9], 0.75, 0.2)) AS nm0
        FROM f
    ), r AS (        -- one row with every flag, or one row per milestone
        SELECT g.pid, g.driver_id, g.u, m.i, g.ld,
               g.fl, g.nm0,
               g.ld + 15 + floor(u[2] * 16)::int + CASE WHEN u[3] < 0.3 THEN floor(u[13 + m.i] * 8)::int ELSE 0 END AS pay
        FROM g CROSS JOIN LATERAL (VALUES (1), (2), (3)) m(i)
        WHERE u[1] >= 0.10                                           -- 10 % not (yet) paid
          AND (g.fl[1] OR g.fl[2] OR g.fl[3])
          AND CASE WHEN u[3] < 0.3 THEN g.fl[m.i] ELSE m.i = 1 END
    ), pr AS (
        SELECT pid, i, 0 AS snap, pay AS pdate,
               CASE WHEN u[3] < 0.3 THEN i = 1 ELSE fl[1] END AS trip_1,
               CASE WHEN u[3] < 0.3 THEN i = 2 ELSE fl[2] END AS trip_5,
               CASE WHEN u[3] < 0.3 THEN i = 3 ELSE fl[3] END AS trip_25,
               CASE WHEN u[10] < 0.03 THEN sample._typo(nm0, u[11], u[12], u[13]) ELSE nm0 END AS driver,
               CASE WHEN u[17] < 0.10 THEN driver_id END AS driver_id,
               floor(u[18] * 86400)::int AS secs, u[19] < 0.05 AS snapshot, u[20] AS su
        FROM r
        WHERE pay <= v.p_end
    ), allr AS (
        SELECT pid, i, 0 AS snap, pdate, trip_1, trip_5, trip_25, driver, driver_id, secs FROM pr
        UNION ALL        -- the same payment repeated in a later snapshot
        SELECT pid, i, 1, pdate + 1 + floor(su * 7)::int, trip_1, trip_5, trip_25, driver, driver_id, secs
        FROM pr WHERE snapshot AND pdate + 1 + floor(su * 7)::int <= v.p_end
    )
    INSERT INTO public.module_ct_cabinet_payments (id, date, time, scout_id, driver, driver_id, person_key,
                                                   trip_1, trip_5, trip_25, created_at, updated_at)
    SELECT row_number() OVER (ORDER BY pdate + secs * interval '1 second', pid, i, snap),
           pdate, to_char(time '00:00' + secs * interval '1 second', 'HH24:MI:SS'), NULL, driver, driver_id, NULL,
           trip_1, trip_5, trip_25,
           pdate + secs * interval '1 second', pdate + secs * interval '1 second'
    FROM allr
    ORDER BY 1;
END $$;

-- ---------------------------------------------------------------------------------------------------
-- Entry points
-- ---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION sample._counts() RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
  'module_ct_cabinet_leads',    (SELECT count(*) FROM public.module_ct_cabinet_leads),
  'module_ct_scouting_daily',   (SELECT count(*) FROM public.module_ct_scouting_daily),
  'module_ct_migrations',       (SELECT count(*) FROM public.module_ct_migrations),
  'drivers',                    (SELECT count(*) FROM public.drivers),
  'summary_daily',              (SELECT count(*) FROM public.summary_daily),
  'module_ct_cabinet_payments', (SELECT count(*) FROM public.module_ct_cabinet_payments),
  'module_ct_scouts_list',      (SELECT count(*) FROM public.module_ct_scouts_list),
  'truth',                      (SELECT count(*) FROM sample.truth),
  'persons',                    (SELECT count(*) FROM sample.person))
$$;

CREATE OR REPLACE FUNCTION sample.generate(p_scale numeric DEFAULT 1, p_seed double precision DEFAULT 0.42,
                                           p_end date DEFAULT NULL, p_days integer DEFAULT 68)
RETURNS jsonb
LANGUAGE plpgsql
SET max_parallel_workers_per_gather = 0
SET jit = off
SET work_mem = '256MB'
AS $$
DECLARE
    v_end   date := coalesce(p_end, (now() AT TIME ZONE 'America/Lima')::date);
    v_ws    date;
    v_n     integer;
    v_lo    double precision;
BEGIN
    IF p_scale IS NULL OR p_scale <= 0 THEN RAISE EXCEPTION 'p_scale must be > 0'; END IF;
    IF p_days IS NULL OR p_days < 1 THEN RAISE EXCEPTION 'p_days must be >= 1'; END IF;
    v_ws := v_end - p_days + 1;

    TRUNCATE public.module_ct_cabinet_leads, public.module_ct_scouting_daily, public.module_ct_migrations,
             public.drivers, public.summary_daily, public.module_ct_cabinet_payments,
             public.module_ct_scouts_list, sample.truth, sample.params, sample.person, sample.scout,
             sample.driver, sample.day;

    PERFORM setseed(sample._seed(p_seed));
    INSERT INTO sample.params (scale, seed, p_end, p_days, ws, target_park, off_phone, off_dni, off_plate, n_scouts)
    SELECT p_scale, p_seed, v_end, p_days, v_ws, '08e20910d81d42658d4334d3f6d10ac0',
           floor(u[1] * 100000000)::bigint, floor(u[2] * 100000000)::bigint, floor(u[3] * 33696000)::bigint,
           greatest(8, round(30 * p_scale))::int
    FROM (SELECT ARRAY[random(), random(), random()] AS u) d;

    PERFORM sample._scouts((SELECT n_scouts FROM sample.params));

    -- persons: ~1930 lead humans, ~300 non-lead target-park drivers, ~1300 other-park drivers per unit of
    -- scale; the lead volume grows with p_days (68 days = the reference business)
    v_lo := 1930.0 * p_days / 68;
    v_n := greatest(10, round(p_scale * (v_lo + 300 + 1300)))::int;
    PERFORM sample._persons(0, v_n, v_lo / (v_lo + 1600), 300.0 / (v_lo + 1600), v_ws, v_end, true);

    PERFORM sample._drivers(0);
    PERFORM sample._summary(0);
    PERFORM sample._cabinet(0, v_ws, true);
    PERFORM sample._scouting(0, v_ws);
    PERFORM sample._migrations(0);
    PERFORM sample._payments();

    RETURN sample._counts();
END $$;

CREATE OR REPLACE FUNCTION sample.add_records(p_fraction numeric DEFAULT 0.05, p_seed double precision DEFAULT 0.77)
RETURNS jsonb
LANGUAGE plpgsql
SET max_parallel_workers_per_gather = 0
SET jit = off
SET work_mem = '256MB'
AS $$
DECLARE
    v       sample.params;
    v_batch integer;
    v_n     integer;
    v_lo    date;
    v_before jsonb;
    v_after  jsonb;
BEGIN
    SELECT * INTO v FROM sample.params;
    IF NOT FOUND THEN RAISE EXCEPTION 'run sample.generate() first'; END IF;
    v_before := sample._counts();

    PERFORM setseed(sample._seed(p_seed));
    SELECT max(batch) + 1 INTO v_batch FROM sample.person;
    v_n := greatest(1, round(p_fraction * (SELECT count(*) FROM sample.person WHERE role = 'lead')))::int;
    v_lo := greatest(v.ws, v.p_end - 13);         -- new data = recent registrations

    -- new humans, all of them leads (about 58 % of them convert => new target-park drivers too)
    PERFORM sample._persons(v_batch, v_n, 1.0, 0.0, v_lo, v.p_end, false);
    PERFORM sample._drivers(v_batch);
    PERFORM sample._summary(v_batch);
    PERFORM sample._cabinet(v_batch, v_lo, false);
    PERFORM sample._scouting(v_batch, v_lo);
    PERFORM sample._migrations(v_batch);

    v_after := sample._counts();
    RETURN (SELECT jsonb_object_agg(key, (v_after ->> key)::bigint - (v_before ->> key)::bigint)
            FROM jsonb_object_keys(v_after) key);
END $$;

COMMENT ON FUNCTION sample.generate(numeric, double precision, date, integer) IS
  'Truncate and fill the 7 raw tables + sample.truth with deterministic Peruvian sample data; returns row counts.';
COMMENT ON FUNCTION sample.add_records(numeric, double precision) IS
  'Append ~p_fraction new lead humans (new ids, some new drivers) without touching existing rows; returns added counts.';
COMMENT ON TABLE sample.truth IS
  'Ground truth: the true human (person_id) of every generated lead record and driver row.';
