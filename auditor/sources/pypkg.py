"""Python distributions: wheel and sdist metadata, and which wheel entries belong to a declared
top-level package.

A wheel's `*.dist-info/top_level.txt` names its import packages; an entry is covered when it is under
one of them (`superset/...`), is one of them as a module (`six.py`), or is the wheel's own
`*.dist-info/` or `*.data/` tree. Without `top_level.txt` (hatchling, flit, uv write none) coverage
is unknown (NULL). Metadata (`Name`, `Version`) is read from `METADATA` / `PKG-INFO` with the email
header parser, as the core metadata spec prescribes.
"""

from __future__ import annotations

import re
from email.parser import BytesHeaderParser

DIST_INFO = re.compile(r"^[^/]+\.dist-info/")
DATA_DIR = re.compile(r"^[^/]+\.data/")


def parse_metadata(data: bytes) -> tuple[str | None, str | None]:
    """(Name, Version) from core metadata bytes (METADATA or PKG-INFO)."""
    try:
        msg = BytesHeaderParser().parsebytes(data[:256 * 1024])
    except Exception:  # noqa: BLE001 - malformed metadata: unknown name
        return None, None
    return msg.get("Name"), msg.get("Version")


def top_level_names(data: bytes) -> frozenset[str]:
    """Package names listed in a `top_level.txt`."""
    return frozenset(ln.strip().replace("\\", "/") for ln in data.decode("utf-8", "replace").splitlines() if ln.strip())


class WheelCoverage:
    """Covered = inside a declared top-level package, the dist-info or the data directory."""

    def __init__(self, top_level: frozenset[str] | None):
        self.top_level = top_level

    def covered(self, path: str) -> tuple[bool | None, str]:
        """(covered, reason); covered is None when the wheel declares no top-level packages."""
        if DIST_INFO.match(path) or DATA_DIR.match(path):
            return True, "wheel metadata"
        if self.top_level is None:
            return None, ""
        for top in self.top_level:
            if path == top + ".py" or path.startswith(top.rstrip("/") + "/") or ("/" not in path and path.split(".", 1)[0] == top):
                return True, f"top-level: {top}"
        return False, "not a top-level package"
