"""Archive readers: list members and read their bytes without ever writing a member to disk.

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

import bz2
import io
import lzma
import os
import posixpath
import re
import stat
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from auditor.sources.limits import Limits

CHUNK = 1 << 20
SPOOL_MAX = 64 * 1024 * 1024
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
    compressed_size: int | None = None
    link_target: str | None = None
    bad_name: bool = False
    problem: str | None = None
    """Refusal code decided by the reader (path-traversal, absolute-path, link-outside, special-file,
    compression-ratio), or None."""
    detail: str = ""
    handle: object = field(default=None, repr=False)


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


class TarReader:
    """A tar archive, compressed with gzip, bzip2 or xz, or plain."""

    def __init__(self, src: Path | io.BufferedIOBase, limits: Limits, budget: Budget, workdir: str | None, compressed_size: int):
        self.limits = limits
        self.budget = budget
        self.problems: list[Problem] = []
        self._stream_cut = False
        self.damage: str | None = None
        """Why the stream ends early (truncated, too-large, compression-ratio): members cut by it are
        refused with this code, under the one archive-level finding already made."""
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX, dir=workdir)
        fh = open(src, "rb") if isinstance(src, Path) else src
        try:
            self._decompress(fh, compressed_size)
        except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
            self.problems.append(Problem("corrupt", f"archive stream is corrupt: {exc}"))
        finally:
            if isinstance(src, Path):
                fh.close()
        self._spool.seek(0)
        self._tf: tarfile.TarFile | None = None
        try:
            self._tf = tarfile.open(fileobj=self._spool, mode="r:", encoding="utf-8", errors="surrogateescape")
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            if not self._stream_cut:
                self.problems.append(Problem("corrupt", f"not a readable tar archive: {exc}"))

    # -- decompression under limits ----------------------------------------------------------
    def _decompress(self, fh, compressed_size: int) -> None:
        head = fh.read(6)
        fmt = _format(head)
        cap = self.budget.bytes_left + 1024 * max(self.budget.entries_left, 1) + 10240
        too_large = f"uncompressed size exceeds the limit of {self.limits.max_total_bytes} bytes; the rest was not read"
        written = 0
        if fmt == "tar":  # plain tar: copy under the size cap
            data = head
            while data:
                if written + len(data) > cap:
                    self._spool.write(data[:max(cap - written, 0)])
                    return self._cut("too-large", too_large)
                self._spool.write(data)
                written += len(data)
                data = fh.read(CHUNK)
            return
        dec = _Decoder(fmt)
        consumed = 0
        buf = head
        while True:
            if not buf:
                buf = fh.read(CHUNK)
                if not buf:
                    break
            consumed += len(buf)
            data, buf = buf, b""
            while True:
                out = dec.step(data)
                data = b""
                if written + len(out) > cap:
                    self._spool.write(out[:max(cap - written, 0)])
                    return self._cut("too-large", too_large)
                self._spool.write(out)  # what was decompressed before a limit is still read
                written += len(out)
                if written >= max(self.limits.ratio_min_bytes, 1) and written > self.limits.max_ratio * max(consumed, 1):
                    return self._cut("compression-ratio", f"compression ratio above {self.limits.max_ratio:g}:1 "
                                     f"({written} bytes from {consumed}); decompression stopped")
                if dec.eof:
                    rest = dec.unused_data
                    if fmt == "gzip" and rest[:2] == b"\x1f\x8b":  # multi-member gzip
                        dec = _Decoder(fmt)
                        data = rest
                        continue
                    return  # end of stream (trailing padding ignored)
                if not dec.has_more:
                    break
        if not dec.eof:
            self._stream_cut = True
            self.damage = "truncated"
            self.problems.append(Problem("truncated", "archive is truncated (compressed stream ends early); "
                                         "entries after the cut were not read"))

    def _cut(self, code: str, message: str) -> None:
        self._stream_cut = True
        self.damage = code
        self.problems.append(Problem(code, message))

    # -- members -------------------------------------------------------------------------------
    def members(self) -> Iterator[Member]:
        """Members in archive order; stops (with a problem) at corruption or the entry limit."""
        tf = self._tf
        if tf is None:
            return
        while True:
            try:
                ti = tf.next()
            except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeError) as exc:
                if not self._stream_cut:
                    self.problems.append(Problem("corrupt", f"archive is corrupt or truncated after {len(tf.members)} members: {exc}"))
                return
            if ti is None:
                return
            if self.budget.entries_left <= 0:
                self.problems.append(Problem("too-many-entries", f"more than {self.limits.max_entries} entries; the rest were not read"))
                return
            self.budget.entries_left -= 1
            yield _guarded_member(self._member, ti, ti.name)

    def _member(self, ti: tarfile.TarInfo) -> Member:
        if ti.isreg():
            kind = "file"
        elif ti.isdir():
            kind = "dir"
        elif ti.issym():
            kind = "symlink"
        elif ti.islnk():
            kind = "hardlink"
        elif ti.ischr() or ti.isblk():
            kind = "device"
        elif ti.isfifo():
            kind = "fifo"
        else:
            kind = "other"
        bad = _has_surrogates(ti.name) or _has_surrogates(ti.linkname or "")
        m = Member(ti.name, kind, ti.size if kind == "file" else 0, None, show_name(ti.linkname) if ti.linkname else None, bad, handle=ti)
        m.problem = name_problem(ti.name)
        if m.problem is None and kind not in ("file", "dir"):  # see the module doc
            try:
                tarfile.data_filter(ti, "/nonexistent-auditor-dest")
            except tarfile.SpecialFileError:
                m.problem = "special-file"
            except (tarfile.AbsoluteLinkError, tarfile.LinkOutsideDestinationError):
                m.problem = "link-outside"
            except tarfile.AbsolutePathError:
                m.problem = "absolute-path"
            except tarfile.OutsideDestinationError:
                m.problem = "path-traversal"
            except tarfile.FilterError as exc:
                m.problem, m.detail = "unsafe-member", str(exc)
        if m.problem is None and kind in ("symlink", "hardlink"):
            m.problem = link_problem(ti.name, ti.linkname, kind == "hardlink")
        if m.problem is None and kind in ("device", "fifo", "other"):
            m.problem = "special-file"
        if kind == "file" and ti.issparse():  # GNU/PAX sparse: `size` is the expanded size; judge it as a ratio
            stored = sum(n for _, n in (ti.sparse or ()))
            m.compressed_size = stored
            if (m.problem is None and ti.size >= max(self.limits.ratio_min_bytes, 1)
                    and ti.size > self.limits.max_ratio * max(stored, 1)):
                m.problem = "compression-ratio"
                m.detail = f"sparse member expands to {ti.size} bytes from {stored} stored"
        return m

    def open(self, member: Member):
        """A binary file object over a regular member's bytes. Raises ReadFailed."""
        try:
            fh = self._tf.extractfile(member.handle)  # type: ignore[union-attr]
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise ReadFailed(str(exc)) from exc
        if fh is None:
            raise ReadFailed("not a regular file")
        return fh

    def read(self, member: Member, limit: int) -> bytes:
        """Up to `limit` bytes of a regular member. Raises ReadFailed."""
        try:
            fh = self._tf.extractfile(member.handle)  # type: ignore[union-attr]
            if fh is None:
                raise ReadFailed("not a regular file")
            data = fh.read(limit)
        except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
            raise ReadFailed(str(exc) or type(exc).__name__) from exc
        if len(data) < min(limit, member.size):
            raise ReadFailed(f"member is truncated ({len(data)} of {member.size} bytes)")
        return data

    def close(self) -> None:
        """Release the spool (and its temp file)."""
        try:
            if self._tf is not None:
                self._tf.close()
        finally:
            self._spool.close()


