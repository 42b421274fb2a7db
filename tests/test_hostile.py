"""Hostile and broken archives: each case is built on the fly and must end as a refused entry with a
diagnostic and a finding (never a crash, never a write outside the auditor's private temp dir), while
the rest of the artifact and every other target are still scanned."""

from __future__ import annotations

import gzip
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from test_artifacts_kit import config, link, npm_tgz, q, scan, special, tar_bytes, tgz, zip_bytes

PKG = ("package/package.json", '{"name": "hostile", "version": "6.6.6"}')
GOOD = ("package/good.js", "if (process.env.GOOD_FLAG) {}\n")


def refused(conn) -> list[tuple]:
    return q(conn, "SELECT path, member_type, refused FROM entries WHERE refused IS NOT NULL ORDER BY path")


def diag_codes(conn) -> list[str]:
    return sorted(r[0] for r in q(conn, "SELECT code FROM diagnostics"))


def art_findings(conn) -> list[tuple]:
    return sorted(q(conn, "SELECT rule_id, subject FROM findings WHERE rule_id LIKE 'ART01%'"))


def good_was_scanned(conn) -> bool:
    return ("GOOD_FLAG",) in q(conn, "SELECT flag_key FROM flag_reads WHERE resolved")


@pytest.fixture
def tmp_watch(tmp_path, monkeypatch):
    """A private temp dir for the auditor: the test fails if a scan leaves anything in it."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield tmp_path
    assert list(private.iterdir()) == []


@pytest.mark.parametrize("name, code", [
    ("package/../../evil.js", "path-traversal"),
    ("../evil.js", "path-traversal"),
    ("/tmp/evil-absolute.js", "absolute-path"),
])
def test_traversal_and_absolute_names_are_refused_and_nothing_is_written(tmp_watch, name, code, monkeypatch):
    work = tmp_watch / "work" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    art = tgz(tmp_watch / "evil.tgz", [PKG, GOOD, (name, "console.log('pwned')\n")])
    summary, conn = scan(tmp_watch, art)
    assert refused(conn) == [(name.removeprefix("package/"), "file", code)]
    assert diag_codes(conn) == [code] and art_findings(conn) == [("ART011", code)]
    assert good_was_scanned(conn)
    assert not (tmp_watch / "evil.js").exists() and not (tmp_watch / "work" / "evil.js").exists()
    assert not Path("/tmp/evil-absolute.js").exists()
    assert q(conn, "SELECT status, refused_count FROM artifacts") == [("partial", 1)]


def test_windows_style_traversal_and_drive_paths_in_a_zip_are_refused(tmp_watch):
    z = tmp_watch / "w.zip"
    z.write_bytes(zip_bytes([("ok.js", "process.env.GOOD_FLAG\n"), ("..\\..\\evil.js", "x"), ("C:\\evil.js", "x")]))
    _, conn = scan(tmp_watch, z)
    assert refused(conn) == [("..\\\\..\\\\evil.js", "file", "path-traversal"), ("C:\\\\evil.js", "file", "absolute-path")] or \
        refused(conn) == [("..\\..\\evil.js", "file", "path-traversal"), ("C:\\evil.js", "file", "absolute-path")]
    assert good_was_scanned(conn)


def test_links_pointing_outside_are_refused_links_inside_are_recorded_not_followed(tmp_watch):
    art = tgz(tmp_watch / "links.tgz", [
        PKG, GOOD,
        link("package/etc", "../../../etc/passwd"),
        link("package/abs", "/etc/passwd"),
        link("package/hard", "../outside.js", hard=True),
        link("package/alias.js", "good.js"),
    ])
    _, conn = scan(tmp_watch, art)
    assert refused(conn) == [("abs", "symlink", "link-outside"), ("etc", "symlink", "link-outside"), ("hard", "hardlink", "link-outside")]
    assert q(conn, "SELECT path, member_type, link_target, sha256 FROM entries WHERE path = 'alias.js'") == [("alias.js", "symlink", "good.js", None)]
    assert art_findings(conn) == [("ART011", "link-outside")] * 3
    assert good_was_scanned(conn)


def test_device_files_and_fifos_are_refused(tmp_watch):
    art = tgz(tmp_watch / "dev.tgz", [PKG, GOOD, special("package/sda", tarfile.BLKTYPE), special("package/tty", tarfile.CHRTYPE),
                                      special("package/pipe", tarfile.FIFOTYPE)])
    _, conn = scan(tmp_watch, art)
    assert refused(conn) == [("pipe", "fifo", "special-file"), ("sda", "device", "special-file"), ("tty", "device", "special-file")]
    assert art_findings(conn) == [("ART011", "special-file")] * 3 and good_was_scanned(conn)


def test_more_entries_than_the_limit_stops_reading(tmp_watch):
    art = tgz(tmp_watch / "many.tgz", [PKG, GOOD] + [(f"package/f{i}.txt", "x") for i in range(10)])
    _, conn = scan(tmp_watch, art, cfg=config(max_entries=4))
    assert q(conn, "SELECT count(*) FROM entries")[0][0] == 4  # package.json, good.js, f0, f1
    assert art_findings(conn) == [("ART012", "hostile: too-many-entries")]
    assert "too-many-entries" in diag_codes(conn) and good_was_scanned(conn)


def test_uncompressed_total_over_the_limit_is_refused(tmp_watch):
    art = tgz(tmp_watch / "big.tgz", [PKG, GOOD] + [(f"package/blob{i}.txt", os.urandom(4000).hex()) for i in range(3)])
    _, conn = scan(tmp_watch, art, cfg=config(max_total_bytes=10_000))
    assert art_findings(conn) == [("ART012", "too-large")]
    assert "too-large" in diag_codes(conn) and good_was_scanned(conn)


def test_a_gzip_bomb_is_cut_at_the_compression_ratio_limit(tmp_watch):
    raw = tar_bytes([PKG, GOOD, ("package/zeros.bin", b"\0" * (20 * 1024 * 1024))], compress="")
    art = tmp_watch / "bomb.tgz"
    art.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
    _, conn = scan(tmp_watch, art)
    assert art_findings(conn) == [("ART012", "hostile: compression-ratio")]
    assert good_was_scanned(conn)
    assert q(conn, "SELECT status FROM artifacts") == [("partial",)]


def test_a_zip_entry_with_an_extreme_ratio_is_refused_unread(tmp_watch):
    z = tmp_watch / "bomb.zip"
    z.write_bytes(zip_bytes([("good.js", "process.env.GOOD_FLAG\n"), ("zeros.bin", b"\0" * (8 * 1024 * 1024))]))
    _, conn = scan(tmp_watch, z)
    assert refused(conn) == [("zeros.bin", "file", "compression-ratio")]
    assert art_findings(conn) == [("ART012", "compression-ratio")] and good_was_scanned(conn)


def test_a_truncated_tarball_keeps_what_was_read(tmp_watch):
    data = tar_bytes([PKG, GOOD, ("package/blob.bin", os.urandom(200_000)), ("package/late.js", "process.env.LATE\n")])
    art = tmp_watch / "cut.tgz"
    art.write_bytes(data[: len(data) // 2])
    _, conn = scan(tmp_watch, art)
    assert art_findings(conn) == [("ART013", "hostile: truncated")]
    assert good_was_scanned(conn) and ("LATE",) not in q(conn, "SELECT flag_key FROM flag_reads")
    assert q(conn, "SELECT status FROM artifacts") == [("corrupt",)]


CORRUPT = [
    ("noise.tgz", os.urandom(2048)),
    ("noise.whl", b"PK\x03\x04" + os.urandom(2048)),
    ("empty.tgz", b""),
    ("notgzip.tgz", b"\x1f\x8b\x08\x00" + os.urandom(100)),
]


def test_corrupt_archives_are_a_finding_and_other_targets_are_still_scanned(tmp_watch):
    bad = []
    for name, data in CORRUPT:
        (tmp_watch / name).write_bytes(data)
        bad.append(str(tmp_watch / name))
    good_dir = tmp_watch / "src"
    good_dir.mkdir()
    (good_dir / "good.js").write_text("if (process.env.GOOD_FLAG) {}\n")
    result = CliRunner().invoke(app, ["scan", *bad, str(good_dir), "--db", str(tmp_watch / "a.duckdb"), "--quiet"])
    assert result.exit_code == 0, result.output
    from auditor import store

    conn = store.connect(tmp_watch / "a.duckdb", read_only=True)
    assert good_was_scanned(conn)
    assert q(conn, "SELECT artifact, status FROM artifacts ORDER BY artifact") == sorted((b, "corrupt") for b in bad)
    assert sorted(q(conn, "SELECT target, rule_id FROM findings")) == sorted((b, "ART013") for b in bad)


def test_a_zip_entry_with_a_bad_crc_is_unreadable_the_rest_is_scanned(tmp_watch):
    data = bytearray(zip_bytes([("good.js", "process.env.GOOD_FLAG\n"), ("bad.js", "x" * 50)], compression=zipfile.ZIP_STORED))
    k = data.find(b"x" * 50)
    data[k:k + 5] = b"yyyyy"  # content no longer matches its CRC
    z = tmp_watch / "crc.zip"
    z.write_bytes(bytes(data))
    _, conn = scan(tmp_watch, z)
    assert refused(conn) == [("bad.js", "file", "unreadable")]
    assert art_findings(conn) == [("ART013", "unreadable")] and good_was_scanned(conn)


def test_archives_nested_beyond_one_level_are_refused(tmp_watch):
    level2 = tar_bytes([("package/deep.js", "process.env.DEEP\n")])
    level1 = zip_bytes([("inner/deeper.tgz", level2), ("inner/mid.js", "process.env.MID_FLAG\n")])
    art = npm_tgz(tmp_watch / "nest.tgz", {"good.js": "if (process.env.GOOD_FLAG) {}\n", "vendor/level1.zip": level1})
    _, conn = scan(tmp_watch, art)
    assert q(conn, "SELECT path, refused FROM entries WHERE kind = 'archive' ORDER BY path") == [
        ("inner/deeper.tgz", "nested-too-deep"), ("vendor/level1.zip", None)]
    assert art_findings(conn) == [("ART012", "nested-too-deep")]
    flags = {r[0] for r in q(conn, "SELECT flag_key FROM flag_reads WHERE resolved")}
    assert {"GOOD_FLAG", "MID_FLAG"} <= flags and "DEEP" not in flags


def test_nesting_depth_is_configurable(tmp_watch):
    inner = zip_bytes([("x.js", "process.env.INNER\n")])
    art = npm_tgz(tmp_watch / "n.tgz", {"good.js": "if (process.env.GOOD_FLAG) {}\n", "inner.zip": inner})
    _, conn = scan(tmp_watch, art, cfg=config(max_depth=0))
    assert art_findings(conn) == [("ART012", "nested-too-deep")]
    assert ("INNER",) not in q(conn, "SELECT flag_key FROM flag_reads")


def test_duplicate_names_refuse_the_later_copy(tmp_watch):
    art = tgz(tmp_watch / "dup.tgz", [PKG, GOOD, ("package/index.js", "reviewed()\n"), ("package/index.js", "process.env.SWAPPED\n")])
    _, conn = scan(tmp_watch, art)
    assert refused(conn) == [("index.js", "file", "duplicate-name")]
    assert art_findings(conn) == [("ART011", "duplicate-name")]
    assert ("SWAPPED",) not in q(conn, "SELECT flag_key FROM flag_reads") and good_was_scanned(conn)


def test_non_utf8_names_are_refused_in_tar_and_zip(tmp_watch):
    raw_name = b"package/caf\xe9-\xff.js".decode("utf-8", "surrogateescape")
    buf = tmp_watch / "names.tar"
    with tarfile.open(buf, "w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tar:
        for name, data in (PKG, GOOD, (raw_name, b"x\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            import io
            tar.addfile(info, io.BytesIO(data.encode() if isinstance(data, str) else data))
    zdata = bytearray(zip_bytes([("good.js", "process.env.GOOD_FLAG\n"), ("pkg/XX.js", "x\n")]))
    zdata = bytes(zdata).replace(b"pkg/XX.js", b"pkg/\xff\xfe.js")
    z = tmp_watch / "names.zip"
    z.write_bytes(zdata)
    _, conn = scan(tmp_watch, buf, z)
    assert sorted(r[1:] for r in refused(conn)) == [("file", "non-utf8-name"), ("file", "non-utf8-name")]
    assert sorted(r[0] for r in refused(conn)) == ["caf\\xe9-\\xff.js", "pkg/\\xff\\xfe.js"]
    assert art_findings(conn) == [("ART011", "non-utf8-name")] * 2


def test_a_hostile_archive_does_not_stop_the_other_targets(tmp_watch):
    bad = tgz(tmp_watch / "bad.tgz", [("../../x.js", "x"), link("package/l", "/etc/passwd"), special("package/d", tarfile.CHRTYPE)])
    other = npm_tgz(tmp_watch / "other.tgz", {"good.js": "if (process.env.GOOD_FLAG) {}\n"})
    result = CliRunner().invoke(app, ["scan", str(bad), str(other), "--db", str(tmp_watch / "a.duckdb")])
    assert result.exit_code == 0, result.output
    assert "ART011" in result.output
    from auditor import store

    conn = store.connect(tmp_watch / "a.duckdb", read_only=True)
    assert good_was_scanned(conn) and q(conn, "SELECT count(*) FROM artifacts")[0][0] == 2
