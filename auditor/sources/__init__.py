"""Target readers: directories, archives, bundles and source maps.

`open_target` picks the reader for a target string; every reader implements `interface.Source`.
"""

from __future__ import annotations

from pathlib import Path

from auditor.config import Config
from auditor.errors import TargetError
from auditor.languages import language_for
from auditor.sources.directory import DirectorySource
from auditor.sources.interface import Source


class SingleFileSource:
    """One parseable file given directly as a target."""

    def __init__(self, path: Path, max_file_bytes: int):
        self.path = path
        self.name = str(path)
        self.max_file_bytes = max_file_bytes

    def count(self) -> int:
        """Always 1."""
        return 1

    def iter_files(self):
        """Yield the file (or an `unreadable` diagnostic)."""
        from auditor.models import Diagnostic, Severity, SourceFile

        try:
            size = self.path.stat().st_size
            with open(self.path, "rb") as fh:
                data = fh.read(self.max_file_bytes)
        except OSError as exc:
            yield Diagnostic(self.path.name, "unreadable", f"cannot read file: {exc.strerror or exc}", Severity.WARNING)
            return
        yield SourceFile(self.path.name, data, size=size, truncated=size > len(data))


def open_target(target: str, config: Config) -> Source:
    """The Source for a target string. Raises TargetError for a missing or unsupported target."""
    path = Path(target)
    if path.is_dir():
        return DirectorySource(path, config.exclude, config.max_file_bytes)
    if path.is_file():
        if language_for(path.name) is not None:
            return SingleFileSource(path, config.max_file_bytes)
        raise TargetError(f"unsupported target: {target} (expected a directory or a .js/.ts/.py file)")
    raise TargetError(f"target not found: {target}")
