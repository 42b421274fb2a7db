"""Independent truth of a Python agent CLI release's tools and commands, built with Python's own `ast`
module (never tree-sitter, never the auditor's extractor), and the recall and precision of a scan
against it.

Usage:
    python benchmarks/accuracy/py_capabilities_truth.py RELEASE.whl SCAN.duckdb [--json]

RELEASE is a wheel (`.whl`), an sdist (`.tar.gz`, its top folder stripped) or a directory. Its `.py`
files are parsed with `ast.parse` (never executed or imported); tests (`tests/`, `test/`,
`test_*.py`, `*_test.py`, `conftest.py`) are left out of the truth and of the scan's rows alike.

A name is a string literal, or an expression resolved through string constants: a module- or
class-level `X = "s"` (`NAME`, `Class.ATTR`, an enum member and its `.value`), the file's own first,
else the release's if only one value has that name; f-strings and `+` of such parts.

What the truth counts:
- tool: a function decorated with `@tool`, `@tool("name", …)`, `@<x>.tool(…)` (FastMCP, pydantic-ai),
  `@<x>.tool_plain`, `@function_tool`, `@<x>.function_tool` or a name imported from `tool` /
  `function_tool` under another name (`from claude_agent_sdk import tool as sdk_tool`); its name is
  the first string argument or `name=`, else the function's name. A call `Tool(…)` (MCP),
  `ToolSpec(…)` or `ToolDef(…)` with a resolvable `name=` and a description (`description=` /
  `desc=`); `<Something>Tool(…)` or `<x>.from_function(…)` with those and a schema or handler
  (`inputSchema`, `parameters`, `execute`, `func`, … keywords, or a function passed positionally).
  A dict literal with a literal `"name"`, a `"description"` and a JSON schema under
  `"inputSchema"` / `"input_schema"` / `"parameters"` (a dict with `type`, `properties` or `json`,
  or a variable or call) — the OpenAI / Anthropic / MCP tool schema (`{"type": "function",
  "function": {…}}`, strands' `TOOL_SPEC`). A class whose base names a tool (`BaseTool`, `Tool`,
  `…Tool`, `…ToolBase`, or another such class of the release, transitively) with a resolvable
  `name = "x"` in its body and a `description` or a schema / handler member (`api_type`,
  `parameters`, `inputs`, `args_schema`, `forward`, `_run`, `run`, `execute`, `__call__`, …).
- command: a function decorated with `@<x>.command(…)` / `@<x>.group(…)` (click, Typer; the root
  `@click.group()` included) or a bare `@command(…)` (or its import alias), and `<x>.command(…)(f)`;
  name = first string argument or `name=`, else the function's name lower-cased with `_` → `-`
  (click's and Typer's rule; click ≥ 8.2 also strips a `_command`/`_cmd`/`_group`/`_grp` suffix,
  not modelled); argparse `<x>.add_parser("x")`; `register_command("x", f)`; methods `do_x` of a
  `cmd.Cmd` subclass (`x`); methods `cmd_x` / `command_x` / `do_x` of a class whose body holds that
  prefix as a string literal (`attr.startswith("cmd_")`, `f"cmd_{…}"`): named `x`, hyphenated when
  the class calls `.replace("_", "-")`, with a `/` prefix when it builds `"/" + name` or `f"/{…}"`;
  a dispatch table: a dict literal of string keys to functions (names, attributes, lambdas) bound
  to a variable or keyword whose name holds `command`, `switch` or `dispatch` (gptme's
  `ToolSpec(commands={"commit": handle_commit_command})`, open-interpreter's magic-command
  `switch = {"help": handle_help, …}`), named by its keys as written (no `/` or `%` added).

Truth corrections made while validating (general rules, not per package): a `ToolSpec`/`Tool`/
`ToolDef` call needs no schema or handler (gptme's hook-only tools `autocommit`, `precommit`, …
are real `--tools` entries); a schema dict's `parameters` must be a JSON schema, not a dict of
plain strings (superset's database-engine metadata `{"name", "description", "parameters"}` is no
tool); a tool class may carry an Anthropic `api_type` instead of a description (open-interpreter's
computer-use `BashTool`); dispatch tables were added after reading open-interpreter's `%` commands.

Comparison: by class and name. Command names are compared by their last word (a scan row `task
list` compares as `list`; the truth builds no full paths for click groups or Typer sub-apps), so
two subcommands sharing a leaf count once on each side. Rows named by an expression the scan did not
resolve keep that expression as their name (`GitTools.STATUS.value`) and so show as a miss and an
extra. A stricter line `by file` compares (name, file) pairs.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tarfile
import zipfile
from collections import defaultdict
from pathlib import Path

TESTS = re.compile(r"(?:^|/)(?:tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")
TOOL_DECOS = {"tool", "function_tool"}
TOOL_ATTRS = {"tool", "tool_plain", "function_tool"}
DESC_KW = {"description", "desc"}
SCHEMA_KW = {"inputSchema", "input_schema", "parameters", "params", "schema", "args_schema", "json_schema",
             "execute", "func", "function", "fn", "handler", "coroutine", "callable", "run", "block_types"}
DICT_SCHEMA = {"inputSchema", "input_schema", "parameters"}
TOOL_TYPES = {"Tool", "ToolSpec", "ToolDef"}
CLASS_SCHEMA = {"api_type", "parameters", "inputs", "args_schema", "input_schema", "inputSchema", "to_params",
                "forward", "_run", "_arun", "run", "execute", "__call__"}
DISPATCH = re.compile(r"command|switch|dispatch", re.I)
PREFIXES = ("cmd_", "command_", "do_")


def read_release(path: Path) -> dict[str, str]:
    """Release-relative path → source of every non-test `.py` file."""
    files: dict[str, bytes] = {}
    if path.is_dir():
        for p in sorted(path.rglob("*.py")):
            files[p.relative_to(path).as_posix()] = p.read_bytes()
    elif path.suffix == ".whl" or zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                if n.endswith(".py"):
                    files[n] = z.read(n)
    else:
        with tarfile.open(path) as tar:
            for m in tar.getmembers():
                if m.isfile() and m.name.endswith(".py"):
                    name = m.name.split("/", 1)[1] if "/" in m.name else m.name
                    files[name] = tar.extractfile(m).read()
    return {k: v.decode("utf-8", "replace") for k, v in files.items() if not TESTS.search(k)}


# -- string constants ----------------------------------------------------------------------------------

def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _assigns(body: list[ast.stmt]):
    for st in body:
        if isinstance(st, ast.Assign):
            for t in st.targets:
                if isinstance(t, ast.Name):
                    yield t.id, st.value
        elif isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.value is not None:
            yield st.target.id, st.value


def file_constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in _assigns(tree.body):
        if _str(value) is not None:
            out[name] = _str(value)
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef):
            for name, value in _assigns(cls.body):
                if _str(value) is not None:
                    out[f"{cls.name}.{name}"] = _str(value)
    return out


def _is_schema(node: ast.AST) -> bool:
    """A JSON schema: a dict literal with `type`, `properties` or strands' `json`, or an expression
    (a variable, a call) — not a dict literal of plain strings."""
    if isinstance(node, ast.Dict):
        return bool({"type", "properties", "json"} & {_str(k) for k in node.keys})
    return isinstance(node, (ast.Name, ast.Attribute, ast.Call))


def dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class Resolver:
    def __init__(self, per_file: dict[str, dict[str, str]]) -> None:
        values: dict[str, set[str]] = defaultdict(set)
        for consts in per_file.values():
            for k, v in consts.items():
                values[k].add(v)
        self.glob = {k: next(iter(v)) for k, v in values.items() if len(v) == 1}
        self.per_file = per_file

    def __call__(self, node: ast.AST | None, path: str) -> str | None:
        if node is None:
            return None
        s = _str(node)
        if s is not None:
            return s
        if isinstance(node, ast.JoinedStr):
            parts = [self(v.value if isinstance(v, ast.FormattedValue) else v, path) for v in node.values]
            return "".join(parts) if all(p is not None for p in parts) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self(node.left, path), self(node.right, path)
            return a + b if a is not None and b is not None else None
        name = dotted(node)
        if not name:
            return None
        if name.endswith(".value"):
            name = name[: -len(".value")]
        key = ".".join(name.split(".")[-2:])
        local = self.per_file.get(path, {})
        for k in (name, key):
            if k in local:
                return local[k]
        for k in (name, key):
            if k in self.glob:
                return self.glob[k]
        return None


# -- the truth -----------------------------------------------------------------------------------------

class Truth:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, int, str]] = []  # (class, name, path, line, rule)
        self.unparsed: list[str] = []

    def add(self, cls: str, name: str | None, path: str, line: int, rule: str) -> None:
        if name:
            self.items.append((cls, name, path, line, rule))


def _callee(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _base_names(cls: ast.ClassDef) -> list[str]:
    return [d.split(".")[-1] for d in (dotted(b.func if isinstance(b, ast.Call) else b) for b in cls.bases) if d]


def _first_name(call: ast.Call, resolve, path: str) -> str | None:
    for kw in call.keywords:
        if kw.arg == "name":
            return resolve(kw.value, path)
    if call.args:
        return resolve(call.args[0], path)
    return None


def _cli_name(fn: str) -> str:
    return fn.lower().replace("_", "-")


def build_truth(files: dict[str, str]) -> Truth:
    t = Truth()
    trees: dict[str, ast.Module] = {}
    for path, src in files.items():
        try:
            trees[path] = ast.parse(src, filename=path)
        except (SyntaxError, ValueError):
            t.unparsed.append(path)
    resolve = Resolver({p: file_constants(tr) for p, tr in trees.items()})

    # classes by name across the release, for tool and cmd.Cmd ancestry (fixpoint)
    bases: dict[str, set[str]] = defaultdict(set)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name].update(_base_names(node))
    tool_classes = {n for n, bs in bases.items() if any(b == "BaseTool" or b.endswith(("Tool", "ToolBase")) for b in bs)}
    cmd_classes = {n for n, bs in bases.items() if "Cmd" in bs}
    changed = True
    while changed:
        changed = False
        for n, bs in bases.items():
            for known in (tool_classes, cmd_classes):
                if n not in known and bs & known:
                    known.add(n)
                    changed = True

    for path, tree in trees.items():
        tool_alias, cmd_alias = set(TOOL_DECOS), {"command"}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.name in TOOL_DECOS:
                        tool_alias.add(a.asname or a.name)
                    elif a.name == "command":
                        cmd_alias.add(a.asname or a.name)

        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for d in node.decorator_list:
                    target = d.func if isinstance(d, ast.Call) else d
                    named = _first_name(d, resolve, path) if isinstance(d, ast.Call) else None
                    if (isinstance(target, ast.Name) and target.id in tool_alias) or \
                            (isinstance(target, ast.Attribute) and target.attr in TOOL_ATTRS):
                        t.add("tool", named or node.name, path, d.lineno, "decorator")
                    elif (isinstance(target, ast.Attribute) and target.attr in ("command", "group")) or \
                            (isinstance(target, ast.Name) and target.id in cmd_alias):
                        t.add("command", named or _cli_name(node.name), path, d.lineno, "decorator")

            elif isinstance(node, ast.Call):
                callee = _callee(node.func)
                kws = {kw.arg: kw.value for kw in node.keywords if kw.arg}
                if callee and (callee.endswith("Tool") or callee in ("ToolSpec", "ToolDef", "from_function")):
                    handler = any(isinstance(a, (ast.Name, ast.Attribute, ast.Lambda)) for a in node.args)
                    if "name" in kws and DESC_KW & kws.keys() and (SCHEMA_KW & kws.keys() or handler or callee in TOOL_TYPES):
                        t.add("tool", resolve(kws["name"], path), path, node.lineno, f"call {callee}")
                elif callee == "add_parser" and isinstance(node.func, ast.Attribute):
                    t.add("command", _first_name(node, resolve, path), path, node.lineno, "argparse")
                elif callee == "register_command" and node.args:
                    t.add("command", resolve(node.args[0], path), path, node.lineno, "register_command")
                elif isinstance(node.func, ast.Call) and isinstance(node.func.func, ast.Attribute) \
                        and node.func.func.attr == "command" and node.args:  # app.command("x")(fn)
                    fn = node.args[0]
                    named = _first_name(node.func, resolve, path)
                    if named or isinstance(fn, ast.Name):
                        t.add("command", named or _cli_name(fn.id), path, node.lineno, "command()(f)")

            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.keyword)):
                value = node.value
                holders = [node.arg] if isinstance(node, ast.keyword) else \
                    [dotted(x) for x in (node.targets if isinstance(node, ast.Assign) else [node.target])]
                if isinstance(value, ast.Dict) and value.keys and any(h and DISPATCH.search(h) for h in holders) \
                        and all(_str(k) for k in value.keys) \
                        and all(isinstance(v, (ast.Name, ast.Attribute, ast.Lambda)) for v in value.values):
                    for k in value.keys:
                        t.add("command", _str(k), path, k.lineno, "dispatch table")

            if isinstance(node, ast.Dict):
                keys = {_str(k): v for k, v in zip(node.keys, node.values) if _str(k)}
                schemas = [keys[k] for k in DICT_SCHEMA if k in keys]
                if "name" in keys and "description" in keys and any(_is_schema(v) for v in schemas):
                    t.add("tool", resolve(keys["name"], path), path, node.lineno, "schema dict")

            elif isinstance(node, ast.ClassDef):
                members = dict(_assigns(node.body))
                methods = [m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))]
                if node.name in tool_classes and "name" in members and \
                        ({"description", *CLASS_SCHEMA} & (members.keys() | {m.name for m in methods})):
                    t.add("tool", resolve(members["name"], path), path, node.lineno, "tool class")
                if node.name in cmd_classes:
                    for m in methods:
                        if m.name.startswith("do_") and len(m.name) > 3:
                            t.add("command", m.name[3:], path, m.lineno, "cmd.Cmd do_")
                    continue
                strings, hyphen, slash = set(), False, False
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        strings.add(sub.value)
                    elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "replace" \
                            and [_str(a) for a in sub.args[:2]] == ["_", "-"]:
                        hyphen = True
                    elif isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Add) and _str(sub.left) == "/":
                        slash = True
                    elif isinstance(sub, ast.JoinedStr) and len(sub.values) >= 2 and _str(sub.values[0]) == "/" \
                            and isinstance(sub.values[1], ast.FormattedValue):
                        slash = True
                for prefix in PREFIXES:
                    if prefix in strings:
                        for m in methods:
                            if m.name.startswith(prefix) and len(m.name) > len(prefix):
                                name = m.name[len(prefix):]
                                name = name.replace("_", "-") if hyphen else name
                                t.add("command", ("/" if slash else "") + name, path, m.lineno, f"{prefix} method")
    return t


# -- comparison ---------------------------------------------------------------------------------------

def scan_rows(db: Path) -> list[tuple]:
    import duckdb

    conn = duckdb.connect(str(db), read_only=True)
    try:
        return conn.execute("SELECT kind, name, path, line, framework FROM capabilities "
                            "WHERE scan_id = (SELECT max(scan_id) FROM scans) AND kind IN ('tool', 'command') "
                            "ORDER BY path, line").fetchall()
    finally:
        conn.close()


def _leaf(cls: str, name: str) -> str:
    return name.split(" ")[-1] if cls == "command" else name


def measure(t: Truth, rows: list[tuple]) -> dict:
    truth: dict[str, dict[str, list[str]]] = {"tool": defaultdict(list), "command": defaultdict(list)}
    found: dict[str, dict[str, list[str]]] = {"tool": defaultdict(list), "command": defaultdict(list)}
    for cls, name, path, line, rule in t.items:
        truth[cls][_leaf(cls, name)].append(f"{path}:{line} ({rule})")
    for kind, name, path, line, framework in rows:
        if TESTS.search(path):
            continue
        found[kind][_leaf(kind, name)].append(f"{path}:{line} ({framework})")
    report = {}
    for cls in ("tool", "command"):
        tn, fn = set(truth[cls]), set(found[cls])
        tp = tn & fn
        tf = {(n, w.split(":")[0]) for n, ws in truth[cls].items() for w in ws}
        ff = {(n, w.split(":")[0]) for n, ws in found[cls].items() for w in ws}
        report[cls] = {
            "truth": len(tn), "found": len(fn), "true_positives": len(tp),
            "recall": round(len(tp) / len(tn), 3) if tn else None,
            "precision": round(len(tp) / len(fn), 3) if fn else None,
            "by_file": {"truth": len(tf), "found": len(ff), "recall": round(len(tf & ff) / len(tf), 3) if tf else None,
                        "precision": round(len(tf & ff) / len(ff), 3) if ff else None},
            "missed": {n: truth[cls][n] for n in sorted(tn - fn)},
            "extra": {n: found[cls][n] for n in sorted(fn - tn)},
        }
    report["unparsed"] = t.unparsed
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("release", type=Path)
    ap.add_argument("db", type=Path, nargs="+", help="scan databases to compare (the newest scan of each)")
    ap.add_argument("--json", action="store_true", help="print the whole report as JSON")
    ap.add_argument("--truth", action="store_true", help="also list every truth item")
    args = ap.parse_args(argv)
    t = build_truth(read_release(args.release))
    reports = {str(db): measure(t, scan_rows(db)) for db in args.db}
    if args.json:
        out = {"truth": [dict(zip(("class", "name", "path", "line", "rule"), i)) for i in t.items]} if args.truth else {}
        print(json.dumps({**out, **reports}, indent=2))
        return 0
    if args.truth:
        for i in sorted(t.items):
            print(f"truth {i[0]:8} {i[1]:40} {i[2]}:{i[3]} ({i[4]})")
    for db, report in reports.items():
        print(f"== {db}")
        _print(report)
    return 0


def _print(report: dict) -> None:
    for cls in ("tool", "command"):
        r = report[cls]
        b = r["by_file"]
        print(f"{cls:8} truth {r['truth']:4} found {r['found']:4} recall {r['recall']} precision {r['precision']}"
              f"   by file: {b['truth']}/{b['found']} recall {b['recall']} precision {b['precision']}")
        for label in ("missed", "extra"):
            items = list(r[label].items())
            print(f"         {label} ({len(items)})")
            for n, where in items[:20]:
                print(f"           {n:36} {', '.join(where[:2])}{' …' if len(where) > 2 else ''}")
    if report["unparsed"]:
        print(f"unparsed {report['unparsed'][:10]}")


if __name__ == "__main__":
    sys.exit(main())
