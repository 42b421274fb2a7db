"""Find, validate and compile query packs.

A pack is `queries/<dir>/<name>.scm`, optionally with a sidecar `<name>.toml` holding pack-wide
metadata (`provider`, `packages`, `description`). The directory names the grammars the pack runs on:

==========  =================================
directory   grammars
==========  =================================
ecma        javascript, typescript, tsx
jsx         javascript, tsx
typescript  typescript, tsx
javascript  javascript
tsx         tsx
python      python
==========  =================================

Per-pattern metadata comes from `(#set! key "value")` and is read with `Query.pattern_settings`;
it overrides the sidecar. All packs for one grammar are compiled into a single `Query` so a file is
walked once; `Query.start_byte_for_pattern` maps each pattern back to its pack.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import tree_sitter

from auditor.errors import QueryError
from auditor.languages import LANGUAGES, grammar

DIR_LANGUAGES: dict[str, tuple[str, ...]] = {
    "ecma": ("javascript", "typescript", "tsx"),
    "jsx": ("javascript", "tsx"),
    "typescript": ("typescript", "tsx"),
    "javascript": ("javascript",),
    "tsx": ("tsx",),
    "python": ("python",),
}


def builtin_query_dir() -> Path:
    """The query packs shipped with the package (`auditor/_queries` in a wheel, `queries/` in a checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_queries", here.parent / "queries"):
        if (candidate / "captures.toml").is_file():
            return candidate
    raise QueryError("built-in query packs not found (neither auditor/_queries nor queries/)")


@cache
def allowed_captures(root: Path | None = None) -> dict[str, str]:
    """Capture names allowed in packs, with their one-line meanings, from `captures.toml`."""
    path = (root or builtin_query_dir()) / "captures.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QueryError(f"{path}: {exc}") from exc
    return {str(k): str(v) for k, v in data.get("captures", {}).items()}


@dataclass(frozen=True, slots=True)
class Pack:
    """One query pack file."""

    name: str
    """`<dir>/<stem>`, e.g. `ecma/launchdarkly`."""
    path: Path | None
    source: str
    languages: tuple[str, ...]
    meta: dict = field(default_factory=dict)
    """Sidecar TOML contents (`provider`, `packages`, `description`, ...)."""


def _read_pack(path: Path, dirname: str) -> Pack:
    meta: dict = {}
    sidecar = path.with_suffix(".toml")
    if sidecar.is_file():
        try:
            meta = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise QueryError(f"{sidecar}: {exc}") from exc
    return Pack(
        name=f"{dirname}/{path.stem}",
        path=path,
        source=path.read_text(encoding="utf-8"),
        languages=DIR_LANGUAGES[dirname],
        meta=meta,
    )


def discover(dirs: Iterable[Path]) -> list[Pack]:
    """Packs under each query directory, in a stable order (directory order, then name).

    Raises QueryError when a directory does not exist.
    """
    packs: list[Pack] = []
    for root in dirs:
        if not root.is_dir():
            raise QueryError(f"query directory not found: {root}")
        for dirname in DIR_LANGUAGES:
            sub = root / dirname
            if sub.is_dir():
                packs.extend(_read_pack(p, dirname) for p in sorted(sub.glob("*.scm")))
    return packs


_CAPTURE_RE = re.compile(r"@([A-Za-z_][\w.\-]*)")


def validate_captures(pack: Pack, allowed: dict[str, str]) -> None:
    """Raise QueryError when a pack uses a capture name that is not private (`_x`) nor allowed."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', pack.source)  # ignore @ inside strings
    stripped = re.sub(r";[^\n]*", "", stripped)
    for name in _CAPTURE_RE.findall(stripped):
        if not name.startswith("_") and name not in allowed:
            raise QueryError(f"{pack.name}: capture @{name} is not declared in captures.toml")


@dataclass(slots=True)
class CompiledQuery:
    """All packs of one grammar compiled into one Query, with per-pattern metadata."""

    language: str
    query: tree_sitter.Query
    pattern_pack: list[Pack]
    """Pack of each pattern index."""
    pattern_meta: list[dict[str, str]]
    """Sidecar metadata merged with the pattern's `#set!` settings, per pattern index."""


def compile_for(language: str, packs: list[Pack]) -> CompiledQuery | None:
    """Compile every pack that targets `language` into one Query; None when no pack does.

    Raises QueryError naming the pack when a pack fails to compile on its own.
    """
    mine = [p for p in packs if language in p.languages]
    if not mine:
        return None
    lang = grammar(language)
    chunks: list[str] = []
    offsets: list[tuple[int, Pack]] = []
    pos = 0
    for pack in mine:
        offsets.append((pos, pack))
        text = pack.source + "\n"
        chunks.append(text)
        pos += len(text.encode("utf-8"))
    try:
        query = tree_sitter.Query(lang, "".join(chunks))
    except Exception:  # tree_sitter.QueryError, or a predicate ValueError: name the pack
        for pack in mine:
            try:
                tree_sitter.Query(lang, pack.source)
            except Exception as exc:
                raise QueryError(f"{pack.name} does not compile for {language}: {exc}") from exc
        raise
    pattern_pack: list[Pack] = []
    pattern_meta: list[dict[str, str]] = []
    for i in range(query.pattern_count):
        start = query.start_byte_for_pattern(i)
        pack = next(p for off, p in reversed(offsets) if off <= start)
        meta = {k: v for k, v in pack.meta.items() if isinstance(v, str)}
        if "packages" in pack.meta:
            meta["packages"] = ",".join(pack.meta["packages"])
        meta.update({k: str(v) for k, v in (query.pattern_settings(i) or {}).items() if v is not None})
        pattern_pack.append(pack)
        pattern_meta.append(meta)
    return CompiledQuery(language, query, pattern_pack, pattern_meta)


def pack_set_hash(packs: list[Pack]) -> str:
    """SHA-256 over every pack's name, source and sidecar: part of the extraction cache key."""
    h = hashlib.sha256()
    for p in packs:
        h.update(p.name.encode())
        h.update(p.source.encode())
        h.update(repr(sorted(p.meta.items())).encode())
    return h.hexdigest()


_COMPILED: dict[str, dict[str, CompiledQuery]] = {}
"""compile_all results by `pack_set_hash`: compiling every pack takes about a second, and a
process that scans several times (tests, the dashboard, `diff`) needs it once per pack set."""


def compile_all(packs: list[Pack]) -> dict[str, CompiledQuery]:
    """Compiled queries for every supported grammar that has packs, after validating capture names.

    Cached per process by the packs' content; a CompiledQuery is read-only, so sharing is safe.
    """
    key = pack_set_hash(packs)
    cached = _COMPILED.get(key)
    if cached is not None:
        return dict(cached)
    allowed = allowed_captures()
    for p in packs:
        validate_captures(p, allowed)
    out = {}
    for language in LANGUAGES:
        compiled = compile_for(language, packs)
        if compiled is not None:
            out[language] = compiled
    _COMPILED[key] = out
    return dict(out)
