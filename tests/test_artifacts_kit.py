"""Builders for the artifact tests: tarballs, wheels, zips and source maps made on the fly.

(No tests here: imported by test_artifacts.py, test_sourcemaps.py and test_hostile.py.)
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

from auditor import store
from auditor.config import Config
from auditor.scan import run_scan


def tar_bytes(entries: list, compress: str = "gz") -> bytes:
    """A tar stream. Each entry is (name, bytes|str) for a file, or a ready TarInfo (with no data)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                tar.addfile(e)
                continue
            name, data = e
            data = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 499162500
            tar.addfile(info, io.BytesIO(data))
    if compress == "gz":
        return gzip.compress(raw.getvalue(), compresslevel=1, mtime=0)
    return raw.getvalue()


def tgz(path: Path, entries: list, compress: str = "gz") -> Path:
    """Write `tar_bytes(entries)` to `path`."""
    path.write_bytes(tar_bytes(entries, compress))
    return path


def npm_tgz(path: Path, files: dict[str, bytes | str], package: dict | None = None) -> Path:
    """An npm tarball: `package/package.json` (from `package`) plus `files`, under `package/`."""
    pkg = {"name": "demo-pkg", "version": "1.0.0", **(package or {})}
    entries = [("package/package.json", json.dumps(pkg))] + [(f"package/{k}", v) for k, v in files.items()]
    return tgz(path, entries)


def link(name: str, target: str, hard: bool = False) -> tarfile.TarInfo:
    """A symlink (or hardlink) tar member."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


def special(name: str, kind: bytes) -> tarfile.TarInfo:
    """A device or FIFO member (`tarfile.CHRTYPE`, `BLKTYPE`, `FIFOTYPE`)."""
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def zip_bytes(entries: list[tuple[str, bytes | str]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of (name, data) entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in entries:
            z.writestr(name, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def wheel(path: Path, files: dict[str, bytes | str], name: str = "demo_pkg", version: str = "1.0", top_level: str | None = "demo_pkg") -> Path:
    """A wheel with METADATA (and top_level.txt unless None) plus `files`."""
    di = f"{name}-{version}.dist-info"
    entries = [(k, v) for k, v in files.items()]
    entries.append((f"{di}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"))
    entries.append((f"{di}/WHEEL", "Wheel-Version: 1.0\n"))
    if top_level is not None:
        entries.append((f"{di}/top_level.txt", top_level + "\n"))
    path.write_bytes(zip_bytes(entries))
    return path


def source_map(sources: list, contents: list | None = None, file: str | None = None, **extra) -> bytes:
    """A v3 source map as bytes. Its `mappings` (unless given) map one generated line to each source,
    as a bundler's map does: no source is map-only."""
    lines = ["AAAA"] + ["ACAA"] * (len(sources) - 1) if sources else []
    m = {"version": 3, "sources": sources, "names": [], "mappings": ";".join(lines), **extra}
    if file is not None:
        m["file"] = file
    if contents is not None:
        m["sourcesContent"] = contents
    return json.dumps(m).encode()


def inline(map_bytes: bytes) -> str:
    """A `sourceMappingURL` comment with the map as a base64 data URL."""
    return "//# sourceMappingURL=data:application/json;charset=utf-8;base64," + base64.b64encode(map_bytes).decode()


def config(**limits) -> Config:
    """A Config whose `[artifacts]` table holds `limits`."""
    return Config(extra={"artifacts": limits} if limits else {})


def scan(tmp_path: Path, *targets, cfg: Config | None = None):
    """Scan targets into a fresh database; returns (summary, read-only connection)."""
    db = tmp_path / f"scan-{len(list(tmp_path.glob('scan-*.duckdb')))}.duckdb"
    summary = run_scan([str(t) for t in targets], db, None, cfg or Config())
    return summary, store.connect(db, read_only=True)


def q(conn, sql: str, *params) -> list[tuple]:
    """All rows of a query."""
    return conn.execute(sql, list(params)).fetchall()


def findings(conn, rule_prefix: str = "ART") -> list[tuple]:
    """(rule_id, subject, path) of the ART findings, sorted."""
    return sorted(q(conn, "SELECT rule_id, subject, coalesce(path, '') FROM findings WHERE rule_id LIKE ?", rule_prefix + "%"))


def rules_fired(conn) -> set[str]:
    """Rule ids of all findings."""
    return {r[0] for r in q(conn, "SELECT DISTINCT rule_id FROM findings")}
