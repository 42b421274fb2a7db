-- Schema version 9: facts the readers record so that every ART rule is its own file
-- (auditor/rules/ARTnnn.toml plus its SQL or module) and no reader decides a rule. One row per
-- models.Refusal, MapProblem, SecretHit, BundlerMetadataFile, EntryFact record. Display paths
-- (`path`) carry the nested-archive prefix (`inner.tgz!/x`); `entry_facts.path` is `entries.path`.

CREATE TABLE refusals (
    scan_id  INTEGER NOT NULL,
    artifact VARCHAR NOT NULL,   -- artifacts.artifact
    target   VARCHAR NOT NULL,   -- the command-line target
    path     VARCHAR,            -- display path of the refused entry; NULL for the archive as a whole
    code     VARCHAR NOT NULL,   -- path-traversal | absolute-path | empty-name | link-outside | special-file | duplicate-name
                                 -- | non-utf8-name | unsafe-member | member-failed | too-many-entries | too-large
                                 -- | compression-ratio | nested-too-deep | corrupt | truncated | unreadable
    message  VARCHAR NOT NULL    -- what was refused and why
);

CREATE TABLE map_problems (
    scan_id  INTEGER NOT NULL,
    artifact VARCHAR NOT NULL,
    target   VARCHAR NOT NULL,
    path     VARCHAR NOT NULL,   -- display path of the map (or of the bundle holding an inline map)
    line     INTEGER,            -- line of the sourceMappingURL comment of an inline map
    code     VARCHAR NOT NULL,   -- too-large | inline (undecodable data: URL) | malformed | problems
    message  VARCHAR NOT NULL
);

CREATE TABLE secret_hits (
    scan_id     INTEGER NOT NULL,
    target      VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,   -- display path of the file searched
    line        INTEGER NOT NULL,   -- 1-based line of the hit
    secret_type VARCHAR NOT NULL,   -- detector name; the value is never stored
    evidence    VARCHAR NOT NULL,   -- format (a verified credential format) | context (secret-named key, entropy)
    origin      VARCHAR NOT NULL    -- '' or 'source map: <map path>' for a source rebuilt from a map
);

CREATE TABLE bundler_metadata (
    scan_id     INTEGER NOT NULL,
    artifact    VARCHAR NOT NULL,
    target      VARCHAR NOT NULL,
    path        VARCHAR NOT NULL,   -- display path of the metadata entry
    tool        VARCHAR NOT NULL,   -- esbuild | webpack | vite | typescript
    files       INTEGER NOT NULL,   -- original files it lists
    first_party INTEGER NOT NULL,   -- of those, not under node_modules/
    input_bytes BIGINT,             -- sum of the sizes it gives (NULL: none given)
    examples    VARCHAR[] NOT NULL  -- up to 5 first-party paths
);

CREATE TABLE entry_facts (
    scan_id  INTEGER NOT NULL,
    artifact VARCHAR NOT NULL,
    path     VARCHAR NOT NULL,   -- entries.path
    fact     VARCHAR NOT NULL    -- inspected (content read and classified) | private-key
);

-- Each artifact with the prefix of its display paths ('' at the top level, 'inner.tgz!/' inside a
-- nested archive) and the label naming it in artifact-level findings (its package name, else
-- its display path, else its file name).
CREATE VIEW artifact_labels AS
SELECT a.scan_id, a.artifact, a.target,
       CASE WHEN a.parent IS NULL THEN '' ELSE substr(a.artifact, length(a.target) + 3) || '!/' END AS shown_prefix,
       coalesce(a.package_name,
                CASE WHEN a.parent IS NULL THEN regexp_extract(a.target, '[^/]*$') ELSE substr(a.artifact, length(a.target) + 3) END) AS label
FROM artifacts a;

-- Refusals with the subject of their finding: the refusal code for an entry, '<label>: <code>' for
-- the archive as a whole.
CREATE VIEW refusal_subjects AS
SELECT f.*, CASE WHEN f.path IS NULL THEN coalesce(l.label, f.artifact) || ': ' || f.code ELSE f.code END AS subject
FROM refusals f LEFT JOIN artifact_labels l ON l.scan_id = f.scan_id AND l.artifact = f.artifact;
