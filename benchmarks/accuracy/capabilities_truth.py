"""Independent truth of an agent CLI release's tools, slash commands, CLI commands and their flag
gates, built with regular expressions and brace matching (never tree-sitter), and the recall,
precision and gate-link accuracy of a scan against it.

Usage:
    python benchmarks/accuracy/capabilities_truth.py RELEASE.tgz SCAN.duckdb [--json]

RELEASE.tgz is read (never executed); its `.js/.mjs/.cjs/.ts/.tsx` files and the `sourcesContent`
of its source maps (third-party sources under `node_modules/` left out) are the text searched. Test
files (`*.test.*`, `__tests__/`, ...) are left out of the truth and of the scan's rows alike.

What the truth counts (tools by name; slash commands by full path, as a user types them and the
scan names them: `/mcp auth reset` compares as `mcp auth reset`, so `/plan copy` is not `/copy`;
CLI commands by leaf name: `mcp add` compares as `add`):
- tool: an object literal bound to a variable, assigned with a `name` member and a description
  (`description`/`prompt`) and a schema or handler member, whose variable, type or builder call
  names a tool (`const readFileTool: Tool = {…}`, `buildTool({…})`); a class extending or
  implementing a `…Tool` with a static `Name` (`class ReadFileTool extends BaseDeclarativeTool {
  static Name = READ_FILE_TOOL_NAME }`), the name resolved through string constants and object
  members anywhere in the release (a string constant: a declaration, or esbuild's lazy module init
  `var Ije; … Ije="fetch_docs"` when that is the identifier's only assignment in its file); MCP
  `server.tool('name', …)`. A minified object's name (`{name:Hme,…}`) counts with a description,
  a schema and a handler (`call`, `execute`, …, `callback`), or with a description and a schema
  when it resolves in its own file (`{name:Sr,description,parametersJsonSchema}`, `Sr="Bash"`), to
  a name a model can call that starts with a letter and ends with a word character (not `data:`); a name that is a minified variable's
  member (`{name:N.name}`, `N` short or lower-case) is a value at run time, not a constant. An
  object's variable is its declaration's, or in minified code the one it is assigned to after a
  comma (`var a=…,BkB={…}`).
- slash command: an object literal with a literal `name`, a description and an `action`,
  `subCommands` or slash `type` (`prompt`, `local`, `local-jsx`), or an element of an array bound to
  a `…SLASH_COMMANDS` variable. Its parent chain: the innermost slash object whose
  `subCommands: [...]` array holds it inline, or holds its variable (`subCommands: [listCommand]`,
  the variable resolved in the same file, else through the file's `import { listCommand } from
  './list'` by file name, else as the only slash object of that name).
- CLI command: `.command('name …')` (commander, yargs) and yargs modules `{ command: 'name …',
  describe | handler | builder }`.
- gate: every place the capability's variable is registered (an array, `push`/`splice`/`register…`
  argument; an inline subcommand is registered with the command holding it) and its definition sit
  under a condition (a spread `...(c ? [X] : [])`, the `if (c) {` / `} else {` blocks around it,
  found by brace matching); the condition reads a flag when it holds `process.env.X`,
  `feature('X')`, a settings getter `x.isPlanEnabled()` (the key is the method's name), or a
  variable assigned from one of those in the same file. A capability is gated when every
  registration is, its keys the union; the scan's rows of a name likewise (gated when all are). A
  slash command's `isEnabled: () => <flag read>` gates it too; a subcommand registered in its
  holder's `subCommands` takes the holder's gate along (it is reachable only through the holder).
  A function called in a condition (`isX()`) whose body is `return <read>` is followed one hop. A
  condition cut at its length limit (an `isEnabled` of 600 characters) loses the word it cut (no
  `CLAUDE_CODE_DISABLE_NONESSENTIAL_T`). Registrations are read within 2000 characters of the
  name (a minified bundle's lines run to megabytes).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

TEXT_EXT = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
TESTS = re.compile(r"(?:^|/)(?:__tests__|__mocks__|tests?|e2e|fixtures?|test-helpers|test-fixtures)/|\.(?:test|spec|stories)\.[cm]?[jt]sx?$")
STR = r"""(?P<q>["'`])((?:(?!(?P=q))[^\\\n]|\\.){1,200})(?P=q)"""
LIT = r"""(?:"[^"\n]{1,200}"|'[^'\n]{1,200}'|`[^`\n$]{1,200}`)"""


def read_release(path: Path) -> dict[str, str]:
    """Path → text of every script file of the release and of every first-party map source."""
    files: dict[str, str] = {}
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            name = m.name.split("/", 1)[1] if "/" in m.name else m.name
            if name.endswith(TEXT_EXT) and "node_modules/" not in name:
                files[name] = tar.extractfile(m).read().decode("utf-8", "replace")
            elif name.endswith(".map"):
                try:
                    data = json.loads(tar.extractfile(m).read())
                except ValueError:
                    continue
                for src, content in zip(data.get("sources") or [], data.get("sourcesContent") or []):
                    if content and "node_modules" not in src and src.endswith(TEXT_EXT):
                        clean = re.sub(r"^(?:webpack://[^/]*/|(?:\.\./)+|\./)", "", src)
                        files["map:" + clean] = content
    seen: set[int] = set()
    unique = {}
    for k, v in sorted(files.items()):  # bundles ship the same chunk under several names
        h = hash(v)
        if h not in seen:
            seen.add(h)
            unique[k] = v
    return unique


# -- object literals by brace matching --------------------------------------------------------------

def _skip_string(text: str, i: int) -> int:
    q = text[i]
    i += 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == q:
            return i + 1
        if c == "\n" and q != "`":
            return i + 1
        i += 1
    return n


def enclosing_open(text: str, pos: int, limit: int = 20000) -> int:
    """Index of the `{` of the object literal holding `pos` (naive backward scan), or -1."""
    depth = 0
    i = pos
    lo = max(0, pos - limit)
    while i > lo:
        i -= 1
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                return i
            depth -= 1
    return -1


def _matching(text: str, start: int, opening: str, closing: str, limit: int) -> int:
    """Index of the `closing` character that closes the `opening` one at `start` (strings skipped), or -1."""
    depth = 0
    i = start
    n = min(len(text), start + limit)
    while i < n:
        c = text[i]
        if c in "\"'`":
            i = _skip_string(text, i)
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def matching_close(text: str, start: int, limit: int = 60000) -> int:
    return _matching(text, start, "{", "}", limit)


def matching_bracket(text: str, start: int, limit: int = 200000) -> int:
    return _matching(text, start, "[", "]", limit)


def top_level(body: str) -> str:
    """An object's text with nested braces, brackets and parentheses blanked out: its own members."""
    out = []
    depth = 0
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c in "\"'`" and depth == 0:
            j = _skip_string(body, i)
            out.append(body[i:j])
            i = j
            continue
        if c in "\"'`":
            i = _skip_string(body, i)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def keys_of(top: str) -> set[str]:
    top = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`', '""', top)  # words in strings are not members
    return set(re.findall(r"(?:^|[,{\s])(?:async(?:\s+|\s*\*\s*)|get\s+|\*\s*)*([A-Za-z_$][\w$]*)\s*(?=[:(,}\n]|$)", top))


def holder_binding(text: str, open_pos: int, levels: int = 4) -> re.Match | None:
    """The variable of the object literal holding the one at `open_pos` through a `subCommands`
    array (`const planCommand = { …, subCommands: [{ name: 'copy' }] }` → planCommand), or None."""
    if not re.search(r"subCommands\s*:\s*\[[^\]]*$", text[max(0, open_pos - 2000):open_pos]):
        return None
    o = open_pos
    for _ in range(levels):
        o = enclosing_open(text, o, 20000)
        if o < 0:
            return None
        m = re.search(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[^=]{1,80})?=\s*$", context_before(text, o))
        if m:
            return m
    return None


def in_comment(text: str, pos: int) -> bool:
    """`pos` is on a line that is a comment (`// …`, a block comment's `* …` line): a line-based check."""
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    return bool(re.match(r"\s*(?://|/?\*)", line))


def context_before(text: str, open_pos: int) -> str:
    """The 200 characters before an object literal's `{` (its variable, type, builder call)."""
    return text[max(0, open_pos - 200):open_pos]


# -- constants ---------------------------------------------------------------------------------

FILE_CONSTS: dict[str, dict[str, str]] = {}
"""File → the constants a minifier declared or assigned once in it (`var I7="Bash",cZ="Read"`, `Ije="x"`)."""


def constants(files: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, text in files.items():
        local = FILE_CONSTS.setdefault(path, {})
        for kw in ("const", "let", "var"):  # one expression each: `re` skips to a leading literal fast
            for m in re.finditer(kw + r"\s+([A-Za-z_$][\w$]*)\s*(?::\s*[\w.]+)?\s*=\s*(" + LIT + r")\s*[;,\n]", text):
                out.setdefault(m.group(1), m.group(2)[1:-1])
        # minified declarations share one `var`: `var I7="Bash",cZ="Read";`
        for m in re.finditer(r"\b(?:var|let|const) ([^;\n]{0,4000}?;)", text):
            for d in re.finditer(r"(?:^|,)\s*([A-Za-z_$][\w$]*)=(" + LIT + r")(?=[,;])", m.group(1)):
                out.setdefault(d.group(1), d.group(2)[1:-1])
                local.setdefault(d.group(1), d.group(2)[1:-1])
        # esbuild's lazy module init: `var Ije; … Ije="fetch_docs"`, the identifier's only assignment in the file
        assigned = defaultdict(int)
        for m in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=(?![=>])", text):
            assigned[m.group(1)] += 1
        for m in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*=\s*(" + LIT + r")\s*(?=[,;)}\n])", text):
            if assigned[m.group(1)] == 1:
                out.setdefault(m.group(1), m.group(2)[1:-1])
                local.setdefault(m.group(1), m.group(2)[1:-1])
        for m in re.finditer(r"=\s*\{", text):
            head = re.search(r"([A-Z][\w$]*)\s*$", text[max(0, m.start() - 80):m.start()])
            if head is None:
                continue
            close = matching_close(text, m.end() - 1, 20000)
            if close < 0:
                continue
            body = text[m.end():close]
            for k in re.finditer(r"(?:^|[,{\s])([A-Za-z_$][\w$]*)\s*:\s*" + STR, body):
                out.setdefault(f"{head.group(1)}.{k.group(1)}", k.group(3))
    return out


def resolve(expr: str, consts: dict[str, str]) -> str | None:
    expr = expr.strip().rstrip(";")
    m = re.fullmatch(STR, expr)
    if m:
        return m.group(2)
    return consts.get(expr)


# -- truth -----------------------------------------------------------------------------------------

TOOL_MEMBERS = {"parameters", "inputSchema", "input_schema", "run", "execute", "call", "handler", "invoke", "func"}
SLASH_TYPES = {"prompt", "local", "local-jsx"}
SCHEMAS = {"inputSchema", "input_schema", "parametersJsonSchema"}
HANDLERS = {"call", "execute", "handler", "run", "invoke", "func", "callback"}


class Truth:
    def __init__(self) -> None:
        self.tools: dict[str, set[str]] = defaultdict(set)      # name → bindings
        self.slash: dict[str, set[str]] = defaultdict(set)
        self.cli: set[str] = set()
        self.enabled: dict[str, set[str]] = defaultdict(set)  # slash name → keys its `isEnabled` reads
        self.classes: dict[str, set[str]] = defaultdict(set)  # tool name → its tool classes
        self.where: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)  # (class, name) → [(file, offset)]
        self.slash_objs: list[SlashObj] = []  # every slash command object, before its full path is known
        self.sub_spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)  # file → (start, end, holder's full path) of each `subCommands: [...]`


