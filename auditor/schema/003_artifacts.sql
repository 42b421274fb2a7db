-- Schema version 3: release artifacts, their entries, source maps and sourceMappingURL references.
-- Rows come from the artifact readers in auditor/sources/ (one row per models.Artifact, Entry,
-- SourceMapInfo, MapSource, MapRef record). `artifact` is the artifact key: the target string as
-- given on the command line, or `outer!/inner/path` for an archive nested one level inside another.
-- Entry paths are relative to the artifact root (the `package/` or `name-version/` prefix stripped).

CREATE TABLE artifacts (
    scan_id          INTEGER NOT NULL,
    artifact         VARCHAR NOT NULL,   -- artifact key (target, or outer!/inner for a nested archive)
    target           VARCHAR NOT NULL,   -- the command-line target the artifact belongs to
    kind             VARCHAR NOT NULL,   -- npm | wheel | sdist | tar | zip | bundle | source-map
    parent           VARCHAR,            -- enclosing artifact key for a nested archive, else NULL
    package_name     VARCHAR,            -- from package.json / wheel METADATA / sdist PKG-INFO
    package_version  VARCHAR,
    root_prefix      VARCHAR NOT NULL,   -- top-level directory stripped from entry paths ('package/'), or ''
    entry_count      INTEGER NOT NULL,   -- rows in `entries` for it: files, links and refused members
    total_bytes      BIGINT NOT NULL,    -- uncompressed bytes of the entries read (refused ones excluded)
    compressed_bytes BIGINT NOT NULL,    -- size of the artifact file itself
    sha256           VARCHAR NOT NULL,   -- of the artifact file
    refused_count    INTEGER NOT NULL,   -- entries refused as unsafe or over a limit (see diagnostics)
    status           VARCHAR NOT NULL    -- ok | partial (some entries refused/unreadable) | corrupt (reading stopped early)
);

CREATE TABLE entries (
    scan_id         INTEGER NOT NULL,
    artifact        VARCHAR NOT NULL,    -- artifacts.artifact
    path            VARCHAR NOT NULL,    -- relative to the artifact root; non-UTF-8 bytes shown as \xNN
    size            BIGINT NOT NULL,     -- uncompressed bytes (header value for refused entries)
    compressed_size BIGINT,              -- zip/wheel only: bytes stored in the archive
    sha256          VARCHAR,             -- NULL when refused or unreadable
    kind            VARCHAR NOT NULL,    -- source | bundle | source-map | declaration | test | debug | docs | dotfile
                                         -- | env-file | key | credentials | archive | binary | image | other
    member_type     VARCHAR NOT NULL,    -- file | symlink | hardlink | device | fifo | other
    link_target     VARCHAR,             -- where a symlink/hardlink points, as stored
    covered         BOOLEAN,             -- inside the package's own allowlist (npm `files` + .npmignore, wheel
                                         -- top-level packages); NULL when the artifact kind has no allowlist
    coverage        VARCHAR NOT NULL,    -- why: 'files: dist/', 'always included', 'npm never packs', 'not in files',
                                         -- '.npmignore: *.map', 'top-level: superset', 'not a top-level package', ''
    language        VARCHAR,             -- grammar used when the entry was handed to extraction
    scanned         BOOLEAN NOT NULL,    -- handed to extraction (rows in `files`)
    minified        BOOLEAN NOT NULL,    -- JavaScript with very long lines (a bundle)
    refused         VARCHAR              -- refusal code (path-traversal, absolute-path, link-outside, special-file,
                                         -- duplicate-name, non-utf8-name, too-many-entries, too-large, compression-ratio,
                                         -- nested-too-deep, unreadable), NULL when read normally
);

