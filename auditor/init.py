"""`auditor init`: a manifest of what a release exposes today, for a person to review.

`surface(conn, scan_id)` reads one scan's public surface — resolved flag keys, capabilities by kind,
artifact entries — each with the reasons it may be internal (`hidden: true`, gated by a flag, only
in a source map, an entry kind such as `source-map` or `env-file`). `manifest_toml` writes it as
manifest TOML where every such item carries a `# REVIEW` comment, and `suppress_toml` adds one
`[[suppress]]` per finding present today, so that `auditor check --fail-on note` passes on this
release and fails on a later one exactly for what is new (a flag, a capability, an entry, a finding).

Destinations (`destination`): an existing `auditor.toml` (as `[manifest]`) or `pyproject.toml` with
`[tool.auditor]` found upward from the target; else `pyproject.toml` (as `[tool.auditor.manifest]`)
or a new `auditor.toml` in the target directory (the current directory for a file target); or
`--output FILE` (a standalone manifest for `--manifest FILE`).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from auditor.errors import ManifestError
from auditor.manifest import CAPABILITY_KINDS, COMMON_ENV

INTERNAL_ENTRY_KINDS = frozenset({"source-map", "env-file", "key", "credentials", "dotfile", "test", "debug", "archive"})
"""Entry kinds marked `# REVIEW` in the artifact allowlist."""

COLLAPSE_ENTRIES = 50
"""A directory holding more entries than this is allowed as `dir/*` (hashed bundle chunks change every release)."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where `auditor init` writes: `path`, and `style` — `auditor.toml` (`[manifest]`),
    `pyproject` (`[tool.auditor.manifest]`) or `standalone` (top-level tables, for `--manifest`)."""

    path: Path
    style: str

    @property
    def prefix(self) -> str:
        """Table name prefix of the manifest in this file ('' for a standalone manifest)."""
        return {"auditor.toml": "manifest", "pyproject": "tool.auditor.manifest", "standalone": ""}[self.style]


def destination(target: str, output: Path | None) -> Destination:
    """Where to write the manifest for `target` (see the module doc). Raises ManifestError when
    that configuration already holds a manifest."""
    from auditor.config import find_config

    if output is not None:
        style = "pyproject" if output.name == "pyproject.toml" else ("auditor.toml" if output.name == "auditor.toml" else "standalone")
        dest = Destination(output, style)
    else:
        p = Path(target)
        found = find_config(p) if p.exists() else None
        if found is not None:
            dest = Destination(found, "pyproject" if found.name == "pyproject.toml" else "auditor.toml")
        else:
            base = p if p.is_dir() else Path.cwd()
            py = base / "pyproject.toml"
            dest = Destination(py, "pyproject") if py.is_file() else Destination(base / "auditor.toml", "auditor.toml")
    if dest.path.is_file():
        try:
            data = tomllib.loads(dest.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ManifestError(f"{dest.path}: cannot read it to add a manifest: {exc}") from exc
        section = data.get("tool", {}).get("auditor", {}) if dest.style == "pyproject" else data
        if dest.style == "standalone" or "manifest" in section:
            raise ManifestError(f"{dest.path} already holds a manifest: remove it first, or write elsewhere with --output FILE")
    return dest


def _glob_literal(name: str) -> str:
    """`name` as a glob that matches only itself (`*`, `?`, `[` put in brackets)."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def surface(conn: duckdb.DuckDBPyConnection, scan_id: int) -> dict:
    """The public surface of scan `scan_id`, each item with why it may be internal.

    Returns `flags` [(key, notes)], `capabilities` {kind: [(name, notes)]}, `entries`
    [(glob, notes)] (empty for a directory scan), `name` (package name or None); `notes` is a list
    of strings (empty: nothing looks internal).
    """
    flags = []
    for key, from_map_only, providers in _rows(conn, """
            SELECT flag_key, bool_and(origin LIKE 'source map:%'), string_agg(DISTINCT provider, ', ' ORDER BY provider)
            FROM flag_reads WHERE scan_id = ? AND resolved AND confidence <> 'low'
            GROUP BY flag_key ORDER BY flag_key""", [scan_id]):
        if providers == "env" and key in COMMON_ENV:
            continue  # public through builtin_env
        flags.append((key, ["only in a source map"] if from_map_only else []))
    caps: dict[str, list[tuple[str, list[str]]]] = {}
    for kind, name, hidden, reasons, gates, map_only in _rows(conn, """
            SELECT kind, name, bool_or(hidden), string_agg(DISTINCT nullif(hidden_reason, ''), ', '),
                   list_sort(list_distinct(flatten(list(gate_keys)))), bool_and(origin LIKE 'source map:%')
            FROM capability_inventory WHERE scan_id = ? GROUP BY kind, name ORDER BY kind, name""", [scan_id]):
        notes = []
        if hidden:
            notes.append(f"hidden ({reasons})" if reasons else "hidden")
        if gates:
            notes.append("gated by " + ", ".join(gates))
        if map_only:
            notes.append("only in a source map")
        caps.setdefault(kind, []).append((name, notes))
    entries: list[tuple[str, list[str]]] = []
    rows = _rows(conn, "SELECT path, kind FROM entries WHERE scan_id = ? ORDER BY path", [scan_id])
    by_dir: dict[str, list[tuple[str, str]]] = {}
    for path, kind in rows:
        by_dir.setdefault(path.rsplit("/", 1)[0] + "/" if "/" in path else "", []).append((path, kind))
    for d, items in sorted(by_dir.items()):
        if d and len(items) > COLLAPSE_ENTRIES:
            kinds = sorted({k for _, k in items if k in INTERNAL_ENTRY_KINDS})
            notes = [f"{len(items)} entries"] + ([f"includes {', '.join(kinds)}"] if kinds else [])
            entries.append((_glob_literal(d) + "*", notes))
            continue
        for path, kind in items:
            entries.append((_glob_literal(path), [f"looks internal: {kind}"] if kind in INTERNAL_ENTRY_KINDS else []))
    name = conn.execute("SELECT any_value(package_name) FROM artifacts WHERE scan_id = ? AND parent IS NULL",
                        [scan_id]).fetchone()[0]
    return {"flags": flags, "capabilities": caps, "entries": entries, "name": name}


