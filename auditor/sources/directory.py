"""A source tree on disk, walked honouring `.gitignore` files and configured excludes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.languages import language_for
from auditor.models import Diagnostic, Severity, SourceFile

if TYPE_CHECKING:
    import pathspec

NOT_TEXT_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp", ".svgz", ".woff", ".woff2", ".ttf", ".otf", ".eot",
                     ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".jar", ".whl", ".pdf", ".so", ".dylib", ".dll", ".exe",
                     ".pyc", ".pyo", ".class", ".o", ".a", ".wasm", ".mp3", ".mp4", ".mov", ".avi", ".sqlite", ".db", ".duckdb",
                     ".parquet", ".bin", ".dat", ".npy", ".pkl", ".lock")
"""Files a directory walk does not search for secrets: binary by their name (others are judged by
their first 8 KiB: a NUL byte means binary)."""
ALWAYS_SKIPPED_DIRS = frozenset({".git", "node_modules", ".hg", ".svn", "__pycache__"})


def gitignore_spec(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """pathspec's `GitIgnoreSpec` of `lines`; pathspec is imported on first use (10 ms that
    replaying a stored scan does without)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class DirectorySource:
    """Files under `root` whose extension the auditor parses.

    `.gitignore` files are honoured at every level (patterns relative to their own directory, via
    pathspec's `GitIgnoreSpec`, which follows git's own precedence rules), as are `exclude` globs (relative to `root`). `.git` and
    `node_modules` are always skipped. Symlinks are not followed.
    """

    def __init__(self, root: Path, exclude: tuple[str, ...] = (), max_file_bytes: int = 64 * 1024 * 1024, display_prefix: str = "",
                 secrets: bool = True, max_secret_scan_bytes: int = 64 * 1024 * 1024):
        self.secrets = secrets
        """Search every text file for secrets (`sources/secrets.py`): parsed files before extraction,
        the others (`.env`, JSON, YAML, keys ...) for secrets only."""
        self.max_secret_scan_bytes = max_secret_scan_bytes
        self._others: list[str] = []
        self.root = root
        self.name = str(root)
        self.exclude = gitignore_spec(exclude) if exclude else None
        self.max_file_bytes = max_file_bytes
        self.display_prefix = display_prefix
        self._paths: list[str] | None = None

    def _walk(self) -> list[str]:
        if self._paths is not None:
            return self._paths
        out: list[str] = []
        specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []  # (dir prefix, spec) for .gitignore files

        def ignored(rel: str, is_dir: bool) -> bool:
            probe = rel + "/" if is_dir else rel
            if self.exclude is not None and self.exclude.match_file(probe):
                return True
            for prefix, spec in specs:
                if rel.startswith(prefix) and spec.match_file(probe[len(prefix):]):
                    return True
            return False

        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            gi = Path(dirpath) / ".gitignore"
            if gi.is_file():
                try:
                    lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
                    specs.append((rel_dir, gitignore_spec(lines)))
                except OSError:
                    pass
            dirnames[:] = sorted(
                d for d in dirnames
                if d not in ALWAYS_SKIPPED_DIRS
                and not os.path.islink(os.path.join(dirpath, d))
                and not ignored(rel_dir + d, True)
            )
            for f in sorted(filenames):
                rel = rel_dir + f
                if ignored(rel, False):
                    continue
                if language_for(f) is not None:
                    out.append(rel)
                elif self.secrets and not f.lower().endswith(NOT_TEXT_SUFFIXES):
                    self._others.append(rel)
        self._paths = out
        return out

    def count(self) -> int:
        """Number of parseable files under the root after ignores."""
        return len(self._walk())

    def iter_files(self) -> Iterator[SourceFile | Diagnostic]:
        """Yield each parseable file (read whole, or up to max_file_bytes) or an `unreadable` diagnostic."""
        for rel in self._walk():
            full = self.root / rel
            shown = self.display_prefix + rel
            try:
                if full.is_symlink():
                    continue
                size = full.stat().st_size
                with open(full, "rb") as fh:
                    data = fh.read(self.max_file_bytes)
            except OSError as exc:
                yield Diagnostic(shown, "unreadable", f"cannot read file: {exc.strerror or exc}", Severity.WARNING)
                continue
            yield SourceFile(shown, data, size=size, truncated=size > len(data), secrets=self._secret_mode(rel, data))
        yield from self._secret_only()

    def _secret_mode(self, rel: str, data: bytes) -> str:
        if not self.secrets or b"\x00" in data[:8192]:
            return ""
        from auditor.sources.classify import is_minified
        from auditor.sources.secrets import scan_mode

        return scan_mode(rel, is_minified(rel, data))

    def _secret_only(self) -> Iterator[SourceFile]:
        """The text files the auditor does not parse, searched for secrets only (not extracted)."""
        for rel in self._others:
            full = self.root / rel
            try:
                if full.is_symlink() or not full.is_file() or full.stat().st_size > self.max_secret_scan_bytes:
                    continue
                with open(full, "rb") as fh:
                    data = fh.read(self.max_secret_scan_bytes)
            except OSError:
                continue
            mode = self._secret_mode(rel, data)
            if mode:
                yield SourceFile(self.display_prefix + rel, data, size=len(data), secrets=mode, extract=False)
