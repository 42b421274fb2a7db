"""Build the demo *release*: the npm tarball `acme-agent-1.4.0.tgz` that a careless release pipeline
would publish from the demo project.

    python -m auditor.demo.build_release [OUT_DIR]      # prints the tarball's path

What it contains, and what `auditor scan` (no target) finds in it:

- `dist/cli.js`: the demo's TypeScript "bundled" the way a bundler with compile-time flags does it
  (types stripped, imports of bundled modules dropped, external ones turned into `require`,
  `feature('X')` from `bun:bundle` replaced by `false` and its branch removed, unused exports
  tree-shaken), ending in `//# sourceMappingURL=cli.js.map`;
- `dist/cli.js.map`: an external v3 map whose `sourcesContent` carries every original source, including
  `src/settings.ts`, which the bundle dropped entirely, and the `voice` tool behind
  `feature('VOICE_MODE')` and `internalTools()` behind `flagOn('internal-tools')`, which only the map
  reveals (ART001, ART010);
- `dist/banner.js`: the React banner with an inline `data:` source map (ART002);
- `.env`: a stray env file with (fake) credentials (ART005, ART006);
- and `package.json`, whose `files` list allows only `dist/cli.js` and `README.md` (ART007).

The build is deterministic (fixed mtimes, owners and gzip header) and uses only the demo project's
own files. It never runs a bundler: the "bundling" is a small tree-sitter rewrite of the sources.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path

import tree_sitter

from auditor.languages import grammar, language_for

PROJECT = Path(__file__).resolve().parent / "project"
NPM_MTIME = 499162500
"""1985-10-26T08:15:00Z, the timestamp `npm pack` gives every entry."""
TREE_SHAKEN_MODULES = ("src/settings.ts",)
"""Modules nothing in the CLI imports: the bundler drops them, the map keeps them."""
TREE_SHAKEN_EXPORTS = {"src/tools.ts": ("internalTools",)}
"""Exported functions nothing calls: dropped from the bundle."""
INLINE_MODULES = ("src/components/Banner.tsx",)
"""Built separately into dist/banner.js with an inline map."""
FAKE_ENV = """# local settings: never meant to be published
AWS_ACCESS_KEY_ID=AKIAZ4DEMO7RELEASE00
ACME_API_KEY="acme_live_4c9d2e7f1a8b3c5d6e7f8a9b"
AGENT_DEBUG=1
"""
README = """# acme-agent