def _format(head: bytes) -> str:
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh":
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    return "tar"


class _Decoder:
    """Incremental gzip/bzip2/xz decompression with bounded output per step."""

    def __init__(self, fmt: str):
        self.fmt = fmt
        self._d = zlib.decompressobj(31) if fmt == "gzip" else bz2.BZ2Decompressor() if fmt == "bz2" else lzma.LZMADecompressor()
        self._tail = b""

    def step(self, data: bytes) -> bytes:
        """Feed `data` (may be empty) and return at most 4 MiB of output."""
        if self.fmt == "gzip":
            out = self._d.decompress(self._tail + data, CHUNK * 4)
            self._tail = self._d.unconsumed_tail
            return out
        if self._d.eof:
            return b""
        return self._d.decompress(data, CHUNK * 4)

    @property
    def has_more(self) -> bool:
        """Output is pending without more input."""
        if self.fmt == "gzip":
            return bool(self._tail)
        return not self._d.eof and not self._d.needs_input

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data


def _guarded_member(read, info, name: str) -> Member:
    """`read(info)`, or a member refused as `member-failed` (an internal error) when its header makes the reader fail
    (a bug met on hostile bytes loses that member only)."""
    try:
        return read(info)
    except Exception as exc:  # noqa: BLE001 - failure isolation: one member lost, never the archive
        return Member(name or "", "other", 0, problem="member-failed", detail=f"internal error reading its header: {type(exc).__name__}: {exc}"[:300])


def _has_surrogates(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


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
        """Members in central-directory order."""
        if self._zf is None:
            return
        for info in self._zf.infolist():
            if self.budget.entries_left <= 0:
                self.problems.append(Problem("too-many-entries", f"more than {self.limits.max_entries} entries; the rest were not read"))
                return
            self.budget.entries_left -= 1
            yield _guarded_member(self._member, info, info.filename)

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
