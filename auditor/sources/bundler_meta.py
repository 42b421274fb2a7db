"""Bundler metadata shipped in a release (ART015): files that list the project's original sources.

- esbuild metafile (`--metafile`, usually `meta.json`): `inputs` (path → bytes, imports) and `outputs`;
- webpack stats (`stats.json`, `webpack-stats.json`): `modules` (name, size) or `chunks[].modules`;
- Vite / Rollup manifest (`manifest.json`, `.vite/manifest.json`, `ssr-manifest.json`): source path →
  `{file, src, isEntry, imports}`;
- TypeScript build info (`*.tsbuildinfo`): `program.fileNames` / `fileNames`, or `root`.

`read_metadata` recognizes one by name and shape (a web app's `manifest.json` with `name` and
`icons` is not one) and says what it reveals; it never raises on bad JSON (returns None).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

MAX_BYTES = 64 * 1024 * 1024
"""Metadata files larger than this are not parsed."""
NAMES = ("meta.json", "metafile.json", "stats.json", "webpack-stats.json", "manifest.json", "ssr-manifest.json", "build-manifest.json")


@dataclass(frozen=True, slots=True)
class BundlerMetadata:
    """What one shipped metadata file reveals."""

    tool: str
    """esbuild, webpack, vite or typescript."""
    files: int
    """Original files it lists."""
    first_party: int
    """Of those, not under node_modules/."""
    input_bytes: int | None
    """Sum of the sizes it gives for them (None when it gives none)."""
    examples: tuple[str, ...]
    """A few first-party paths (at most 5)."""


def is_candidate(path: str) -> bool:
    """Whether an entry's name may be bundler metadata (checked before reading it)."""
    base = posixpath.basename(path).lower()
    return base in NAMES or base.endswith((".meta.json", ".tsbuildinfo", "-meta.json"))


def _summary(tool: str, sizes: dict[str, int | None]) -> BundlerMetadata | None:
    if not sizes:
        return None
    first = sorted(p for p in sizes if "node_modules/" not in "/" + p)
    known = [s for s in sizes.values() if isinstance(s, int) and not isinstance(s, bool)]
    return BundlerMetadata(tool, len(sizes), len(first), sum(known) if known else None, tuple(first[:5]))


def read_metadata(path: str, data: bytes) -> BundlerMetadata | None:
    """The metadata `data` (the bytes of entry `path`) reveals, or None when it is not bundler
    metadata (or not JSON, or over MAX_BYTES)."""
    if len(data) > MAX_BYTES:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    if path.lower().endswith(".tsbuildinfo"):
        program = doc.get("program") if isinstance(doc.get("program"), dict) else doc
        names = program.get("fileNames") or program.get("root") or []
        names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        return _summary("typescript", {n: None for n in names})
    inputs = doc.get("inputs")
    if isinstance(inputs, dict) and isinstance(doc.get("outputs"), dict):  # esbuild
        return _summary("esbuild", {p: (v.get("bytes") if isinstance(v, dict) else None) for p, v in inputs.items()})
    if isinstance(doc.get("modules"), list) or (isinstance(doc.get("chunks"), list) and isinstance(doc.get("assets"), list)):  # webpack
        sizes: dict[str, int | None] = {}
        modules = list(doc.get("modules") or [])
        for chunk in doc.get("chunks") or []:
            if isinstance(chunk, dict) and isinstance(chunk.get("modules"), list):
                modules.extend(chunk["modules"])
        for m in modules:
            if isinstance(m, dict) and isinstance(m.get("name"), str):
                sizes.setdefault(m["name"].split(" + ")[0].removeprefix("./"), m.get("size"))
        return _summary("webpack", sizes)
    entries = [(k, v) for k, v in doc.items() if isinstance(v, dict)]
    if entries and len(entries) == len(doc) and all("file" in v for _, v in entries) and \
            any("src" in v or "isEntry" in v or "imports" in v for _, v in entries):  # Vite / Rollup
        return _summary("vite", {v.get("src") if isinstance(v.get("src"), str) else k: None for k, v in entries})
    return None

