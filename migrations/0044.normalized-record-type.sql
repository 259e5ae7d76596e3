-- depends: 0043.name-token-dictionary
-- canon.normalize_record returns a record's normalized keys as this named type: a function returning
-- OUT parameters builds their row descriptor on every call, a named type's is cached (0.36 s of the
-- 9.3 s that normalizing 310,858 drivers took, measured at scale 100; docs/identity.md, "Normalizing").
-- A type, not code: it cannot be replaced in place, so it lives here; no data moves.
SET lock_timeout = '10s';

CREATE TYPE canon.normalized_record AS (
    phone text,
    license text,
    document text,
    plate text,
    license_dni text,
    name_tokens text[],
    given_name text,
    surnames text[],
    two_surnames boolean,
    name_blocks text[]
);
ALTER TYPE canon.normalized_record OWNER TO lead_attribution_owner;