class SlashObj:
    """A slash command object literal: `subs` are the spans of its own `subCommands: [...]` arrays,
    `children` the variables those arrays hold (`subCommands: [listCommand]`)."""

    def __init__(self, path: str, o: int, c: int, name: str, binding: str, enabled: set[str], subs: list[tuple[int, int]],
                 children: list[str]) -> None:
        self.path, self.o, self.c, self.name, self.binding = path, o, c, name, binding
        self.enabled, self.subs, self.children = enabled, subs, children
        self.parents: list[SlashObj] = []


PLAUSIBLE = re.compile(r"^[\w .:/@-]{1,80}$")
TOOL_NAME = re.compile(r"^(?=[A-Za-z_])[\w.:/-]{0,127}\w$")  # starts with a letter, ends with a word character: not `.json`, `data:`


def build_truth(files: dict[str, str]) -> Truth:
    consts = constants(files)
    t = Truth()
    for path, text in files.items():
        if TESTS.search(path.removeprefix("map:")):
            continue
        seen_objects: set[int] = set()
        arrays = []
        for am in re.finditer(r"(?:const|let|var)\s+[\w$]*SLASH_?COMMANDS[\w$]*\s*(?::[^=]{1,80})?=\s*\[", text, re.I):
            arrays.append((am.end(), matching_bracket(text, am.end() - 1)))

        def in_slash_array(pos: int) -> bool:
            return any(a <= pos < b for a, b in arrays)

        for m in re.finditer(r"name\s*:\s*(" + LIT + r"|[A-Za-z_$][\w$]*(?:\.[\w$]+)?)\s*[,}\n]", text):
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_$."):
                continue
            o = enclosing_open(text, m.start(), 4000)
            if o < 0 or o in seen_objects:
                continue
            seen_objects.add(o)
            c = matching_close(text, o)
            if c < 0:
                continue
            top = top_level(text[o + 1:c])
            if not re.search(r"(?:^|[,\s])name\s*:", top):
                continue  # `name:` of a nested object
            keys = keys_of(top)
            before = context_before(text, o)
            nm = re.search(r"(?:^|[,{\s])name\s*:\s*(" + LIT + r"|[A-Za-z_$][\w$.]*)\s*(?=[,}\n]|$)", top)
            local = FILE_CONSTS.get(path, {}).get(nm.group(1)) if nm else None
            name = local or (resolve(nm.group(1), consts) if nm else None)
            if not name or not PLAUSIBLE.match(name):
                continue
            # a short or lower-case identifier resolves through any file's constants: trusted only
            # for a minified tool with a schema and a handler (`{name:cZ,…,inputSchema,call}`)
            # (`N.name` of a minified one-letter variable is a value at run time, whatever `N = {name: …}` says)
            head = nm.group(1).split(".")[0]
            weak = nm.group(1)[0] not in "\"'`" and (head[0].islower() or len(head) < 3)
            tmatch = re.search(r"type\s*:\s*" + STR, top)
            slash_type = tmatch is not None and tmatch.group(2) in SLASH_TYPES
            binding = re.search(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[^=]{1,80})?=\s*(?:[\w$.]+\(\s*)?$", before) \
                or re.search(r"[,;]([A-Za-z_$][\w$]*)=(?:[\w$.]+\()?$", before)  # minified: `var a=…,BkB={…}`
            ctx = before[-120:]
            if re.search(r"function\s*:\s*$", before):  # `{ type: 'function', function: { name, … } }` (function calling)
                outer = enclosing_open(text, o, 4000)
                oc = matching_close(text, outer) if outer >= 0 else -1
                if oc > 0 and re.search(r"(?:^|[,\s])type\s*:\s*[\"'`]function[\"'`]", top_level(text[outer + 1:oc])):
                    ctx = "tool"
                    binding = binding or re.search(r"(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::\s*[^=]{1,80})?=\s*$",
                                                   context_before(text, outer))
            described = "description" in keys or "prompt" in keys
            code_action = "action" in keys and not re.search(r"action\s*:\s*[\"'`]", top)
            if weak and not (described and keys & SCHEMAS and (keys & HANDLERS or local)):
                continue
            if described and not weak and (code_action or "subCommands" in keys or slash_type or in_slash_array(o)):
                en = re.search(r"(?:^|[,{\s])isEnabled\s*:\s*\(\s*\)\s*=>\s*([^,\n]{1,600})", text[o:c]) \
                    or re.search(r"(?:^|[,{\s])isEnabled\s*\(\s*\)\s*\{\s*return\s*([^;}\n]{1,600})", text[o:c])
                enabled = flag_keys(whole_words(en.group(1), 600), text) if en else set()
                if binding is None:  # an inline subcommand (`subCommands: [{ … }]`): registered with its holder
                    binding = holder_binding(text, o)
                subs, children = subcommand_arrays(text, o, c) if "subCommands" in keys else ([], [])
                t.slash_objs.append(SlashObj(path, o, c, name, binding.group(1) if binding else "", enabled, subs, children))
            elif (("inputSchema" in keys or (described and keys & TOOL_MEMBERS)) and re.search(r"tool", ctx, re.I)) \
                    or (described and keys & SCHEMAS and (keys & HANDLERS or (weak and local))):  # a minified bundle's `{name:cZ,…,inputSchema,call}`
                if TOOL_NAME.match(name):  # model APIs take `[A-Za-z0-9_-]` function names: not `Mac OS X`
                    t.tools[name].add(binding.group(1) if binding else "")
                    t.where[("tool", name)].append((path, o))
        for m in re.finditer(r"class(?:\s+([A-Za-z_$][\w$]*))?\s+(?:extends|implements)\s+([\w$.]+)[^{]{0,200}\{", text):
            cname = m.group(1)
            head = re.search(r"([A-Za-z_$][\w$]*)\s*=\s*$", text[max(0, m.start() - 80):m.start()])
            if head:  # `var X = class extends …`, esbuild's `var X = class _X extends …`: X is what is registered
                cname = head.group(1)
            cname = cname or ""
            if not cname:
                continue
            if not (re.search(r"Tool$", cname) or re.search(r"Tool$", m.group(2))) or re.match(r"_?(?:Base|Abstract)", cname):
                continue
            close = matching_close(text, m.end() - 1, 200000)
            body = text[m.end():close] if close > 0 else ""
            sn = re.search(r"static\s+(?:readonly\s+)?Name\s*(?::\s*\w+)?\s*=\s*([^;\n]{1,120})", body)
            if sn is None and re.search(r"Tool$", m.group(2)):  # no static Name: `constructor(…) { super(NAME_CONST, …) }`
                sn = re.search(r"\bconstructor\s*\([^)]*\)\s*\{[^{}]*?\bsuper\(\s*([A-Z][\w$.]*|" + LIT + r")\s*[,)]", body)
            if sn is None:
                continue
            name = resolve(sn.group(1), consts)
            if name and PLAUSIBLE.match(name):
                t.tools[name].add(cname)
                t.classes[name].add(cname)
                t.where[("tool", name)].append((path, m.start()))
        for m in re.finditer(r"\.(?:tool|registerTool)\(\s*" + STR + r"\s*,", text):  # MCP servers
            t.tools[m.group(2)].add("")
        for m in re.finditer(r"new\s+Command\(\s*" + STR, text):  # commander sub-programs: `new Command('mcp')`
            word = m.group(2).split()[0] if m.group(2).split() else ""
            if word and not in_comment(text, m.start()):
                t.cli.add(word)
        for m in re.finditer(r"\.command\(\s*" + STR, text):
            if in_comment(text, m.start()):
                continue  # `* bot.command('help', ctx => …)` in a library's doc comment
            word = m.group(2).split()[0] if m.group(2).split() else ""
            if word and not word.startswith(("$0", "<", "[", "*")) and "${" not in word:
                t.cli.add(word)
        for m in re.finditer(r"(?<![\w$.])command\s*:\s*" + STR, text):
            o = enclosing_open(text, m.start())
            c = matching_close(text, o) if o >= 0 else -1
            if c < 0:
                continue
            keys = keys_of(top_level(text[o + 1:c]))
            word = m.group(2).split()[0] if m.group(2).split() else ""
            if word.startswith("/") and len(word) > 1 and keys & {"description", "describe"}:
                t.slash[word.lstrip("/")].add("")  # `{ command: '/help', description }`: a slash command's entry
            elif keys & {"describe", "handler", "builder"} and word and not word.startswith(("$0", "<", "[", "*")):
                t.cli.add(word)
    nest_slash(files, t)
    return t


_NOT_IDENT = {"true", "false", "null", "undefined", "void", "new", "typeof", "await"}


def subcommand_arrays(text: str, o: int, c: int) -> tuple[list[tuple[int, int]], list[str]]:
    """The spans of the object at `o`'s own `subCommands: [...]` arrays and the variables they hold
    (`subCommands: [listCommand, ...(c ? [x] : [])]` → listCommand, x; inline objects left out); an
    array assigned on the way (`subCommands: Ocs = [...]`) or held by a variable of the same file
    (`subCommands: $cs`, `$cs = [...]`) is the holder's array."""
    spans, children = [], []
    for m in re.finditer(r"(?<![\w$.])subCommands\s*:\s*(?:([A-Za-z_$][\w$]*)\s*(=\s*\[|[,}\n])|\[)", text[o + 1:c]):
        if enclosing_open(text, o + 1 + m.start(), 20000) != o:
            continue  # a nested object's member
        if m.group(1) and not m.group(2).startswith("="):
            # `subCommands: $cs` with `$cs = [{ name: 'add', … }]` in the same file
            am = re.search(r"(?<![\w$.])" + re.escape(m.group(1)) + r"\s*=\s*\[", text)
            if am is None:
                children.append(m.group(1))
                continue
            a = am.end() - 1
            b = matching_bracket(text, a)
        else:  # `subCommands: [ … ]`, `subCommands: Ocs = [ … ]`
            a = o + 1 + m.end() - 1
            b = matching_bracket(text, a, c - a + 1)
        if b < 0:
            continue
        spans.append((a, b))
        body = blank_braces(text[a + 1:b])
        for im in re.finditer(r"(?<![\w$.])([A-Za-z_$][\w$]*)(?=\s*(?:[,\])]|$))", body):
            if im.group(1) not in _NOT_IDENT:
                children.append(im.group(1))
    return spans, children


def blank_braces(body: str) -> str:
    """`body` with the contents of its `{…}` blocks (inline objects, function bodies) blanked."""
    out, depth, i, n = [], 0, 0, len(body)
    while i < n:
        ch = body[i]
        if ch in "\"'`":
            j = _skip_string(body, i)
            if depth == 0:
                out.append(body[i:j])
            i = j
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
        i += 1
    return "".join(out)


def _import_source(text: str, ident: str) -> str | None:
    """The module an `import { ident } from '…'` (or `ident = require('…')`) takes `ident` from."""
    m = re.search(r"import\s*\{[^}]*(?<![\w$])" + re.escape(ident) + r"(?![\w$])[^}]*\}\s*from\s*[\"']([^\"']+)[\"']", text) \
        or re.search(r"(?<![\w$.])" + re.escape(ident) + r"\s*=\s*require\(\s*[\"']([^\"']+)[\"']", text)
    return m.group(1) if m else None


def nest_slash(files: dict[str, str], t: Truth) -> None:
    """Name each slash command by its full path, as a user types it (`mcp auth reset`): an object
    inside another's `subCommands: [...]` array (the innermost one) is its child, and so is a
    variable that array holds (`subCommands: [listCommand]`), resolved in the same file first,
    then through the file's `import { listCommand } from './list'` (the module's file name), then
    as the only slash object bound to that name. Fills `slash`, `enabled`, `where`, `sub_spans`."""
    objs = t.slash_objs
    by_binding: dict[str, list[SlashObj]] = defaultdict(list)
    for ob in objs:
        if ob.binding:
            by_binding[ob.binding].append(ob)
    by_file: dict[str, list[SlashObj]] = defaultdict(list)
    for ob in objs:
        by_file[ob.path].append(ob)
    for path, obs in by_file.items():
        holders = [(a, b, h) for h in obs for a, b in h.subs]
        for ob in obs:
            inner = [(b - a, h) for a, b, h in holders if a < ob.o < b]
            if inner:
                ob.parents.append(min(inner, key=lambda x: x[0])[1])
    for h in objs:
        for ident in h.children:
            cands = [x for x in by_binding.get(ident, ()) if x.path == h.path]
            if not cands:
                src = _import_source(files[h.path], ident)
                if src:
                    stem = src.rstrip("/").rsplit("/", 1)[-1]
                    stem = re.sub(r"\.[cm]?[jt]sx?$", "", stem)
                    cands = [x for x in by_binding.get(ident, ())
                             if re.sub(r"\.[cm]?[jt]sx?$", "", x.path.rsplit("/", 1)[-1]) in (stem, "index")]
            if not cands and len(by_binding.get(ident, ())) == 1:
                cands = by_binding[ident]
            for x in cands:
                if x is not h and h not in x.parents:
                    x.parents.append(h)

    def full(ob: SlashObj, seen: frozenset = frozenset()) -> set[str]:
        if not ob.parents or id(ob) in seen:
            return {ob.name}
        return {f"{p} {ob.name}" for h in ob.parents for p in full(h, seen | {id(ob)})}

    for ob in objs:
        names = full(ob)
        for n in names:
            t.slash[n].add(ob.binding)
            t.where[("slash", n)].append((ob.path, ob.o))
            if ob.enabled:
                t.enabled[n] |= ob.enabled
        for a, b in ob.subs:
            for n in names:
                t.sub_spans[ob.path].append((a, b, n))


# -- gates -------------------------------------------------------------------------------------------

FLAG_READ = re.compile(r"""process\.env(?:\.([A-Za-z_][\w]*)|\[\s*["']([A-Za-z_][\w]*)["']\s*\])|(?<![\w$.])feature\(\s*["']([^"']+)["']""")
CONFIG_GETTER = re.compile(r"""\.(is[A-Z][A-Za-z0-9]*Enabled|getEnable[A-Z][A-Za-z0-9]*|getUse[A-Z][A-Za-z0-9]*|getExperimental[A-Z][A-Za-z0-9]*)\(\s*\)""")
"""Settings getters (`config.isPlanEnabled()`, `getUseRipgrep()`): the key is the method name. What
counts as a settings accessor is the settings pack's definition (queries/ecma/settings.scm), so
that truth and scan measure the same notion of a flag; `getManagedAutoMemoryEnabled()` is not one."""


def flag_keys(cond: str, text: str) -> set[str]:
    keys = {a or b or c for a, b, c in FLAG_READ.findall(cond)} | set(CONFIG_GETTER.findall(cond))
    for ident in set(re.findall(r"(?<![\w$.])([A-Za-z_$][\w$]*)", cond)):
        m = re.search(r"(?:const|let|var)\s+" + re.escape(ident) + r"\s*=\s*([^;\n]{1,200})", text)
        if m:
            keys |= {a or b or c for a, b, c in FLAG_READ.findall(whole_words(m.group(1), 200))}
        if re.search(r"(?<![\w$.])" + re.escape(ident) + r"\s*\(\s*\)", cond):  # `isX()`: a function returning a read
            f = re.search(r"function\s+" + re.escape(ident) + r"\s*\(\s*\)\s*\{\s*return\s*([^;{}]{1,200})[;}]", text)
            if f:
                keys |= {a or b or c for a, b, c in FLAG_READ.findall(f.group(1))}
    return keys


def whole_words(capture: str, limit: int) -> str:
    """A capture cut at `limit` characters without the word it cut (`process.env.DISABLE_NONESSENTIAL_T`)."""
    return re.sub(r"[\w$]+$", "", capture) if len(capture) >= limit else capture


def block_conditions(text: str, pos: int, levels: int = 8) -> list[str]:
    """Conditions of the `if (…) {` / `} else {` blocks around `pos`, innermost first, found by brace
    matching backwards (up to `levels` enclosing blocks)."""
    out = []
    p = pos
    for _ in range(levels):
        o = enclosing_open(text, p, 40000)
        if o < 0:
            break
        before = text[max(0, o - 400):o]
        cond = _if_condition(before)
        if cond is None and re.search(r"\}\s*else\s*$", before):  # `} else {`: the if's condition
            close = text.rfind("}", 0, o)
            opening = enclosing_open(text, close, 40000) if close >= 0 else -1
            cond = _if_condition(text[max(0, opening - 400):opening]) if opening >= 0 else None
        if cond is not None:
            out.append(cond)
        p = o
    return out


def _if_condition(before: str) -> str | None:
    """The condition of `if (cond)` ending `before` (balanced parentheses), or None."""
    t = before.rstrip()
    if not t.endswith(")"):
        return None
    depth = 0
    for i in range(len(t) - 1, -1, -1):
        if t[i] == ")":
            depth += 1
        elif t[i] == "(":
            depth -= 1
            if depth == 0:
                return t[i + 1:-1] if re.search(r"(?<![\w$.])if\s*$", t[:i]) else None
    return None


def registration_conditions(files: dict[str, str], binding: str, sub_spans=None, holder_gate=None) -> list[set[str] | None]:
    """For each place `binding` is registered: the flag keys of the condition around it (None: no
    condition reading a flag). A registration in a slash command's `subCommands: [...]` (a span of
    `sub_spans`) adds the holder's gate (`holder_gate(full path)`): a subcommand is reachable only
    through its holder."""
    out: list[set[str] | None] = []
    rx = re.compile(re.escape(binding) + r"(?![\w$])")  # the look-behind is checked by hand: a leading literal is fast
    for path, text in files.items():
        if TESTS.search(path.removeprefix("map:")) or binding not in text:
            continue
        for m in rx.finditer(text):
            if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_$."):
                continue
            # the line, at most 2000 characters either side (a minified bundle is a few lines of megabytes)
            line_start = max(text.rfind("\n", 0, m.start()) + 1, m.start() - 2000)
            line_end = text.find("\n", m.end(), m.end() + 2000)
            line_end = line_end if line_end > 0 else min(len(text), m.end() + 2000)
            # the statement, for `import`/`export {`: from the `;` before to the `;` after
            stmt_start = max(text.rfind(";", line_start, m.start()) + 1, line_start)
            stmt_end = text.find(";", m.end(), line_end)
            line = text[stmt_start:stmt_end if stmt_end > 0 else line_end]
            before = text[line_start:m.start()]
            after = text[m.end():m.end() + 3]
            registry = re.search(r"(?:\[|,|\(\s*)\s*(?:new\s+)?$", before) and re.match(r"\s*[\],)\n(]", after)
            call = re.search(r"\.(?:push|unshift|splice|register\w*|add\w*|set)\(\s*(?:[^,()]{0,80},\s*){0,2}(?:new\s+)?$", before)
            if not (registry or call):
                continue
            if re.search(r"\bimport\b|\bexport\s*\{", line):
                continue
            spread = re.search(r"\.\.\.\s*\(?\s*(.{1,200}?)\s*\?\s*\[[^\]]*$", before)
            conds = []
            if spread:
                conds.append(spread.group(1))
            else:
                # an `if (…)` on this line or up to 3 lines above with an opening brace
                window = text[max(0, line_start - 400):m.start()]
                ifs = list(re.finditer(r"if\s*\((.{1,200}?)\)\s*\{?[^{}]*$", window))
                if ifs:
                    conds.append(ifs[-1].group(1))
            conds.extend(block_conditions(text, m.start()))
            keys = set().union(*(flag_keys(c, text) for c in conds)) if conds else set()
            if sub_spans and holder_gate:
                holders = [(b - a, h) for a, b, h in sub_spans.get(path, ()) if a < m.start() < b]
                if holders:
                    keys |= holder_gate(min(holders)[1]) or set()
            out.append(keys or None)
        out.extend(bundle_load_conditions(text, binding))
    return out


_EXPORTS: dict[int, list[tuple[str, str]]] = {}  # id(file text) → its esbuild `__export(x_exports, {…})` calls


class _Group(tuple):
    def group(self, i: int) -> str:
        return self[i - 1]


def bundle_load_conditions(text: str, binding: str) -> list[set[str] | None]:
    """esbuild loads of the bundle module exporting `binding` (`__export(x_exports, { X: () => X })`):
    `(init_x(), __toCommonJS(x_exports))` / `(init_x(), x_exports)`, each with the flag keys of the
    `if` blocks or the ternary around it (None: no condition reading a flag)."""
    out: list[set[str] | None] = []
    if "__export(" not in text or binding not in text:
        return out
    member = re.compile(r"(?<![\w$])[\w$]+\s*:\s*\(\)\s*=>\s*" + re.escape(binding) + r"(?![\w$])")
    key = id(text)
    if key not in _EXPORTS:
        _EXPORTS[key] = [(em.group(1), em.group(2)) for em in
                         re.finditer(r"__export\(\s*([\w$]+_exports)\s*,\s*\{([^}]{0,20000})\}", text)]
    for em in _EXPORTS[key]:
        if binding not in em[1] or not member.search(em[1]):
            continue
        em = _Group(em)
        for lm in re.finditer(r"(?:__toCommonJS\(\s*|init_[\w$]+\(\)\s*,\s*)" + re.escape(em.group(1)) + r"(?![\w$])", text):
            line_start = max(text.rfind("\n", 0, lm.start()) + 1, lm.start() - 2000)
            conds = block_conditions(text, lm.start())
            ternary = re.search(r"(?:=|return|\()\s*([^=;?]{1,200}?)\s*\?\s*\(?\s*$", text[line_start:lm.start()].split("(init_")[0])
            if ternary:
                conds.append(ternary.group(1))
            keys = set().union(*(flag_keys(c, text) for c in conds)) if conds else set()
            out.append(keys or None)
    return out


def gated_truth(files: dict[str, str], t: Truth) -> dict[tuple[str, str], set[str]]:
    """(class, name) → flag keys of each gated tool and slash command (a slash command by its full
    path; a subcommand registered in its holder's `subCommands` takes the holder's gate along)."""
    memo: dict[tuple[str, str], set[str] | None] = {}

    def gate(cls: str, name: str) -> set[str] | None:
        if (cls, name) in memo:
            return memo[(cls, name)]
        memo[(cls, name)] = None  # a cycle: ungated
        table = t.tools if cls == "tool" else t.slash
        bindings = table.get(name, set())
        conds: list[set[str] | None] = []
        # a tool class is what a registry holds (`new X()`); its declaration object (`{ name,
        # description, parametersJsonSchema }`) is passed to the class, not registered
        for b in (t.classes.get(name) if cls == "tool" and t.classes.get(name) else bindings) - {""}:
            if cls == "slash":
                conds.extend(registration_conditions(files, b, t.sub_spans, lambda h: gate("slash", h)))
            else:
                conds.extend(registration_conditions(files, b))
        for path, off in t.where.get((cls, name), ()):
            text = files[path]
            before = text[max(0, off - 300):off]
            spread = re.search(r"\.\.\.\s*\(?\s*([^?\n]{1,200}?)\s*\?\s*\[\s*$", before)
            around = ([spread.group(1)] if spread else []) + block_conditions(text, off)
            keys = set().union(*(flag_keys(c, text) for c in around)) if around else set()
            if keys:
                conds.append(keys)
        enabled = t.enabled.get(name, set()) if cls == "slash" else set()
        if conds and all(c for c in conds):
            result = set().union(*conds) | enabled
        elif enabled:  # `isEnabled: () => !process.env.DISABLE_X`
            result = enabled
        else:
            result = None
        memo[(cls, name)] = result
        return result

    out: dict[tuple[str, str], set[str]] = {}
    for cls, table in (("tool", t.tools), ("slash", t.slash)):
        for name in table:
            g = gate(cls, name)
            if g:
                out[(cls, name)] = g
    return out


# -- comparison ---------------------------------------------------------------------------------------

def scan_rows(db: Path) -> list[tuple]:
    import duckdb

    conn = duckdb.connect(str(db), read_only=True)
    try:
        sid = conn.execute("SELECT max(scan_id) FROM scans").fetchone()[0]
        return conn.execute("SELECT kind, framework, name, path, gate_keys FROM capability_inventory WHERE scan_id = ? "
                            "AND kind IN ('tool', 'command')", [sid]).fetchall()
    finally:
        conn.close()


def measure(t: Truth, gated: dict[tuple[str, str], set[str]], rows: list[tuple]) -> dict:
    """Recall, precision and gate-link accuracy per class. Names built at run time (a template
    string with `${…}`) are left out on both sides: neither can name them."""
    found: dict[str, dict[str, set[str]]] = {"tool": defaultdict(set), "slash": defaultdict(set), "cli": defaultdict(set)}
    ungated: dict[str, set[str]] = defaultdict(set)
    by_full: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for kind, framework, name, path, gate_keys in rows:
        if TESTS.search(path) or "${" in name:
            continue
        if kind == "tool":
            cls, leaf = "tool", name
        elif framework == "slash":
            cls, leaf = "slash", name.lstrip("/")  # the full path: `/plan copy` is not `/copy`
        else:
            cls, leaf = "cli", name.split(" ")[-1]
        by_full[(cls, leaf, name)].update(k.lstrip("!") for k in gate_keys)  # a capability's rows: the union
    for (cls, leaf, _), keys in by_full.items():
        found[cls][leaf].update(keys)
        if not keys:
            ungated[cls].add(leaf)
    for cls, leaves in ungated.items():  # capabilities sharing a leaf name (`/mcp list`, `/skills list`):
        for leaf in leaves:              # gated when every one is, as in the truth
            found[cls][leaf] = set()
    truth_sets = {"tool": set(t.tools), "slash": set(t.slash), "cli": set(t.cli)}
    report = {}
    for cls in ("tool", "slash", "cli"):
        truth, got = truth_sets[cls], set(found[cls])
        tp = truth & got
        g_truth = {n: k for (c, n), k in gated.items() if c == cls}
        linked = {n for n, k in g_truth.items() if found[cls].get(n) == k}
        falsely_gated = sorted(n for n in tp if found[cls].get(n) and n not in g_truth)
        report[cls] = {
            "truth": len(truth), "found": len(got), "true_positives": len(tp),
            "recall": round(len(tp) / len(truth), 3) if truth else None,
            "precision": round(len(tp) / len(got), 3) if got else None,
            "missed": sorted(truth - got), "extra": sorted(got - truth),
            "gated_truth": {n: sorted(k) for n, k in sorted(g_truth.items())},
            "gated_linked": len(linked),
            "gate_link_accuracy": round(len(linked) / len(g_truth), 3) if g_truth else None,
            "wrong_links": {n: sorted(found[cls].get(n, ())) for n in sorted(set(g_truth) - linked)},
            "gated_but_not_in_truth": falsely_gated,
        }
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("release", type=Path)
    ap.add_argument("db", type=Path, nargs="+", help="scan databases to compare (the newest scan of each)")
    ap.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = ap.parse_args(argv)
    files = read_release(args.release)
    t = build_truth(files)
    gated = gated_truth(files, t)
    reports = {str(db): measure(t, gated, scan_rows(db)) for db in args.db}
    if args.json:
        print(json.dumps(reports, indent=2))
        return 0
    for db, report in reports.items():
        print(f"== {db}")
        _print(report)
    return 0


def _print(report: dict) -> None:
    for cls, r in report.items():
        print(f"{cls:6} truth {r['truth']:4} found {r['found']:4} recall {r['recall']} precision {r['precision']} "
              f"gated {len(r['gated_truth'])} linked {r['gated_linked']} ({r['gate_link_accuracy']})")
        print(f"       missed {r['missed'][:25]}")
        print(f"       extra  {r['extra'][:25]}")
        if r["wrong_links"]:
            print(f"       wrong links {r['wrong_links']}")
        if r["gated_but_not_in_truth"]:
            print(f"       gated but not in truth {r['gated_but_not_in_truth'][:15]}")


if __name__ == "__main__":
    sys.exit(main())
