-- Schema version 2: findings (rules that fired).

CREATE TABLE findings (
    scan_id      INTEGER NOT NULL,
    rule_id      VARCHAR NOT NULL,     -- e.g. ART001; documented by `auditor explain ID`
    severity     VARCHAR NOT NULL,     -- error | warning | note (SARIF result.level), after manifest overrides
    subject      VARCHAR NOT NULL,     -- what the finding is about: flag key, entry path, capability name
    message      VARCHAR NOT NULL,     -- one line; secrets are redacted before they get here
    path         VARCHAR,              -- file or entry, relative to its target/artifact
    line         INTEGER,              -- 1-based, when the finding points into a file
    end_line     INTEGER,
    fingerprint  VARCHAR NOT NULL,     -- stable across runs: sha256(rule id, normalized path, subject)[:32]
    suppressed   BOOLEAN NOT NULL DEFAULT false,
    suppression_reason VARCHAR,
    origin       VARCHAR NOT NULL DEFAULT '',
    target       VARCHAR NOT NULL DEFAULT ''
);