def _array(key: str, items: list[tuple[str, list[str]]]) -> list[str]:
    if not items:
        return [f"{key} = []"]
    lines = [f"{key} = ["]
    for value, notes in items:
        lines.append(f"  {json.dumps(value, ensure_ascii=False)}," + (f"  # REVIEW {'; '.join(notes)}" if notes else ""))
    return lines + ["]"]


def _table(prefix: str, name: str) -> str:
    return f"[{prefix}.{name}]" if prefix else f"[{name}]"


def manifest_toml(s: dict, prefix: str, source: str) -> str:
    """Manifest TOML for `surface` `s` under table prefix `prefix` (see `Destination.prefix`);
    `source` names what was scanned, for the header comment."""
    review = sum(1 for _, n in s["flags"] if n) + sum(1 for items in s["capabilities"].values() for _, n in items if n) \
        + sum(1 for _, n in s["entries"] if n)
    lines = [
        "",
        f"# Manifest written by `auditor init` on {date.today().isoformat()} from {source}: what this release",
        "# exposes today. Each `# REVIEW` item looks internal (hidden, gated by a flag, only in a source map,",
        f"# an internal kind of file): keep it if it is meant to be public, delete it if not ({review} to review).",
        f"[{prefix}]" if prefix else "[manifest]",
    ]
    if s["name"]:
        lines.append(f"name = {json.dumps(s['name'])}")
    lines += ["", _table(prefix, "flags"), *_array("public", s["flags"]), ""]
    lines.append(_table(prefix, "capabilities"))
    for kind in CAPABILITY_KINDS:
        if kind in s["capabilities"]:
            lines += _array(kind, s["capabilities"][kind])
    if s["entries"]:
        lines += ["", _table(prefix, "artifacts"), *_array("allow", s["entries"])]
    return "\n".join(lines) + "\n"


def suppress_toml(findings: list[dict], prefix: str) -> str:
    """One `[[suppress]]` per unsuppressed finding (dicts with rule_id, severity, message,
    fingerprint), each marked `# REVIEW` with the finding: accepted as of today, not approved."""
    if not findings:
        return ""
    table = f"[[{prefix}.suppress]]" if prefix else "[[suppress]]"
    lines = ["", f"# {len(findings)} finding{'s' if len(findings) != 1 else ''} present when `auditor init` ran, accepted so that "
             "only what is new fails. Fix or keep each one."]
    for f in findings:
        message = " ".join(str(f["message"]).split())[:160]
        lines += [f"# REVIEW {f['severity']} {f['rule_id']}: {message}", table,
                  f"fingerprint = {json.dumps(f['fingerprint'])}",
                  f"reason = {json.dumps(f'present when auditor init ran ({date.today().isoformat()}); review')}"]
    return "\n".join(lines) + "\n"


def append(dest: Destination, text: str) -> None:
    """Append `text` to the destination file (created if missing). Raises ManifestError."""
    try:
        old = dest.path.read_text(encoding="utf-8") if dest.path.is_file() else ""
        dest.path.write_text(old + ("\n" if old and not old.endswith("\n") else "") + text.lstrip("\n" if not old else ""),
                             encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"cannot write {dest.path}: {exc.strerror or exc}") from exc
