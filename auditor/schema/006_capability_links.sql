-- Schema version 6: capabilities tied to the gates of other files (the registry pattern), slash
-- commands' `isEnabled` reads, constant (build-time substituted) conditions, conditionally hidden
-- capabilities, and full command paths. Rows come from auditor/extract/capabilities.py (one file)
-- and auditor/links.py (across files, after key resolution).

ALTER TABLE capabilities ADD COLUMN hidden_condition VARCHAR NOT NULL DEFAULT '';  -- `isHidden` given as a getter / function / expression: its source text (<= 200 characters); '' when none
ALTER TABLE capabilities ADD COLUMN hidden_keys VARCHAR[] NOT NULL DEFAULT [];  -- flag keys read by that condition ('!key' when hidden with the flag off)
ALTER TABLE capabilities ADD COLUMN binding VARCHAR NOT NULL DEFAULT '';  -- top-level name the capability is bound to in its file (`GrepTool`, `default`), '' when none

ALTER TABLE capability_gates ALTER COLUMN gate_no DROP NOT NULL;  -- NULL for is_enabled and constant links (no gate record)
ALTER TABLE capability_gates ADD COLUMN gate_path VARCHAR;  -- file of the gating site (the capability's own file for an enclosing gate, the registry's for a link)
ALTER TABLE capability_gates ADD COLUMN gate_line INTEGER;  -- line of the gating site: the gate construct, the registry entry or `require`, the `isEnabled` member
ALTER TABLE capability_gates ADD COLUMN link VARCHAR NOT NULL DEFAULT 'enclosing';  -- enclosing (a gate around the registration) | registry (array element, spread, push, Map.set, object member in another place) | load (`require` / `import()` of the capability's module) | is_enabled (a slash command's `isEnabled`) | constant (a comparison of two literals, evaluated)
ALTER TABLE capability_gates ADD COLUMN flag_kind VARCHAR NOT NULL DEFAULT '';  -- feature (bundler compile-time flag) | env | remote flag | build constant | mixed
ALTER TABLE capability_gates ADD COLUMN flag_keys VARCHAR[] NOT NULL DEFAULT [];  -- resolved keys deciding the link ('!key': reachable with the flag off)
ALTER TABLE capability_gates ADD COLUMN providers VARCHAR[] NOT NULL DEFAULT [];  -- provider of each of flag_keys, in the same order
ALTER TABLE capability_gates ADD COLUMN polarity VARCHAR NOT NULL DEFAULT '';  -- on | off | mixed: whether the capability is reachable with the flags on or off
ALTER TABLE capability_gates ADD COLUMN condition VARCHAR NOT NULL DEFAULT '';  -- condition source text (<= 200 characters)
ALTER TABLE capability_gates ADD COLUMN snippet VARCHAR NOT NULL DEFAULT '';  -- the line of code at the gating site (<= 200 characters): the evidence
ALTER TABLE capability_gates ADD COLUMN live BOOLEAN;  -- constant links: whether the guarded side runs in this build (false: dead in this build); NULL otherwise

DROP VIEW capability_status;
DROP VIEW capability_inventory;
DROP VIEW capability_flags;

-- Each flag that decides whether a capability is reachable, with the polarity under which it is:
-- gates around the registration, gates of other files the capability is registered or loaded
-- under, `isEnabled` reads and constants tied to an environment variable.
CREATE VIEW capability_flags AS
SELECT c.scan_id, c.path, c.cap_no, c.kind, c.name, c.hidden, c.origin, cg.gate_no, cg.branch,
       gf.flag_key, gf.provider, gf.kind AS gate_kind, gf.line AS gate_line,
       CASE WHEN cg.branch = 'alternative' THEN (CASE gf.polarity WHEN 'on' THEN 'off' ELSE 'on' END) ELSE gf.polarity END AS polarity,
       coalesce(cg.gate_path, cg.path) AS gate_path, cg.link, cg.flag_kind
FROM capabilities c
JOIN capability_gates cg ON cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
JOIN gate_flags gf ON gf.scan_id = cg.scan_id AND gf.path = coalesce(cg.gate_path, cg.path) AND gf.gate_no = cg.gate_no
UNION ALL
SELECT c.scan_id, c.path, c.cap_no, c.kind, c.name, c.hidden, c.origin, cg.gate_no, cg.branch,
       ltrim(k.key, '!') AS flag_key, k.provider, cg.link AS gate_kind, cg.gate_line,
       CASE WHEN starts_with(k.key, '!') THEN 'off' ELSE 'on' END AS polarity,
       coalesce(cg.gate_path, cg.path) AS gate_path, cg.link, cg.flag_kind
FROM capabilities c
JOIN capability_gates cg ON cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
CROSS JOIN LATERAL (SELECT unnest(cg.flag_keys) AS key, unnest(cg.providers) AS provider) k
WHERE cg.gate_no IS NULL AND (cg.link <> 'constant' OR cg.live = false);

-- One row per capability: the flags gating it ('key' when reachable with it on, '!key' with it off),
-- its gate chain (`NIGHT_SHIFT | DAYDREAM via src/tools.ts:12`), whether a constant makes it dead in
-- this build, and its state: hidden, dormant-or-gated, public.
CREATE VIEW capability_inventory AS
SELECT c.*,
       coalesce((SELECT list(DISTINCT CASE WHEN f.polarity = 'on' THEN f.flag_key ELSE '!' || f.flag_key END
                            ORDER BY CASE WHEN f.polarity = 'on' THEN f.flag_key ELSE '!' || f.flag_key END)
                 FROM capability_flags f
                 WHERE f.scan_id = c.scan_id AND f.path = c.path AND f.cap_no = c.cap_no), []) AS gate_keys,
       coalesce((SELECT list(DISTINCT l.label ORDER BY l.label)
                 FROM (SELECT CASE WHEN len(cg.flag_keys) > 0 THEN array_to_string(cg.flag_keys, ' | ') ELSE cg.condition END
                              || ' via ' || coalesce(cg.gate_path, cg.path) || ':' || cg.gate_line AS label
                       FROM capability_gates cg
                       WHERE cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
                         AND (len(cg.flag_keys) > 0 OR cg.link = 'constant')) l), []) AS gate_chain,
       EXISTS (SELECT 1 FROM capability_gates cg WHERE cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
               AND cg.link = 'constant' AND cg.live = false) AS dead,
       CASE WHEN c.hidden THEN 'hidden'
            WHEN EXISTS (SELECT 1 FROM capability_gates cg WHERE cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
                         AND (len(cg.flag_keys) > 0 OR (cg.link = 'constant' AND cg.live = false))) THEN 'gated'
            ELSE 'public' END AS state
FROM capabilities c;

CREATE VIEW capability_status AS
SELECT c.*,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = c.scan_id AND m.section = 'capability' AND m.kind = c.kind
               AND (c.name GLOB m.pattern OR (c.parent IS NOT NULL AND (c.parent || ' ' || c.name) GLOB m.pattern))) AS public,
       EXISTS (SELECT 1 FROM manifest_entries m WHERE m.scan_id = c.scan_id AND m.section = 'capability_kind'
               AND m.kind = c.kind) AS kind_declared
FROM capability_inventory c;
