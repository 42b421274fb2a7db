"""Which reader a file target needs, by name then by magic bytes (`artifact_format`), and the
artifact file's digest. Imported by the sources that open targets and by the walk that opens
nested archives; imports no other source module."""

from __future__ import annotations

import hashlib
from pathlib import Path

TAR_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".crate")
ZIP_SUFFIXES = (".whl", ".zip", ".jar", ".egg", ".nupkg")
BUNDLE_SUFFIXES = (".js", ".mjs", ".cjs")
BY_SUFFIX = ((TAR_SUFFIXES, "tar"), (ZIP_SUFFIXES, "zip"), (BUNDLE_SUFFIXES, "bundle"), ((".map",), "source-map"))
"""File-name suffixes → artifact format, checked in order."""


def artifact_format(path: Path) -> str | None:
    """tar, zip, bundle or source-map for a file target, by name then by magic bytes; None if neither."""
    low = path.name.lower()
    by_name = next((fmt for suffixes, fmt in BY_SUFFIX if low.endswith(suffixes)), None)
    if by_name is not None:
        return by_name
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00" or head[257:262] == b"ustar":
        return "tar"
    return None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at `path`, read in blocks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
