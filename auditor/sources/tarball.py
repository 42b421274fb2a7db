"""Tar archives (npm tarballs, sdists, .tar/.tgz/.tar.bz2/.tar.xz/.crate), compressed with gzip,
bzip2 or xz, or plain: the stream is decompressed into a private spooled temp file (memory up to
64 MiB, then a file in the artifact's private temp dir) under the uncompressed-total and
compression-ratio limits, and `tarfile` reads members from it by offset (see `auditor.sources.archive`)."""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from auditor.sources.archive import (Budget, Member, Problem, ReadFailed, counted, has_surrogates, link_problem, name_problem,
                                     show_name)
from auditor.sources.limits import Limits

CHUNK = 1 << 20
SPOOL_MAX = 64 * 1024 * 1024


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
        yield from counted(self, self._headers(), lambda ti: ti.name)

    def _headers(self) -> Iterator[tarfile.TarInfo]:
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
            yield ti

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
        bad = has_surrogates(ti.name) or has_surrogates(ti.linkname or "")
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
