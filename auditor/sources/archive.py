"""What every archive reader shares: the `Member` record, whole-archive `Problem`s, the entry and
byte `Budget`, name and link checks, and the `Reader` interface the artifact walk
(`auditor.sources.walk`) reads through. The readers are one module per format: `tarball` (tar,
gzip/bzip2/xz), `ziparchive` (wheels, zip, jar), `bundle` (a bundle or source map file on disk).

Readers list members and read their bytes without ever writing a member to disk.

A tar stream (gzip, bzip2, xz or plain) is decompressed into a private spooled temp file (memory up
to 64 MiB, then a file in the artifact's private temp dir), under the uncompressed-total and
compression-ratio limits; `tarfile` then reads members from it by offset. Zip files (wheels) are read
in place through their central directory. Member names are never joined to a filesystem path, so a
hostile name cannot write anywhere; `tarfile.data_filter` is still run on each tar link and special
member to *judge* it (links leaving the archive, device files) with the standard library's rules.
For a regular file or directory whose name `name_problem` accepts (not absolute, no `..`) the
filter can refuse nothing, and its `realpath` of the destination cost 4-5 `lstat` calls a member
(0.1 s on gemini-cli-core's 6 000 members), so it is not run there.

Readers never raise for bad content: whole-archive problems (corrupt, truncated, a limit hit) are
collected in `problems`, per-member ones in `Member.problem`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import IO, Protocol

DRIVE = re.compile(r"^[A-Za-z]:")


class ReadFailed(Exception):
    """A member's bytes could not be read (truncated, bad CRC, encrypted ...)."""


@dataclass(slots=True)
class Problem:
    """A whole-archive problem: `code` is a refusal code (corrupt, truncated, too-large,
    compression-ratio, too-many-entries)."""

    code: str
    message: str


@dataclass(slots=True)
class Member:
    """One member of an archive as its reader saw it."""

    name: str
    """Name as stored (decoded; undecodable bytes kept as surrogates, see `bad_name`)."""
    type: str
    """file, dir, symlink, hardlink, device, fifo, other."""
    size: int
    """Uncompressed bytes, as the header says."""
    compressed_size: int | None = None
    """Bytes stored in a zip archive; None for tar members and files on disk."""
    link_target: str | None = None
    """Where a symlink or hardlink points, as stored."""
    bad_name: bool = False
    """The stored name is not valid UTF-8."""
    problem: str | None = None
    """Refusal code decided by the reader (path-traversal, absolute-path, link-outside, special-file,
    compression-ratio), or None."""
    detail: str = ""
    """More about the refusal (the `tarfile` filter's reason, an internal error)."""
    handle: object = field(default=None, repr=False)
    """What the reader needs to read the member (a TarInfo, a ZipInfo, a path)."""


@dataclass(slots=True)
class Budget:
    """Uncompressed bytes and entries left for one target (nested archives draw from the same budget)."""

    bytes_left: int
    entries_left: int


def show_name(name: str) -> str:
    """A member name for display and storage: surrogate-escaped bytes shown as `\\xNN`, controls escaped."""
    raw = name.encode("utf-8", "surrogateescape")
    text = raw.decode("utf-8", "backslashreplace")
    if text.isprintable():  # nearly every name: nothing to escape
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}" for ch in text)


def name_problem(name: str) -> str | None:
    """Refusal code for a member name itself: empty-name, absolute-path or path-traversal (POSIX and
    Windows forms)."""
    n = name.replace("\\", "/")
    if not n.strip("/"):
        return "empty-name"
    if n.startswith("/") or DRIVE.match(n):
        return "absolute-path"
    if ".." in n.split("/"):
        return "path-traversal"
    return None


def link_problem(name: str, target: str, hard: bool) -> str | None:
    """`link-outside` when a link's target is absolute or resolves outside the archive root."""
    t = target.replace("\\", "/")
    if t.startswith("/") or DRIVE.match(t):
        return "link-outside"
    base = "" if hard else posixpath.dirname(name.replace("\\", "/"))
    resolved = posixpath.normpath(posixpath.join("/root", base, t))
    if resolved != "/root" and not resolved.startswith("/root/"):
        return "link-outside"
    return None


def guarded_member(read, info, name: str) -> Member:
    """`read(info)`, or a member refused as `member-failed` (an internal error) when its header makes the reader fail
    (a bug met on hostile bytes loses that member only)."""
    try:
        return read(info)
    except Exception as exc:  # noqa: BLE001 - failure isolation: one member lost, never the archive
        return Member(name or "", "other", 0, problem="member-failed", detail=f"internal error reading its header: {type(exc).__name__}: {exc}"[:300])


def has_surrogates(s: str) -> bool:
    """Whether `s` holds a lone surrogate U+DC80–U+DCFF: a byte that was not valid UTF-8 in a member
    name decoded with `surrogateescape` (Python's `tarfile`/`os` convention)."""
    return any("\udc80" <= ch <= "\udcff" for ch in s)


def counted(reader, items: Iterable, name) -> Iterator[Member]:
    """The members of `items` (tar or zip headers) read by `reader._member` (see `guarded_member`),
    each drawn from `reader.budget`'s entries; at the entry limit a `too-many-entries` problem is
    recorded on `reader` and the rest are not read. `name(item)` is an item's member name."""
    for item in items:
        if reader.budget.entries_left <= 0:
            reader.problems.append(Problem("too-many-entries", f"more than {reader.limits.max_entries} entries; the rest were not read"))
            return
        reader.budget.entries_left -= 1
        yield guarded_member(reader._member, item, name(item))


class Reader(Protocol):
    """An archive (or a file on disk) as the artifact walk reads it."""

    problems: list[Problem]
    """Whole-archive problems met so far (corrupt, truncated, a limit)."""
    damage: str | None
    """Why the stream ended early (members cut by it are refused with this code), or None."""

    def members(self) -> Iterator[Member]:
        """Members in archive order; never raises for bad content (problems are recorded)."""

    def open(self, member: Member) -> AbstractContextManager[IO[bytes]]:
        """A binary stream of the member's bytes. Raises ReadFailed."""

    def read(self, member: Member, limit: int) -> bytes:
        """Up to `limit` bytes of the member. Raises ReadFailed."""

    def close(self) -> None:
        """Release what the reader holds (spool files, the zip file)."""
