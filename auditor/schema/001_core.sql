-- Schema version 1: scans, files, flag reads and definitions, diagnostics.
-- Lines are 1-based; columns are 0-based byte offsets (tree-sitter points).

-- One row per `auditor scan` run; a scan is written in one transaction, so a row with
-- finished_at set is complete.
CREATE TABLE scans (
    scan_id      INTEGER PRIMARY KEY,   -- increasing per database
    label        VARCHAR NOT NULL,      -- --label, default: the targets' names
    started_at   TIMESTAMP NOT NULL,    -- UTC
    finished_at  TIMESTAMP,             -- UTC
    duration_s   DOUBLE,                -- wall-clock seconds for extraction + write
    targets      VARCHAR[] NOT NULL,    -- as given on the command line
    config_path  VARCHAR,               -- auditor.toml / pyproject.toml used, if any
    tool_version VARCHAR NOT NULL,      -- auditor version that wrote the scan
    file_count   INTEGER,               -- files parsed
    read_count   INTEGER,               -- rows in flag_reads
    definition_count INTEGER,           -- rows in flag_definitions
    diagnostic_count INTEGER            -- rows in diagnostics
);

-- Every file handed to extraction (binary and unreadable ones too: see diagnostics).
CREATE TABLE files (
    scan_id   INTEGER NOT NULL,         -- scans.scan_id
    path      VARCHAR NOT NULL,         -- display path, relative to its target
    language  VARCHAR NOT NULL,         -- javascript, typescript, tsx, python
    size      BIGINT NOT NULL,          -- bytes on disk / in the artifact
    sha256    VARCHAR NOT NULL,         -- of the bytes scanned
    origin    VARCHAR NOT NULL,         -- '' for plain files; e.g. 'source map: dist/cli.js.map'
    target    VARCHAR NOT NULL          -- the target the file came from
);

-- Every call or access that reads a flag, with its key resolved where possible.
CREATE TABLE flag_reads (
    scan_id       INTEGER NOT NULL,     -- scans.scan_id
    path          VARCHAR NOT NULL,     -- files.path
    line          INTEGER NOT NULL,     -- start of the read (the call, access or JSX element)
    col           INTEGER NOT NULL,
    end_line      INTEGER NOT NULL,
    end_col       INTEGER NOT NULL,
    provider      VARCHAR NOT NULL,     -- launchdarkly, unleash, ..., env, bundler, or a wrapper's label
    flag_key      VARCHAR,              -- resolved key; NULL when unresolved
    key_expr      VARCHAR NOT NULL,     -- the key as written at the call site
    resolved      BOOLEAN NOT NULL,     -- flag_key IS NOT NULL
    method        VARCHAR NOT NULL,     -- SDK method / accessor
    function      VARCHAR NOT NULL,     -- enclosing function, or '<module>'
    default_value VARCHAR,              -- default/fallback argument as written
    snippet       VARCHAR NOT NULL,     -- the line of code (a window of it on minified lines), <= 200 characters
    confidence    VARCHAR NOT NULL,     -- high (SDK import, wrapper, or unambiguous syntax) | low (method name only)
    pack          VARCHAR NOT NULL,     -- query pack that matched (`ecma/launchdarkly`, `config/wrappers-python`)
    origin        VARCHAR NOT NULL,     -- '' for plain files; where a rebuilt file came from otherwise
    definition_path VARCHAR,            -- where the key's symbol is declared, when resolved through one
    definition_line INTEGER             -- line of that declaration
);

-- Declarations of flag keys: symbols resolved reads point to (with every string member of their
-- enum/class/object) and the keys of configured registries.
CREATE TABLE flag_definitions (
    scan_id       INTEGER NOT NULL,     -- scans.scan_id
    flag_key      VARCHAR NOT NULL,
    provider      VARCHAR NOT NULL,     -- provider of the read that points to it, or the registry's
    kind          VARCHAR NOT NULL,     -- enum_member, constant, object_member, class_attribute, registry
    symbol        VARCHAR NOT NULL,     -- dotted symbol (FeatureFlag.TaggingSystem) or registry name
    path          VARCHAR NOT NULL,     -- file of the declaration
    line          INTEGER NOT NULL,     -- line of the member / constant / registry key
    col           INTEGER NOT NULL,
    default_value VARCHAR,              -- registry value as written
    origin        VARCHAR NOT NULL      -- as files.origin
);

-- Problems met while scanning; the scan went on. One row per problem.
CREATE TABLE diagnostics (
    scan_id  INTEGER NOT NULL,          -- scans.scan_id
    path     VARCHAR NOT NULL,          -- file (or target) the problem belongs to
    code     VARCHAR NOT NULL,          -- syntax-error, binary-file, not-utf8, unreadable, file-truncated, ...
    severity VARCHAR NOT NULL,          -- error | warning | note
    message  VARCHAR NOT NULL,          -- one line for humans
    line     INTEGER,                   -- where the problem starts, when known
    origin   VARCHAR NOT NULL
);

-- One row per (scan, key, provider): the flag inventory.
CREATE VIEW flags AS
SELECT
    r.scan_id,
    r.flag_key,
    r.provider,
    count(*)                                   AS read_count,      -- resolved reads of the key
    count(DISTINCT r.path)                     AS file_count,      -- files reading it
    CASE WHEN bool_or(r.confidence = 'high') THEN 'high' ELSE 'low' END AS confidence,  -- best of its reads
    arg_min(r.path || ':' || r.line, r.path || ':' || lpad(r.line::VARCHAR, 9, '0')) AS first_location,  -- path:line, first by path then line
    list(DISTINCT r.method ORDER BY r.method)  AS methods,         -- SDK methods used to read it
    EXISTS (SELECT 1 FROM flag_definitions d WHERE d.scan_id = r.scan_id AND d.flag_key = r.flag_key) AS defined  -- a definition of the key exists (any provider)
FROM flag_reads r
WHERE r.resolved
GROUP BY r.scan_id, r.flag_key, r.provider;

-- Drift: defined but never read (by any provider). Columns: those of flag_definitions.
CREATE VIEW flags_unread AS
SELECT d.*
FROM flag_definitions d
WHERE NOT EXISTS (SELECT 1 FROM flag_reads r WHERE r.scan_id = d.scan_id AND r.flag_key = d.flag_key);

-- Drift: read (with high confidence) but never defined, for providers whose flags the scan shows
-- being declared together: a registry, enum, class or object of keys. A lone string constant
-- (`CONFIG_ENV_VAR = "APP_CONFIG"`) defines its own key but does not make every other key of that
-- provider undefined. Columns: those of flags.
CREATE VIEW flags_undefined AS
SELECT f.*
FROM flags f
WHERE NOT f.defined
  AND f.confidence = 'high'
  AND EXISTS (SELECT 1 FROM flag_definitions d
              WHERE d.scan_id = f.scan_id AND d.provider = f.provider AND d.kind <> 'constant');
