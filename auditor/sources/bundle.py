"""A single bundle or source map given as a target: the file on disk, plus the siblings it
references in its directory (a bundle's `.map`), read as members of a one-file artifact."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from auditor.sources.archive import Member, Problem, ReadFailed, name_problem


class FileReader:
    """A single bundle or source map on disk, plus siblings it references in the same directory."""

    def __init__(self, path: Path):
        self.root = path.parent
        self.path = path
        self.problems: list[Problem] = []
        self.damage: str | None = None

    def _member(self, rel: str) -> Member | None:
        full = self.root / rel
        try:
            st = os.lstat(full)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return Member(rel, "file", st.st_size, handle=full)

    def members(self) -> Iterator[Member]:
        """The file itself."""
        m = self._member(self.path.name)
        if m is not None:
            yield m

    def sibling(self, rel: str) -> Member | None:
        """A referenced file under the same directory (no `..`, no symlinks), or None."""
        if name_problem(rel) is not None or not rel:
            return None
        return self._member(rel)

    def open(self, member: Member):
        """The file opened for reading. Raises ReadFailed."""
        try:
            return open(member.handle, "rb")  # type: ignore[arg-type]
        except OSError as exc:
            raise ReadFailed(exc.strerror or str(exc)) from exc

    def read(self, member: Member, limit: int) -> bytes:
        """Up to `limit` bytes of the file. Raises ReadFailed."""
        try:
            with open(member.handle, "rb") as fh:  # type: ignore[arg-type]
                return fh.read(limit)
        except OSError as exc:
            raise ReadFailed(exc.strerror or str(exc)) from exc

    def close(self) -> None:
        """Nothing to release."""
