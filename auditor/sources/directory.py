"""A source tree on disk, walked honouring `.gitignore` files and configured excludes."""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.languages import language_for
from auditor.models import Diagnostic, Severity, SourceFile
from auditor.strings import valid_text

if TYPE_CHECKING:
    import pathspec

NOT_TEXT_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp", ".svgz", ".woff", ".woff2", ".ttf", ".otf", ".eot",
                     ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".jar", ".whl", ".pdf", ".so", ".dylib", ".dll", ".exe",
                     ".pyc", ".pyo", ".class", ".o", ".a", ".wasm", ".mp3", ".mp4", ".mov", ".avi", ".sqlite", ".db", ".duckdb",
                     ".parquet", ".bin", ".dat", ".npy", ".pkl", ".lock")
"""Files a directory walk does not search for secrets: binary by their name (others are judged by
their first 8 KiB: a NUL byte means binary)."""
ALWAYS_SKIPPED_DIRS = frozenset({".git", "node_modules", ".hg", ".svn", "__pycache__"})


def gitignore_spec(lines: Iterable[str], problems: list[str] | None = None) -> pathspec.GitIgnoreSpec:
    """pathspec's `GitIgnoreSpec` of `lines`; pathspec is imported on first use (10 ms that
    replaying a stored scan does without).

    A line pathspec rejects (`!`, a lone `\\`) is left out, as git and npm ignore such a line,
    and described in `problems` (`line N: 'pattern' is not a valid pattern; ignored`); without a
    `problems` list the error is raised (`ValueError`, pathspec's GitIgnorePatternError)."""
    import pathspec

    lines = list(lines)
    try:
        return _compile(pathspec, lines)
    except Exception:  # noqa: BLE001 - GitIgnorePatternError (a ValueError), re.error from a pattern's regex
        if problems is None:
            raise
    good = []
    for n, line in enumerate(lines, 1):
        try:
            _compile(pathspec, [line])
        except Exception as exc:  # noqa: BLE001 - see above: this line alone is ignored
            why = "is not a valid pattern" if isinstance(exc, ValueError) else f"cannot be compiled ({type(exc).__name__})"
            problems.append(f"line {n}: {valid_text(line)[:200]!r} {why}; ignored (as git and npm do)")
            continue
        good.append(line)
    return _compile(pathspec, good)


def _compile(pathspec, lines: list[str]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # re's FutureWarning on a pattern like `[[`: no noise in a scan's output
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
        self._exclude_problems: list[str] = []
        self.exclude = gitignore_spec(exclude, self._exclude_problems) if exclude else None
        self.max_file_bytes = max_file_bytes
        self.display_prefix = display_prefix
        self._paths: list[str] | None = None
        self._problems: list[Diagnostic] = []
        """Invalid ignore patterns met by the walk, yielded first by `iter_files`."""

    def _walk(self) -> list[str]:
        if self._paths is not None:
            return self._paths
        out: list[str] = []
        self._problems = [Diagnostic(self.name, "invalid-ignore-pattern", f"exclude {p}", Severity.WARNING) for p in self._exclude_problems]
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
                except OSError:
                    lines = None
                if lines is not None:
                    problems: list[str] = []
                    specs.append((rel_dir, gitignore_spec(lines, problems)))
                    shown = self.display_prefix + rel_dir + ".gitignore"
                    self._problems += [Diagnostic(shown, "invalid-ignore-pattern", f".gitignore {p}", Severity.WARNING) for p in problems]
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
        """Yield each parseable file (read whole, or up to max_file_bytes), a `not-regular-file`
        diagnostic for a FIFO, socket or device with a parseable name (never read: it is opened
        non-blocking and checked with `fstat` first), an `unreadable` diagnostic for a file that
        cannot be read, and first an `invalid-ignore-pattern` diagnostic per ignored pattern line.
        Symlinks are skipped (`O_NOFOLLOW`)."""
        paths = self._walk()
        yield from self._problems
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        for rel in paths:
            full = self.root / rel
            shown = valid_text(self.display_prefix + rel)  # an undecodable byte in a name shows as \xNN
            try:
                fd = os.open(full, flags)
            except OSError as exc:
                try:
                    mode = os.lstat(full).st_mode
                except OSError:
                    mode = stat.S_IFREG
                if stat.S_ISLNK(mode):
                    continue  # symlinks are not followed
                if not stat.S_ISREG(mode):  # a socket cannot even be opened
                    yield Diagnostic(shown, "not-regular-file", f"skipped: a {_special_kind(mode)}, not a regular file (never read)", Severity.WARNING)
                    continue
                yield Diagnostic(shown, "unreadable", f"cannot read file: {exc.strerror or exc}", Severity.WARNING)
                continue
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    yield Diagnostic(shown, "not-regular-file", f"skipped: a {_special_kind(st.st_mode)}, not a regular file (never read)", Severity.WARNING)
                    continue
                if hasattr(os, "set_blocking"):
                    os.set_blocking(fd, True)
                with os.fdopen(fd, "rb", closefd=False) as fh:
                    data = fh.read(self.max_file_bytes)
            except OSError as exc:
                yield Diagnostic(shown, "unreadable", f"cannot read file: {exc.strerror or exc}", Severity.WARNING)
                continue
            finally:
                os.close(fd)
            yield SourceFile(shown, data, size=st.st_size, truncated=st.st_size > len(data), secrets=self._secret_mode(rel, data))
        yield from self._secret_only()

    def _secret_mode(self, rel: str, data: bytes) -> str:
        if not self.secrets or b"\x00" in data[:8192]:
            return ""
        from auditor.sources.classify import is_minified
        from auditor.sources.secrets import scan_mode

        return scan_mode(rel, is_minified(rel, data))

    def _secret_only(self) -> Iterator[SourceFile]:
        """The text files the auditor does not parse, searched for secrets only (not extracted).
        Only regular files are read, opened as `iter_files` opens them (never a FIFO, never a symlink)."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        for rel in self._others:
            try:
                fd = os.open(self.root / rel, flags)
            except OSError:
                continue
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode) or st.st_size > self.max_secret_scan_bytes:
                    continue
                if hasattr(os, "set_blocking"):
                    os.set_blocking(fd, True)
                with os.fdopen(fd, "rb", closefd=False) as fh:
                    data = fh.read(self.max_secret_scan_bytes)
            except OSError:
                continue
            finally:
                os.close(fd)
            mode = self._secret_mode(rel, data)
            if mode:
                yield SourceFile(valid_text(self.display_prefix + rel), data, size=len(data), secrets=mode, extract=False)


def _special_kind(mode: int) -> str:
    return "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device or special file"
