-- Schema version 4: gates (conditionals whose condition reads a flag), the flag reads that decide
-- them, capabilities (tools, commands, options, routes, settings) and the gates around each, and
-- internal-identifier hits. Rows come from auditor/extract/gates.py, capabilities.py and
-- families.py. Lines are 1-based, columns 0-based byte offsets. Within a scan a gate is identified
-- by (path, gate_no) and a capability by (path, cap_no).

CREATE TABLE gates (
    scan_id       INTEGER NOT NULL,
    path          VARCHAR NOT NULL,   -- file, as in files.path
    gate_no       INTEGER NOT NULL,   -- ordinal of the gate in its file (document order, from 1)
    kind          VARCHAR NOT NULL,   -- if | early_return | ternary | logical | jsx | spread | component | decorator
    line          INTEGER NOT NULL,   -- first line of the whole construct
    end_line      INTEGER NOT NULL,   -- last line of the whole construct
    body_line     INTEGER NOT NULL,   -- gated span: the code that runs when the condition holds
    body_col      INTEGER NOT NULL,   --   (for early_return: the rest of the enclosing block)
    body_end_line INTEGER NOT NULL,
    body_end_col  INTEGER NOT NULL,
    gated_loc     INTEGER NOT NULL,   -- non-blank lines in the gated span (1 inside a minified line)
    gated_bytes   BIGINT NOT NULL,    -- bytes in the gated span
    alt_line      INTEGER,            -- else side (code that runs when the condition does not hold), NULL if none
    alt_col       INTEGER,
    alt_end_line  INTEGER,
    alt_end_col   INTEGER,
    alt_loc       INTEGER NOT NULL,   -- non-blank lines on the else side (0 if none)
    nesting       INTEGER NOT NULL,   -- number of enclosing gates (0: top level)
    parent_gate   INTEGER,            -- gate_no of the innermost enclosing gate, NULL at top level
    combinator    VARCHAR NOT NULL,   -- how several flag reads combine: and | or | mixed; '' for one read
    flag_count    INTEGER NOT NULL,   -- flag reads (and aliases of reads) in the condition
    condition     VARCHAR NOT NULL,   -- condition source text (<= 200 characters)
    function      VARCHAR NOT NULL,   -- enclosing function (Class.method) or '<module>'
    origin        VARCHAR NOT NULL    -- '' for plain files; 'source map: <map path>' for rebuilt sources
);

CREATE TABLE gate_reads (
    scan_id    INTEGER NOT NULL,
    path       VARCHAR NOT NULL,
    gate_no    INTEGER NOT NULL,      -- gates.gate_no
    read_line  INTEGER NOT NULL,      -- flag_reads.line of the read in (or aliased into) the condition
    read_col   INTEGER NOT NULL,      -- flag_reads.col
    key_expr   VARCHAR NOT NULL,      -- flag_reads.key_expr (the key as written)
    polarity   VARCHAR NOT NULL,      -- on: the gated span runs when the flag is on; off: when it is off
    via        VARCHAR NOT NULL,      -- local variable the read reaches the condition through ('' if direct)
    alias_line INTEGER                -- line of that variable's assignment
);

CREATE TABLE capabilities (
    scan_id       INTEGER NOT NULL,
    path          VARCHAR NOT NULL,
    cap_no        INTEGER NOT NULL,   -- ordinal of the registration in its file (from 1)
    kind          VARCHAR NOT NULL,   -- tool | command | option | route | setting
    name          VARCHAR NOT NULL,   -- read_file, mcp, /corgi (slash command), --debug, GET /health, experimental.voiceMode
    name_expr     VARCHAR NOT NULL,   -- the name as written (<= 200 characters)
    name_ref      VARCHAR[] NOT NULL, -- reference the name was resolved through (empty for a literal)
    resolved      BOOLEAN NOT NULL,   -- the name is a literal or a reference that resolved to a string
    framework     VARCHAR NOT NULL,   -- cli, commander, yargs, slash, registry, mcp, fastmcp, object, http,
                                      -- typer/click, argparse, fastapi/flask, settings
    hidden        BOOLEAN NOT NULL,   -- marked hidden from help / listings / schemas
    hidden_reason VARCHAR NOT NULL,   -- what hides it: 'hidden: true', 'describe: false', 'hideHelp()', 'help=SUPPRESS', ...
    description   VARCHAR,            -- description / help text when a literal (<= 200 characters)
    parent        VARCHAR,            -- command an option or subcommand belongs to, when known
    tags          VARCHAR[] NOT NULL, -- experimental, deprecated
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    end_line      INTEGER NOT NULL,
    end_col       INTEGER NOT NULL,
    function      VARCHAR NOT NULL,   -- enclosing function or '<module>'
    snippet       VARCHAR NOT NULL,   -- the line of code at the name (<= 200 characters)
    origin        VARCHAR NOT NULL
);

