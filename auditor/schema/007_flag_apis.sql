-- Schema version 7: flag APIs found by inference, and `inferred` as a confidence level.

-- Every in-house flag API inference considered in a scan, with its score and evidence
-- (auditor/infer.py). Promoted APIs' call sites are in flag_reads with confidence 'inferred' and
-- provider 'inferred:<module>.<function>'.
CREATE TABLE flag_apis (
    scan_id         INTEGER NOT NULL,    -- scans.scan_id
    api             VARCHAR NOT NULL,    -- `name`, or `receiver.name` (receiver's last segment), or `receiver.*` (property reads)
    provider        VARCHAR NOT NULL,    -- inferred:<module>.<function> ('' when ruled out)
    score           DOUBLE NOT NULL,     -- evidence points; promoted at >= 4
    promoted        BOOLEAN NOT NULL,    -- its sites are reported as reads
    evidence        VARCHAR[] NOT NULL,  -- one line per piece of evidence
    sites           INTEGER NOT NULL,    -- call sites (or property reads) found
    keys            INTEGER NOT NULL,    -- distinct literal / constant keys at those sites
    sample_keys     VARCHAR[] NOT NULL,  -- up to 5 of them
    definition_path VARCHAR,             -- where the API is defined, when the scan holds it
    definition_line INTEGER,
    config_line     VARCHAR NOT NULL     -- inline [[tool.auditor.wrappers]] entry that pins it
);

-- The flag inventory again, with `inferred` ranked between `high` and `low`.
CREATE OR REPLACE VIEW flags AS
SELECT
    r.scan_id,
    r.flag_key,
    r.provider,
    count(*)                                   AS read_count,      -- resolved reads of the key
    count(DISTINCT r.path)                     AS file_count,      -- files reading it
    CASE WHEN bool_or(r.confidence = 'high') THEN 'high'
         WHEN bool_or(r.confidence = 'inferred') THEN 'inferred' ELSE 'low' END AS confidence,  -- best of its reads
    arg_min(r.path || ':' || r.line, r.path || ':' || lpad(r.line::VARCHAR, 9, '0')) AS first_location,  -- path:line, first by path then line
    list(DISTINCT r.method ORDER BY r.method)  AS methods,         -- SDK methods used to read it
    EXISTS (SELECT 1 FROM flag_definitions d WHERE d.scan_id = r.scan_id AND d.flag_key = r.flag_key) AS defined  -- a definition of the key exists (any provider)
FROM flag_reads r
WHERE r.resolved
GROUP BY r.scan_id, r.flag_key, r.provider;
