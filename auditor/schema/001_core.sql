-- Schema version 1: scans, files, flag reads and definitions, diagnostics.
-- Lines are 1-based; columns are 0-based byte offsets (tree-sitter points).

CREATE TABLE scans (
    scan_id      INTEGER PRIMARY KEY,   -- increasing per database
    label        VARCHAR NOT NULL,      -- --label, default: the targets' names
    started_at   TIMESTAMP NOT NULL,    -- UTC
    finished_at  TIMESTAMP,             -- UTC
    duration_s   DOUBLE,                -- wall-clock seconds for extraction + write
    targets      VARCHAR[] NOT NULL,    -- as given on the command line
    config_path  VARCHAR,               -- auditor.toml / pyproject.toml used, if any
    tool_version VARCHAR NOT NULL,
    file_count   INTEGER,               -- files parsed
    read_count   INTEGER,
    definition_count INTEGER,
    diagnostic_count INTEGER
);

CREATE TABLE files (
    scan_id   INTEGER NOT NULL,
    path      VARCHAR NOT NULL,         -- display path, relative to its target
    language  VARCHAR NOT NULL,         -- javascript, typescript, tsx, python
    size      BIGINT NOT NULL,          -- bytes on disk / in the artifact
    sha256    VARCHAR NOT NULL,
    origin    VARCHAR NOT NULL,         -- '' for plain files; e.g. 'source map: dist/cli.js.map'
    target    VARCHAR NOT NULL          -- the target the file came from
);

CREATE TABLE flag_reads (
    scan_id       INTEGER NOT NULL,
    path          VARCHAR NOT NULL,
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    end_line      INTEGER NOT NULL,
    end_col       INTEGER NOT NULL,
    provider      VARCHAR NOT NULL,     -- launchdarkly, unleash, ..., env, bundler, or a wrapper's label
    flag_key      VARCHAR,              -- resolved key; NULL when unresolved
    key_expr      VARCHAR NOT NULL,     -- the key as written at the call site
    resolved      BOOLEAN NOT NULL,
    method        VARCHAR NOT NULL,     -- SDK method / accessor
    function      VARCHAR NOT NULL,     -- enclosing function, or '<module>'
    default_value VARCHAR,              -- default/fallback argument as written
    snippet       VARCHAR NOT NULL,
    confidence    VARCHAR NOT NULL,     -- high | low
    pack          VARCHAR NOT NULL,     -- query pack that matched
    origin        VARCHAR NOT NULL,
    definition_path VARCHAR,            -- where the key's symbol is declared, when resolved through one
    definition_line INTEGER
);

CREATE TABLE flag_definitions (
    scan_id       INTEGER NOT NULL,
    flag_key      VARCHAR NOT NULL,
    provider      VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,     -- enum_member, constant, object_member, class_attribute, registry
    symbol        VARCHAR NOT NULL,     -- dotted symbol (FeatureFlag.TaggingSystem) or registry name
    path          VARCHAR NOT NULL,
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    default_value VARCHAR,              -- registry value as written
    origin        VARCHAR NOT NULL
);

CREATE TABLE diagnostics (
    scan_id  INTEGER NOT NULL,
    path     VARCHAR NOT NULL,
    code     VARCHAR NOT NULL,          -- syntax-error, binary-file, not-utf8, unreadable, file-truncated, ...
    severity VARCHAR NOT NULL,          -- error | warning | note
    message  VARCHAR NOT NULL,
    line     INTEGER,
    origin   VARCHAR NOT NULL
);

-- One row per (scan, key, provider): the flag inventory.
CREATE VIEW flags AS
SELECT
    r.scan_id,
    r.flag_key,
    r.provider,
    count(*)                                   AS read_count,
    count(DISTINCT r.path)                     AS file_count,
    CASE WHEN bool_or(r.confidence = 'high') THEN 'high' ELSE 'low' END AS confidence,  -- best of its reads
    arg_min(r.path || ':' || r.line, r.path || ':' || lpad(r.line::VARCHAR, 9, '0')) AS first_location,
    list(DISTINCT r.method ORDER BY r.method)  AS methods,
    EXISTS (SELECT 1 FROM flag_definitions d WHERE d.scan_id = r.scan_id AND d.flag_key = r.flag_key) AS defined
FROM flag_reads r
WHERE r.resolved
GROUP BY r.scan_id, r.flag_key, r.provider;

-- Drift: defined but never read (by any provider).
CREATE VIEW flags_unread AS
SELECT d.*
FROM flag_definitions d
WHERE NOT EXISTS (SELECT 1 FROM flag_reads r WHERE r.scan_id = d.scan_id AND r.flag_key = d.flag_key);

-- Drift: read but never defined, for providers that have at least one definition in the scan.
CREATE VIEW flags_undefined AS
SELECT f.*
FROM flags f
WHERE NOT f.defined
  AND EXISTS (SELECT 1 FROM flag_definitions d WHERE d.scan_id = f.scan_id AND d.provider = f.provider);