CREATE TABLE capability_gates (
    scan_id INTEGER NOT NULL,
    path    VARCHAR NOT NULL,
    cap_no  INTEGER NOT NULL,         -- capabilities.cap_no
    gate_no INTEGER NOT NULL,         -- gates.gate_no of a gate whose span holds the capability (every level)
    branch  VARCHAR NOT NULL          -- body (runs when the condition holds) | alternative (else side)
);

CREATE TABLE identifier_hits (
    scan_id    INTEGER NOT NULL,
    path       VARCHAR NOT NULL,
    identifier VARCHAR NOT NULL,      -- the manifest [internal] entry that matched, as written there
    match      VARCHAR NOT NULL,      -- the matched text (<= 120 characters)
    line       INTEGER NOT NULL,
    col        INTEGER NOT NULL,
    snippet    VARCHAR NOT NULL,
    origin     VARCHAR NOT NULL
);

-- Each flag read deciding a gate, with its resolved key (reads dropped by resolution drop out).
CREATE VIEW gate_flags AS
SELECT g.scan_id, g.path, g.gate_no, g.kind, g.line, g.end_line, g.body_line, g.body_end_line, g.gated_loc,
       g.nesting, g.combinator, g.origin,
       r.flag_key, r.provider, r.confidence, r.method,
       gr.polarity, gr.via, gr.read_line, gr.read_col
FROM gates g
JOIN gate_reads gr ON gr.scan_id = g.scan_id AND gr.path = g.path AND gr.gate_no = g.gate_no
JOIN flag_reads r ON r.scan_id = gr.scan_id AND r.path = gr.path AND r.line = gr.read_line AND r.col = gr.read_col
                 AND r.key_expr = gr.key_expr
WHERE r.resolved;

-- Each flag that decides whether a capability is reachable, with the polarity under which it is
-- (a capability on the else side of `if (flag)` is reachable with the flag off).
CREATE VIEW capability_flags AS
SELECT c.scan_id, c.path, c.cap_no, c.kind, c.name, c.hidden, c.origin, cg.gate_no, cg.branch,
       gf.flag_key, gf.provider, gf.kind AS gate_kind, gf.line AS gate_line,
       CASE WHEN cg.branch = 'alternative' THEN (CASE gf.polarity WHEN 'on' THEN 'off' ELSE 'on' END) ELSE gf.polarity END AS polarity
FROM capabilities c
JOIN capability_gates cg ON cg.scan_id = c.scan_id AND cg.path = c.path AND cg.cap_no = c.cap_no
JOIN gate_flags gf ON gf.scan_id = cg.scan_id AND gf.path = cg.path AND gf.gate_no = cg.gate_no;

-- One row per capability with the flags gating it ('key' when reachable with it on, '!key' with it off).
CREATE VIEW capability_inventory AS
SELECT c.*,
       coalesce((SELECT list(DISTINCT CASE WHEN f.polarity = 'on' THEN f.flag_key ELSE '!' || f.flag_key END
                            ORDER BY CASE WHEN f.polarity = 'on' THEN f.flag_key ELSE '!' || f.flag_key END)
                 FROM capability_flags f
                 WHERE f.scan_id = c.scan_id AND f.path = c.path AND f.cap_no = c.cap_no), []) AS gate_keys
FROM capabilities c;
