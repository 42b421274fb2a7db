-- Schema version 8: what a release ships, judged on its bytes. Map coverage decoded from each
-- source map's `mappings` (auditor/sources/mappings.py), whether map-revealed names occur in the
-- generated file, the evidence locations merged into one finding, and one row per capability and
-- flag per scan over bundle, map and rebuilt source.

CREATE TABLE map_coverage (
    scan_id         INTEGER NOT NULL,
    artifact        VARCHAR NOT NULL,
    map             VARCHAR NOT NULL,   -- source_maps.path
    idx             INTEGER NOT NULL,   -- map_sources.idx
    path            VARCHAR NOT NULL,   -- map_sources.path (normalized source path)
    generated_file  VARCHAR,            -- source_maps.generated: the entry the map describes
    segments        BIGINT NOT NULL,    -- mapping segments mapping generated code to this source (0: map-only)
    generated_bytes BIGINT NOT NULL     -- generated columns those segments span (UTF-16 units; bytes for ASCII)
);

CREATE TABLE bundle_presence (
    scan_id     INTEGER NOT NULL,
    origin      VARCHAR NOT NULL,   -- 'source map: <map path>' of the rebuilt source the thing was found in
    thing       VARCHAR NOT NULL,   -- capability | flag
    subject     VARCHAR NOT NULL,   -- '<kind>:<name>' for a capability, the flag key for a flag
    text        VARCHAR NOT NULL,   -- identifying text looked for: name, option string, key or description
    bundle      VARCHAR NOT NULL,   -- generated file searched (display path)
    found       BOOLEAN NOT NULL,   -- the text occurs as a string in the generated file
    bundle_line INTEGER,            -- 1-based line of its first occurrence (NULL when not found)
    bundle_col  INTEGER             -- 0-based byte column of it
);

CREATE TABLE finding_evidence (
    scan_id     INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,   -- findings.fingerprint of the one finding kept
    path        VARCHAR,            -- where the same finding was also seen (a rebuilt source, a bundle)
    line        INTEGER,
    origin      VARCHAR NOT NULL    -- '' or 'source map: <map path>'
);

-- One row per capability (kind, name, parent) per scan, whatever number of places it was seen in:
-- the shipped code, source maps' rebuilt sources, several files. `evidence` lists every place.
CREATE VIEW capability_records AS
SELECT c.scan_id, c.kind, c.name, c.parent,
       bool_or(c.hidden) AS hidden,
       bool_or(c.origin = '') AS in_shipped_code,
       bool_or(c.origin LIKE 'source map:%') AS in_source_map,
       count(*) AS sightings,
       list({'path': c.path, 'line': c.line, 'col': c.col, 'origin': c.origin} ORDER BY c.origin, c.path, c.line) AS evidence
FROM capabilities c
GROUP BY c.scan_id, c.kind, c.name, c.parent;

-- One row per resolved flag key and provider per scan, with every read location.
CREATE VIEW flag_records AS
SELECT r.scan_id, r.flag_key, r.provider,
       bool_or(r.origin = '') AS in_shipped_code,
       bool_or(r.origin LIKE 'source map:%') AS in_source_map,
       count(*) AS reads,
       list({'path': r.path, 'line': r.line, 'col': r.col, 'origin': r.origin} ORDER BY r.origin, r.path, r.line) AS evidence
FROM flag_reads r
WHERE r.resolved
GROUP BY r.scan_id, r.flag_key, r.provider;

-- Sources of a map that have no generated code in the file it describes (decoded `mappings`).
CREATE VIEW map_uncovered_sources AS
SELECT v.*, s.has_content, s.third_party, s.content_bytes
FROM map_coverage v
JOIN map_sources s ON s.scan_id = v.scan_id AND s.artifact = v.artifact AND s.map = v.map AND s.idx = v.idx
WHERE v.segments = 0;