Demo agent CLI for the auditor. This README ships in the demo release tarball.
"""

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DROP_NODES = frozenset({"type_annotation", "type_arguments", "type_parameters", "interface_declaration", "type_alias_declaration",
                         "accessibility_modifier", "override_modifier"})


def _vlq(value: int) -> str:
    v = (-value << 1) | 1 if value < 0 else value << 1
    out = ""
    while True:
        digit = v & 31
        v >>= 5
        out += _B64[digit | (32 if v else 0)]
        if not v:
            return out


def _strip(rel: str, text: str) -> str:
    """The module as a bundler would emit it, line for line (so a line-level map stays exact)."""
    data = text.encode("utf-8")
    lang = language_for(rel) or "typescript"
    tree = tree_sitter.Parser(grammar(lang)).parse(data)
    edits: list[tuple[int, int, str]] = []
    shaken = TREE_SHAKEN_EXPORTS.get(rel, ())

    def t(node) -> str:
        return data[node.start_byte:node.end_byte].decode("utf-8")

    def visit(node) -> None:
        kind = node.type
        if kind == "import_statement":
            edits.append((node.start_byte, node.end_byte, _require(node, t)))
            return
        if kind in _DROP_NODES:
            edits.append((node.start_byte, node.end_byte, ""))
            return
        if kind == "export_statement":
            decl = node.child_by_field_name("declaration")
            if decl is None:
                edits.append((node.start_byte, node.end_byte, ""))
                return
            name = decl.child_by_field_name("name")
            if name is not None and t(name) in shaken:
                edits.append((node.start_byte, node.end_byte, ""))
                return
            edits.append((node.start_byte, decl.start_byte, ""))
            visit(decl)
            return
        if kind in ("as_expression", "satisfies_expression") and node.named_children:
            edits.append((node.named_children[0].end_byte, node.end_byte, ""))
            visit(node.named_children[0])
            return
        if kind == "enum_declaration":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            edits.append((node.start_byte, body.start_byte, f"var {t(name)} = "))
            for member in body.named_children:
                if member.type == "enum_assignment":
                    key, value = member.named_children[0], member.named_children[-1]
                    edits.append((key.end_byte, value.start_byte, ": "))
            edits.append((body.end_byte, body.end_byte, ";"))
            return
        if kind == "jsx_text" and t(node).strip():  # compiled JSX keeps its text as a string literal
            edits.append((node.start_byte, node.end_byte, "{" + json.dumps(" ".join(t(node).split())) + "}"))
            return
        if kind == "ternary_expression" and _is_feature_call(node.child_by_field_name("condition"), t):
            alt = node.child_by_field_name("alternative")
            edits.append((node.start_byte, node.end_byte, t(alt)))
            return
        if kind == "if_statement" and _is_feature_call(node.child_by_field_name("condition"), t):
            edits.append((node.start_byte, node.end_byte, ""))
            return
        for child in node.children:
            visit(child)

    visit(tree.root_node)
    out = bytearray()
    pos = 0
    for start, end, replacement in sorted(edits):
        if start < pos:
            continue
        out += data[pos:start]
        removed = data[start:end]
        out += replacement.encode("utf-8") + b"\n" * (removed.count(b"\n") - replacement.count("\n"))
        pos = end
    out += data[pos:]
    return out.decode("utf-8")


def _is_feature_call(cond, t) -> bool:
    while cond is not None and cond.type == "parenthesized_expression":
        cond = cond.named_children[0] if cond.named_children else None
    return cond is not None and cond.type == "call_expression" and t(cond.child_by_field_name("function")) == "feature"


def _require(node, t) -> str:
    """`import x from 'm'` of an external module as `var x = require("m");`; bundled ones vanish."""
    source = node.child_by_field_name("source")
    module = t(source)[1:-1] if source is not None else ""
    if not module or module.startswith(".") or module.startswith("bun:"):
        return ""
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    if clause is None:
        return f'require("{module}");'
    parts = []
    for c in clause.named_children:
        if c.type == "identifier":
            parts.append(f'var {t(c)} = require("{module}").default;')
        elif c.type == "namespace_import":
            parts.append(f'var {t(c.named_children[-1])} = require("{module}");')
        elif c.type == "named_imports":
            names = []
            for spec in c.named_children:
                ids = [t(x) for x in spec.named_children]
                names.append(ids[0] if len(ids) == 1 else f"{ids[0]}: {ids[1]}")
            parts.append(f'var {{ {", ".join(names)} }} = require("{module}");')
    return " ".join(parts)


def _bundle(modules: list[str], out_name: str) -> tuple[str, dict]:
    """Concatenate stripped modules; a v3 map with one segment per generated line."""
    lines: list[str] = [f"// {out_name}: acme-agent 1.4.0"]
    mappings: list[str] = [""]
    sources = []
    contents = []
    prev_src = prev_line = 0
    for idx, rel in enumerate(modules):
        text = (PROJECT / rel).read_text(encoding="utf-8")
        sources.append("../" + rel)
        contents.append(text)
        if rel in TREE_SHAKEN_MODULES:
            continue
        lines.append(f"// {rel}")
        mappings.append("")
        for n, line in enumerate(_strip(rel, text).split("\n")):
            lines.append(line)
            if line.strip():
                mappings.append("A" + _vlq(idx - prev_src) + _vlq(n - prev_line) + "A")
                prev_src, prev_line = idx, n
            else:
                mappings.append("")
    smap = {"version": 3, "file": out_name, "sources": sources, "sourcesContent": contents, "names": [], "mappings": ";".join(mappings)}
    return "\n".join(lines) + "\n", smap


def _modules() -> list[str]:
    found = sorted(p.relative_to(PROJECT).as_posix() for p in (PROJECT / "src").rglob("*") if p.suffix in (".ts", ".tsx") and p.is_file())
    return [m for m in found if m not in INLINE_MODULES]


def release_files() -> dict[str, bytes]:
    """Entry path (under `package/`) → bytes, in tarball order."""
    cli_js, cli_map = _bundle(_modules(), "cli.js")
    cli_js += "//# sourceMappingURL=cli.js.map\n"
    banner_js, banner_map = _bundle(list(INLINE_MODULES), "banner.js")
    payload = base64.b64encode(json.dumps(banner_map, separators=(",", ":")).encode()).decode()
    banner_js += f"//# sourceMappingURL=data:application/json;charset=utf-8;base64,{payload}\n"
    return {
        "package/package.json": (PROJECT / "package.json").read_bytes(),
        "package/README.md": README.encode(),
        "package/.env": FAKE_ENV.encode(),
        "package/dist/banner.js": banner_js.encode(),
        "package/dist/cli.js": cli_js.encode(),
        "package/dist/cli.js.map": json.dumps(cli_map, separators=(",", ":")).encode(),
    }


def _tarball(files: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), NPM_MTIME, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=9, filename="") as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def tarball_name() -> str:
    """`<name>-<version>.tgz` from the demo's package.json, as `npm pack` names it."""
    pkg = json.loads((PROJECT / "package.json").read_text(encoding="utf-8"))
    return f"{pkg['name'].replace('@', '').replace('/', '-')}-{pkg['version']}.tgz"


def build_release(out_dir: Path) -> Path:
    """Write the demo release tarball into `out_dir` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / tarball_name()
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(_tarball(release_files()))
    os.replace(tmp, path)
    return path


def demo_release() -> Path:
    """The demo release, built on first use into a temp dir keyed by the demo sources' hash (so it is
    rebuilt whenever the demo project changes, and reused otherwise)."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for p in sorted(PROJECT.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(PROJECT).as_posix().encode() + b"\0" + p.read_bytes())
    out = Path(tempfile.gettempdir()) / f"auditor-demo-release-{h.hexdigest()[:16]}"
    path = out / tarball_name()
    return path if path.is_file() else build_release(out)


if __name__ == "__main__":
    print(os.path.relpath(build_release(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())))
