"""Zip archives (wheels, .zip, .jar, .egg, .nupkg), read in place through their central directory
(see `auditor.sources.archive`)."""

from __future__ import annotations

import io
import lzma
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from auditor.sources.archive import Budget, Member, Problem, ReadFailed, counted, link_problem, name_problem, show_name
from auditor.sources.limits import Limits


class ZipReader:
    """A zip archive (wheels, .zip, .jar), read through its central directory."""

    def __init__(self, src: Path | io.BufferedIOBase, limits: Limits, budget: Budget):
        self.limits = limits
        self.budget = budget
        self.problems: list[Problem] = []
        self.damage: str | None = None
        self._zf: zipfile.ZipFile | None = None
        try:
            try:
                self._zf = zipfile.ZipFile(src)
            except UnicodeDecodeError:  # a name flagged UTF-8 that is not: read every name as bytes instead
                self._zf = zipfile.ZipFile(_without_utf8_flags(src, limits.max_nested_bytes))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            self.problems.append(Problem("corrupt", f"not a readable zip archive (corrupt or truncated): {exc}"))

    def members(self) -> Iterator[Member]:
        """Members in central-directory order; stops (with a problem) at the entry limit."""
        if self._zf is None:
            return
        yield from counted(self, self._zf.infolist(), lambda info: info.filename)

    def _member(self, info: zipfile.ZipInfo) -> Member:
        name, bad = info.filename, False
        if not info.flag_bits & 0x800:
            try:
                raw = info.orig_filename.encode("cp437")
            except UnicodeEncodeError:
                raw = info.orig_filename.encode("utf-8", "surrogateescape")
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                name, bad = raw.decode("utf-8", "surrogateescape"), True
            if info.filename.endswith("/") and not name.endswith("/"):
                name += "/"
        mode = info.external_attr >> 16
        if info.filename.endswith("/"):  # not ZipInfo.is_dir(): it fails on an empty name
            kind = "dir"
        elif stat.S_ISLNK(mode):
            kind = "symlink"
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            kind = "device"
        elif stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            kind = "fifo"
        else:
            kind = "file"
        m = Member(name.rstrip("/") if kind == "dir" else name, kind, info.file_size, info.compress_size, None, bad, handle=info)
        m.problem = name_problem(name)
        if kind == "symlink":  # the link target is the entry's data: read 4 KiB of it at most, never whole
            try:
                with self._zf.open(info) as fh:  # type: ignore[union-attr]
                    m.link_target = show_name(fh.read(4096).decode("utf-8", "surrogateescape"))
            except Exception:  # noqa: BLE001 - a broken link entry is refused below
                m.link_target = ""
            m.size = 0
            if m.problem is None:
                m.problem = link_problem(name, m.link_target, False)
        if m.problem is None and kind in ("device", "fifo"):
            m.problem = "special-file"
        if (m.problem is None and kind == "file" and info.file_size >= max(self.limits.ratio_min_bytes, 1)
                and info.file_size > self.limits.max_ratio * max(info.compress_size, 1)):
            m.problem = "compression-ratio"
            m.detail = f"{info.file_size} bytes from {info.compress_size} ({info.file_size / max(info.compress_size, 1):.0f}:1)"
        return m

    def open(self, member: Member):
        """A binary file object over a member's bytes. Raises ReadFailed."""
        try:
            return self._zf.open(member.handle)  # type: ignore[union-attr]
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, NotImplementedError) as exc:
            raise ReadFailed(str(exc) or type(exc).__name__) from exc

    def read(self, member: Member, limit: int) -> bytes:
        """Up to `limit` bytes of a member (CRC checked when read whole). Raises ReadFailed."""
        try:
            with self._zf.open(member.handle) as fh:  # type: ignore[union-attr]
                data = fh.read(limit)
                if len(data) < limit:
                    fh.read(1)  # reach EOF so the CRC is checked
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zlib.error, lzma.LZMAError) as exc:
            raise ReadFailed(str(exc) or type(exc).__name__) from exc
        return data

    def close(self) -> None:
        """Close the zip file."""
        if self._zf is not None:
            self._zf.close()


def _without_utf8_flags(src: Path | io.BufferedIOBase, limit: int) -> io.BytesIO:
    """The zip archive in `src` (at most `limit` bytes, else ValueError) with the UTF-8 name flag
    (bit 11) cleared in every central-directory record and local header, so `zipfile` reads each name as cp437 and
    `ZipReader._member` judges its bytes itself (a name that is not UTF-8 is refused alone,
    instead of the whole archive failing to open)."""
    if isinstance(src, Path):
        if src.stat().st_size > limit:
            raise ValueError(f"a member name is not valid UTF-8 and the archive is over {limit} bytes")
        data = bytearray(src.read_bytes())
    else:
        src.seek(0)
        data = bytearray(src.read(limit + 1))
        if len(data) > limit:
            raise ValueError(f"a member name is not valid UTF-8 and the archive is over {limit} bytes")
    pos = data.find(b"PK\x01\x02")
    while 0 <= pos and pos + 46 <= len(data) and data[pos:pos + 4] == b"PK\x01\x02":
        flags = int.from_bytes(data[pos + 8:pos + 10], "little")
        data[pos + 8:pos + 10] = (flags & ~0x800).to_bytes(2, "little")
        n, m, k = (int.from_bytes(data[pos + o:pos + o + 2], "little") for o in (28, 30, 32))
        local = int.from_bytes(data[pos + 42:pos + 46], "little")  # the local header repeats the flag
        if data[local:local + 4] == b"PK\x03\x04":
            lflags = int.from_bytes(data[local + 6:local + 8], "little")
            data[local + 6:local + 8] = (lflags & ~0x800).to_bytes(2, "little")
        pos += 46 + n + m + k
    return io.BytesIO(bytes(data))