CREATE TABLE source_maps (
    scan_id           INTEGER NOT NULL,
    artifact          VARCHAR NOT NULL,
    path              VARCHAR NOT NULL,  -- map entry path, or '<bundle path>#inline' for a data: URL map
    kind              VARCHAR NOT NULL,  -- external | inline
    generated         VARCHAR,           -- entry the map describes: its `file`, the entry referencing it, or path minus .map
    generated_shipped BOOLEAN NOT NULL,  -- that entry is in the artifact
    size              BIGINT NOT NULL,   -- bytes of the map JSON
    version           INTEGER,           -- the map's `version` (3 expected)
    index_map         BOOLEAN NOT NULL,  -- an index map (`sections`)
    sections          INTEGER NOT NULL,  -- number of sections (0 for a plain map)
    sources           INTEGER NOT NULL,  -- entries of `sources` (over all sections)
    with_content      INTEGER NOT NULL,  -- sources whose `sourcesContent` is a string
    content_bytes     BIGINT NOT NULL,   -- UTF-8 bytes of all `sourcesContent`
    third_party       INTEGER NOT NULL,  -- sources under node_modules/ or the webpack runtime
    third_party_share DOUBLE NOT NULL,   -- third-party share of content bytes (of sources when no content)
    rebuilt           INTEGER NOT NULL,  -- sources rebuilt as virtual files and handed to extraction
    map_only          INTEGER NOT NULL,  -- rebuilt sources found only in the map (none of their literals in the bundle)
    status            VARCHAR NOT NULL   -- ok | malformed (see diagnostics for why)
);

CREATE TABLE map_sources (
    scan_id            INTEGER NOT NULL,
    artifact           VARCHAR NOT NULL,
    map                VARCHAR NOT NULL,  -- source_maps.path
    idx                INTEGER NOT NULL,  -- 0-based position in `sources` (running over sections)
    source             VARCHAR NOT NULL,  -- as written in the map (truncated to 500 characters)
    path               VARCHAR NOT NULL,  -- normalized: webpack://, sourceRoot and ../ resolved against the map's dir;
                                          -- the path of the rebuilt file in `files` (origin 'source map: <map>')
    has_content        BOOLEAN NOT NULL,  -- `sourcesContent[idx]` is a string
    content_bytes      BIGINT NOT NULL,
    third_party        BOOLEAN NOT NULL,  -- under node_modules/ or the webpack runtime (not rebuilt by default)
    rebuilt            BOOLEAN NOT NULL,  -- handed to extraction as a virtual file
    literals           INTEGER NOT NULL,  -- distinctive string literals in the source (JS/TS only)
    literals_in_bundle INTEGER NOT NULL,  -- of those, how many occur in the generated file
    in_bundle          VARCHAR NOT NULL,  -- yes | partial | no (code exposed only through the map) | unknown
    missing            VARCHAR[] NOT NULL -- literals absent from the generated file (<= 200, secrets dropped)
);

CREATE TABLE map_refs (
    scan_id  INTEGER NOT NULL,
    artifact VARCHAR NOT NULL,
    path     VARCHAR NOT NULL,   -- entry holding the `//# sourceMappingURL=` (or `//@`) comment
    line     INTEGER NOT NULL,   -- 1-based line of the comment
    url      VARCHAR NOT NULL,   -- as written; data: URLs shortened to 'data:<media type> (<n> bytes)'
    kind     VARCHAR NOT NULL,   -- external | inline | remote
    resolved VARCHAR,            -- entry path an external URL resolves to (NULL for inline/remote)
    status   VARCHAR NOT NULL    -- ok | missing (no such entry) | remote (http/https/other scheme) | malformed
);

-- Rebuilt sources whose code is exposed only through their source map, with the flag reads found in them.
CREATE VIEW map_only_sources AS
SELECT s.*,
       (SELECT count(*) FROM flag_reads r
        WHERE r.scan_id = s.scan_id AND r.path = s.path AND r.origin = 'source map: ' || s.map) AS flag_reads
FROM map_sources s
WHERE s.in_bundle = 'no';
