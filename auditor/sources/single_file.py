"""One parseable file (.ts, .py ...) given directly as a target."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from auditor.models import Diagnostic, Severity, SourceFile
from auditor.sources.interface import FileItem
from auditor.strings import valid_text


class SingleFileSource:
    """One parseable file given directly as a target."""

    def __init__(self, path: Path, max_file_bytes: int):
        self.path = path
        self.name = str(path)
        self.max_file_bytes = max_file_bytes

    def count(self) -> int:
        """Always 1."""
        return 1

    def iter_files(self) -> Iterator[FileItem]:
        """Yield the file (or an `unreadable` diagnostic)."""
        shown = valid_text(self.path.name)  # an undecodable byte in the name shows as \xNN
        try:
            size = self.path.stat().st_size
            with open(self.path, "rb") as fh:
                data = fh.read(self.max_file_bytes)
        except OSError as exc:
            yield Diagnostic(shown, "unreadable", f"cannot read file: {exc.strerror or exc}", Severity.WARNING)
            return
        yield SourceFile(shown, data, size=size, truncated=size > len(data))
