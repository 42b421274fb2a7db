-- Schema version 5: the manifest (what is meant to be public) a scan was compared with, and the
-- views the shipped-vs-public rules read. Patterns are globs matched with DuckDB's GLOB operator:
-- `*` any characters (including `/`), `?` one character, `[abc]` one of a set; case-sensitive.

CREATE TABLE manifests (
    scan_id   INTEGER NOT NULL,
    path      VARCHAR,               -- manifest file (TOML), NULL when it came from [tool.auditor.manifest]
    name      VARCHAR,               -- [manifest] name, if given
    sha256    VARCHAR,               -- of the manifest file's bytes (NULL for an inline manifest)
    openfeature VARCHAR              -- OpenFeature flag manifest imported as public flags, if any
);

CREATE TABLE manifest_entries (
    scan_id INTEGER NOT NULL,
    section VARCHAR NOT NULL,        -- public_flag | internal_flag | capability | capability_kind | artifact | identifier | pattern
    kind    VARCHAR,                 -- capability kind for capability / capability_kind rows, else NULL
    pattern VARCHAR NOT NULL,        -- glob ('' for capability_kind: the kind is declared, so its capabilities are compared)
    source  VARCHAR NOT NULL         -- manifest | openfeature | builtin (common platform environment variables)
);

CREATE TABLE manifest_overrides (
    scan_id  INTEGER NOT NULL,
    rule_id  VARCHAR NOT NULL,       -- rule whose severity the manifest changes
    severity VARCHAR NOT NULL        -- error | warning | note | off (off: its findings are stored suppressed)
);

CREATE TABLE manifest_suppressions (
    scan_id     INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,    -- findings.fingerprint to suppress
    reason      VARCHAR NOT NULL     -- why (required)
);

-- Every resolved flag key of a scan with its manifest status.
CREATE VIEW flag_status AS
SELECT k.scan_id, k.flag_key, k.provider,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = k.scan_id AND m.section = 'public_flag'
               AND k.flag_key GLOB m.pattern) AS public,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = k.scan_id AND m.section = 'internal_flag'
               AND k.flag_key GLOB m.pattern) AS internal
FROM (SELECT DISTINCT scan_id, flag_key, provider FROM flag_reads WHERE resolved) k;

-- Every capability with its manifest status: public when a pattern of its kind matches its name, or
-- `parent name` (`mcp add`) for a subcommand / option.
CREATE VIEW capability_status AS
SELECT c.*,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = c.scan_id AND m.section = 'capability' AND m.kind = c.kind
               AND (c.name GLOB m.pattern OR (c.parent IS NOT NULL AND (c.parent || ' ' || c.name) GLOB m.pattern))) AS public,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = c.scan_id AND m.section = 'capability_kind'
               AND m.kind = c.kind) AS kind_declared
FROM capability_inventory c;
