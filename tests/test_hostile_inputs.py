"""Hostile inputs for every reader, generated on the fly and scanned through the CLI.

Each case builds one hostile target (a source map, a bundle, an npm tarball, a wheel, a zip, a tar,
a directory) and scans it with `auditor scan HOSTILE CLEAN`, where CLEAN is a small source tree with
one flag read. Per case the test asserts:

- the exit code is 0 or 1 (`--fail-on error`): the input was refused or read, never a crash, and
  no internal error was caught (no `*-failed` diagnostic: a hostile item is a fact about the input);
- the diagnostic (code) or finding the case is about was recorded;
- the clean target of the same run was scanned (its flag read is stored);
- nothing was written outside the auditor's private temp dir: the working directory, the directory
  holding the inputs and the temp dir are unchanged (the temp dir is empty again);
- no stored text holds a surrogate (every row reads back as valid UTF-8).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app
from test_artifacts_kit import inline, link, special, tar_bytes, zip_bytes

CLEAN_JS = "if (process.env.CLEAN_FLAG) { enable(); }\n"
BUNDLE = "var a = process.env.BUNDLE_FLAG;\n//# sourceMappingURL=app.js.map\n"


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]
    """Writes the hostile target under the given directory and returns its path."""
    codes: tuple[str, ...] = ()
    """At least one diagnostic with one of these codes must be stored (empty: no check)."""
    rule: str | None = None
    """A finding with this rule id must be stored."""
    check: Callable | None = None
    """Extra assertion: check(conn)."""


# -- builders -------------------------------------------------------------------------------------

def _map_json(**fields) -> dict:
    m = {"version": 3, "file": "app.js", "sources": ["src/a.ts"], "names": [], "mappings": "AAAA",
         "sourcesContent": ["export const a = process.env.MAP_FLAG;\n"]}
    m.update(fields)
    return m


def map_raw(raw: bytes) -> Callable[[Path], Path]:
    """A bundle `app.js` with an external `app.js.map` holding `raw` bytes; the target is the bundle."""
    def build(d: Path) -> Path:
        (d / "app.js.map").write_bytes(raw)
        (d / "app.js").write_text(BUNDLE)
        return d / "app.js"
    return build


def map_text(text: str) -> Callable[[Path], Path]:
    return map_raw(text.encode("utf-8", "surrogatepass"))


def map_obj(**fields) -> Callable[[Path], Path]:
    return map_raw(json.dumps(_map_json(**fields)).encode())


def map_in_tgz(raw: bytes) -> Callable[[Path], Path]:
    """The same map inside an npm tarball."""
    def build(d: Path) -> Path:
        p = d / "pkg.tgz"
        p.write_bytes(tar_bytes([("package/package.json", '{"name": "m", "version": "1.0.0"}'),
                                 ("package/app.js", BUNDLE), ("package/app.js.map", raw)]))
        return p
    return build


def nested(depth: int, leaf: str = '"x"') -> str:
    return "[" * depth + leaf + "]" * depth


def bundle(text: str, name: str = "hostile.js") -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        (d / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        return d / name
    return build


def npm(files: dict[str, bytes | str], package_json: bytes | str | None = None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        pj = package_json if package_json is not None else '{"name": "h", "version": "1.0.0"}'
        entries = [("package/package.json", pj)] + [(f"package/{k}", v) for k, v in files.items()]
        p = d / "pkg.tgz"
        p.write_bytes(tar_bytes(entries))
        return p
    return build


def package_json(raw: bytes | str, files: dict | None = None) -> Callable[[Path], Path]:
    return npm({"index.js": "process.env.PKG_FLAG\n", **(files or {})}, raw)


def tar_of(entries: list, name: str = "t.tgz", compress: str = "gz") -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        p = d / name
        p.write_bytes(tar_bytes([("package/package.json", '{"name": "t", "version": "1.0.0"}'),
                                 ("package/ok.js", "process.env.OK_FLAG\n"), *entries], compress))
        return p
    return build


def raw_file(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        (d / name).write_bytes(data())
        return d / name
    return build


def zip_with(infos: list[tuple[zipfile.ZipInfo | str, bytes]], name: str = "z.zip", patch: tuple[bytes, bytes] | None = None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("ok.js", "process.env.OK_FLAG\n")
            for info, data in infos:
                if isinstance(info, str):
                    info = zipfile.ZipInfo(info)
                    info.compress_type = zipfile.ZIP_DEFLATED
                with z.open(info, "w") as fh:  # writestr refuses an empty name
                    fh.write(data)
        data = buf.getvalue()
        if patch is not None:
            data = data.replace(*patch)
        (d / name).write_bytes(data)
        return d / name
    return build


def zip_symlink(name: str, target: bytes) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def sparse_tar(expanded: int, name: str = "package/hole.js") -> bytes:
    """A gzipped GNU tar whose one sparse member stores 512 bytes and expands to `expanded`."""
    info = tarfile.TarInfo(name)
    info.size = 512
    info.type = tarfile.GNUTYPE_SPARSE
    header = bytearray(info.tobuf(tarfile.GNU_FORMAT))
    def octal(n: int, width: int) -> bytes:
        return f"{n:0{width - 1}o}".encode() + b"\0"
    header[386:398] = octal(expanded - 512, 12)   # sparse[0].offset
    header[398:410] = octal(512, 12)              # sparse[0].numbytes
    header[482] = 0                               # not extended
    header[483:495] = octal(expanded, 12)         # realsize
    header[148:156] = b"        "
    header[148:156] = f"{sum(header[:512]):06o}".encode() + b"\0 "
    body = bytes(header[:512]) + b"A" * 512
    return gzip.compress(_tar_head() + body + b"\0" * 10240, mtime=0)


def _tar_head() -> bytes:
    """package.json and ok.js as tar members, without the end-of-archive blocks."""
    raw = io.BytesIO()
    tar = tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT)
    for name, data in (("package/package.json", b'{"name": "s", "version": "1.0.0"}'), ("package/ok.js", b"process.env.OK_FLAG\n")):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()[:tar.offset]


def directory(files: dict[str, str], special_files: Callable[[Path], None] | None = None) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        root = d / "tree"
        root.mkdir()
        for k, v in files.items():
            (root / k).parent.mkdir(parents=True, exist_ok=True)
            (root / k).write_text(v)
        if special_files is not None:
            special_files(root)
        return root
    return build


def make_fifo(root: Path) -> None:
    os.mkfifo(root / "x.js")


def make_socket(root: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(root / "sock.js"))
    s.close()


def make_symlink_out(root: Path) -> None:
    outside = root.parent / "outside-secret.js"
    outside.write_text("process.env.OUTSIDE_FLAG\n")
    os.symlink(outside, root / "link.js")


def make_bad_name(root: Path) -> None:
    with open(os.path.join(os.fsencode(root), b"caf\xff.js"), "w") as fh:
        fh.write("process.env.BADNAME_FLAG\n")


def big_zip_member() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("ok.js", "process.env.OK_FLAG\n")
        z.writestr("bomb.txt", b"\0" * (4 * 1024 * 1024))
    return buf.getvalue()


def zip_declared_huge() -> bytes:
    """A zip whose central directory declares a 4 GiB-1 member it does not hold."""
    data = zip_bytes([("ok.js", "process.env.OK_FLAG\n"), ("big.bin", b"x" * 100)], compression=zipfile.ZIP_STORED)
    cd = data.rfind(b"PK\x01\x02")
    # uncompressed size of the last central-directory record (offset 24)
    return data[:cd + 24] + (0xFFFFFFFE).to_bytes(4, "little") + data[cd + 28:]


def tar_declared_huge() -> bytes:
    info = tarfile.TarInfo("package/huge.js")
    info.size = 8 * 1024**3
    header = info.tobuf(tarfile.GNU_FORMAT)
    return gzip.compress(_tar_head() + header + b"x" * 4096, mtime=0)


def truncated(data: Callable[[], bytes], keep: float) -> Callable[[], bytes]:
    return lambda: data()[: int(len(data()) * keep)]


def nested_archives() -> bytes:
    inner2 = tar_bytes([("package/deep.js", "process.env.DEEP\n")])
    inner1 = tar_bytes([("package/inner2.tgz", inner2)])
    return tar_bytes([("package/package.json", '{"name": "n", "version": "1.0.0"}'), ("package/inner1.tgz", inner1)])


SURROGATE = "\\ud800"
RAW_SURROGATE = b"\xed\xa0\x80"


def _raw_map(field: str) -> bytes:
    """A map whose `field` string holds the raw bytes ED A0 80 (an encoded lone surrogate)."""
    m = json.dumps(_map_json(**{field: "MARK"} if field != "sources" else {"sources": ["src/MARK.ts"]}))
    if field == "sourcesContent":
        m = json.dumps(_map_json(sourcesContent=["export const s = 'MARK';\n"]))
    return m.encode().replace(b"MARK", b"x" + RAW_SURROGATE + b"y")


def _index_map(section_key: str, inner: dict | None = None) -> str:
    body = json.dumps(inner or _map_json())
    return '{"version": 3, "file": "app.js", "sections": [{"' + section_key + '": {"line": 0, "column": 0}, "map": ' + body + "}]}"


def _map_with_escape(esc: str, n: int = 1) -> str:
    return json.dumps(_map_json(sourcesContent=["export const e = 'ESC';\n"])).replace("ESC", esc * n)


def _check_map_source(path_fragment: str):
    def check(conn):
        rows = conn.execute("SELECT path FROM map_sources").fetchall()
        assert any(path_fragment in r[0] for r in rows), rows
    return check


def _check_entry(path: str, member_type: str | None = None, refused: str | None = None):
    def check(conn):
        rows = conn.execute("SELECT member_type, refused FROM entries WHERE path = ?", [path]).fetchall()
        assert rows, conn.execute("SELECT path, member_type, refused FROM entries").fetchall()
        if member_type is not None:
            assert rows[0][0] == member_type, rows
        if refused is not None:
            assert rows[0][1] == refused, rows
    return check


def _check_flag(key: str):
    def check(conn):
        keys = {r[0] for r in conn.execute("SELECT flag_key FROM flag_reads").fetchall()}
        assert key in keys, keys
    return check


def _check_no_flag(key: str):
    def check(conn):
        keys = {r[0] for r in conn.execute("SELECT flag_key FROM flag_reads").fetchall()}
        assert key not in keys, keys
    return check


CASES = [
    # -- source maps: lone surrogates in every field, as JSON escapes and as raw bytes
    Case("map-sources-surrogate-escape", map_text(json.dumps(_map_json(sources=["src/a" + SURROGATE + ".ts"])).replace("\\\\", "\\")),
         ("source-map-problem",), "ART014", _check_map_source("ud800")),
    Case("map-sourceRoot-surrogate-escape", map_text(json.dumps(_map_json(sourceRoot="root" + SURROGATE)).replace("\\\\", "\\")), ("source-map-problem",), "ART014"),
    Case("map-file-surrogate-escape", map_text(json.dumps(_map_json(file="app" + SURROGATE + ".js")).replace("\\\\", "\\")), ("source-map-problem",), "ART014"),
    Case("map-sourcesContent-surrogate-escape", map_text(json.dumps(_map_json(sourcesContent=["export const s = 'x" + SURROGATE + "';\n"])).replace("\\\\", "\\")),
         ("source-map-problem",), "ART001"),
    Case("map-names-surrogate-escape", map_text(json.dumps(_map_json(names=["n" + SURROGATE])).replace("\\\\", "\\")), (), "ART001"),
    Case("map-sources-raw-surrogate-bytes", map_raw(_raw_map("sources")), (), "ART001", _check_map_source("xed")),
    Case("map-sourceRoot-raw-surrogate-bytes", map_raw(_raw_map("sourceRoot")), (), "ART001"),
    Case("map-file-raw-surrogate-bytes", map_raw(_raw_map("file")), (), "ART001"),
    Case("map-sourcesContent-raw-surrogate-bytes", map_raw(_raw_map("sourcesContent")), (), "ART001"),
    Case("map-in-tgz-surrogate-in-sources", map_in_tgz(json.dumps(_map_json(sources=["src/a" + SURROGATE + ".ts", "src/b.ts"])).replace("\\\\", "\\").encode()),
         ("source-map-problem",), "ART014"),
    Case("map-in-tgz-raw-bytes-in-sources", map_in_tgz(_raw_map("sources")), (), "ART001"),
    Case("map-pair-of-surrogates-is-one-character", map_text(json.dumps(_map_json(sources=["src/\\ud83d\\ude00.ts"])).replace("\\\\", "\\")),
         (), "ART001", _check_map_source("\U0001F600")),
    # -- index maps: section keys and bodies
    Case("index-map-section-key-surrogate", map_text(_index_map("off" + SURROGATE + "set")), (), "ART001"),
    Case("index-map-section-key-bad-escape", map_text(_index_map("off\\qset")), ("source-map-problem",), "ART014"),
    Case("index-map-section-key-short-unicode-escape", map_text(_index_map("off\\u12set")), ("source-map-problem",), "ART014"),
    Case("index-map-section-not-an-object", map_text('{"version": 3, "sections": [42, {"map": ' + json.dumps(_map_json()) + "}]}"), ("source-map-problem",), "ART001"),
    Case("index-map-section-holding-an-index-map", map_text('{"version": 3, "sections": [{"map": {"version": 3, "sections": []}}, {"map": ' + json.dumps(_map_json()) + "}]}"),
         ("source-map-problem",), "ART001"),
    Case("index-map-section-bad-version", map_text('{"version": 3, "sections": [{"map": {"version": 7}}, {"map": ' + json.dumps(_map_json()) + "}]}"),
         ("source-map-problem",), "ART001"),
    Case("index-map-section-by-url", map_text('{"version": 3, "sections": [{"url": "other.map"}]}'), ("source-map-problem",), "ART014"),
    # -- bad escapes and broken JSON
    Case("map-bad-escape-in-content", map_text(_map_with_escape("\\q")), ("source-map-problem",), "ART001"),
    Case("map-lone-u-escape-in-content", map_text(_map_with_escape("\\u")), ("source-map-problem",), "ART001"),
    Case("map-too-many-bad-escapes", map_text(_map_with_escape("\\q", 20)), ("malformed-source-map",), "ART014"),
    Case("map-truncated", map_text(json.dumps(_map_json())[:40]), ("malformed-source-map",), "ART014"),
    Case("map-is-an-array", map_text("[1, 2, 3]"), ("malformed-source-map",), "ART014"),
    Case("map-not-json", map_raw(b"\xff\xfe\x00garbage"), ("malformed-source-map",), "ART014"),
    Case("map-xssi-prefix-and-bom", map_raw(b"\xef\xbb\xbf)]}'\n" + json.dumps(_map_json()).encode()), (), "ART001"),
    Case("map-control-characters-in-content", map_text(json.dumps(_map_json()).replace("\\n", "\n\x01\x02")), (), "ART001"),
    Case("map-sourcesContent-item-a-number", map_obj(sources=["a.ts", "b.ts"], sourcesContent=[42, "export const b = 'bbbbbbbb';\n"]), ("source-map-problem",), "ART001"),
    Case("map-sources-not-a-list", map_obj(sources={"a": 1}), ("source-map-problem",), "ART014"),
    Case("map-mappings-a-number", map_obj(mappings=12), ("source-map-problem",), "ART014"),
    Case("map-version-a-string", map_obj(version="3"), ("malformed-source-map",), "ART014"),
    # -- deep nesting
    Case("map-sources-nested-1000", map_text(json.dumps(_map_json()).replace('"sources": ["src/a.ts"]', '"sources": ' + nested(1000))),
         ("source-map-problem", "malformed-source-map"), "ART014"),
    Case("map-sources-nested-100000", map_text(json.dumps(_map_json()).replace('"sources": ["src/a.ts"]', '"sources": ' + nested(100_000))),
         ("malformed-source-map",), "ART014"),
    Case("map-unknown-member-nested-100000", map_text(json.dumps(_map_json())[:-1] + ', "x_deep": ' + nested(100_000) + "}"), ("malformed-source-map",), "ART014"),
    # -- inline maps
    Case("inline-map-surrogate-in-sources", bundle("process.env.INLINE_FLAG;\n" + inline(json.dumps(_map_json(sources=["s" + SURROGATE + ".ts"])).replace("\\\\", "\\").encode("utf-8", "surrogatepass")) + "\n"),
         ("source-map-problem",), "ART002"),
    Case("inline-map-bad-base64", bundle("process.env.INLINE_FLAG;\n//# sourceMappingURL=data:application/json;base64,@@@@\n"), ("malformed-source-map",), "ART002"),
    Case("inline-map-nested-deep", bundle("process.env.INLINE_FLAG;\n" + inline(("{\"version\": 3, \"x\": " + nested(50_000) + "}").encode()) + "\n"),
         ("malformed-source-map",), "ART014"),
    # -- string literals the extraction decodes
    Case("js-lone-u-escape", bundle("var s = '\\u'; var t = process.env.AFTER_FLAG;\n"), (), None, _check_flag("AFTER_FLAG")),
    Case("js-surrogate-escape-flag-key", bundle("ld.variation('\\ud800key', false); process.env['\\udc80'];\nprocess.env.AFTER_FLAG\n"), (), None, _check_flag("AFTER_FLAG")),
    Case("js-bad-code-point-escape", bundle("var s = '\\u{110000}\\u{'; process.env.AFTER_FLAG\n"), (), None, _check_flag("AFTER_FLAG")),
    Case("js-raw-surrogate-bytes-in-string", raw_file("raw.js", lambda: b"var s = '" + RAW_SURROGATE + b"'; process.env.AFTER_FLAG\n"), (), None, _check_flag("AFTER_FLAG")),
    Case("py-surrogate-escape-and-bad-name", bundle("import os\nos.environ.get('\\ud800')\nos.getenv('\\N{NO SUCH NAME}')\nos.getenv('AFTER_FLAG')\n", "h.py"), (), None, _check_flag("AFTER_FLAG")),
    Case("map-content-js-literal-surrogate", map_obj(sourcesContent=["export const s = '\\ud800 long literal';\n"]), (), "ART001"),
    # -- package.json
    Case("package-json-surrogate-escape-in-name", package_json('{"name": "p\\ud800", "version": "1.0.0"}'), (), None,
         lambda conn: conn.execute("SELECT package_name FROM artifacts").fetchall() == [("p\\ud800",)] or pytest.fail(str(conn.execute("SELECT package_name FROM artifacts").fetchall()))),
    Case("package-json-raw-surrogate-bytes", package_json(b'{"name": "p' + RAW_SURROGATE + b'", "version": "1.0.0", "main": "m' + RAW_SURROGATE + b'.js"}'), (), None, _check_flag("PKG_FLAG")),
    Case("package-json-nested-1000", package_json('{"name": "p", "version": "1.0.0", "x": ' + nested(1000) + "}"), (), None, _check_flag("PKG_FLAG")),
    Case("package-json-nested-100000", package_json('{"name": "p", "x": ' + nested(100_000) + "}"), ("invalid-package-json",), None, _check_flag("PKG_FLAG")),
    Case("package-json-an-array", package_json("[1]"), ("invalid-package-json",), None, _check_flag("PKG_FLAG")),
    Case("package-json-not-json", package_json("{name: p"), ("invalid-package-json",), None, _check_flag("PKG_FLAG")),
    Case("package-json-files-bang-ships-env", package_json('{"name": "p", "version": "1.0.0", "files": ["!"]}', {".env": "AWS_SECRET=1\n"}),
         ("invalid-ignore-pattern",), "ART005"),
    Case("package-json-files-bracket", package_json('{"name": "p", "version": "1.0.0", "files": ["[", "index.js"]}', {".env": "X=1\n"}), (), "ART005"),
    Case("package-json-files-surrogate", package_json('{"name": "p", "version": "1.0.0", "files": ["\\ud800", "index.js"]}'), (), None, _check_flag("PKG_FLAG")),
    Case("npmignore-bang-ships-env", npm({".npmignore": "!\n*.log\n", ".env": "AWS_SECRET=1\n", "index.js": "process.env.PKG_FLAG\n"}),
         ("invalid-ignore-pattern",), "ART005"),
    Case("npmignore-lone-backslash", npm({"sub/.npmignore": "\\\n", "sub/a.js": "process.env.PKG_FLAG\n"}), ("invalid-ignore-pattern",), None, _check_flag("PKG_FLAG")),
    # -- directories
    Case("gitignore-bang", directory({".gitignore": "!\nignored.js\n", "a.js": "process.env.DIR_FLAG\n", "ignored.js": "process.env.IGNORED_FLAG\n"}),
         ("invalid-ignore-pattern",), None, lambda conn: (_check_flag("DIR_FLAG")(conn), _check_no_flag("IGNORED_FLAG")(conn))),
    Case("gitignore-bracket", directory({".gitignore": "[\n", "a.js": "process.env.DIR_FLAG\n"}), (), None, _check_flag("DIR_FLAG")),
    Case("gitignore-lone-backslash", directory({"sub/.gitignore": "\\\n", "sub/a.js": "process.env.DIR_FLAG\n"}), ("invalid-ignore-pattern",), None, _check_flag("DIR_FLAG")),
    Case("fifo-named-x-js", directory({"a.js": "process.env.DIR_FLAG\n"}, make_fifo), ("not-regular-file",), None, _check_flag("DIR_FLAG")),
    Case("socket-named-sock-js", directory({"a.js": "process.env.DIR_FLAG\n"}, make_socket), ("not-regular-file",), None, _check_flag("DIR_FLAG")),
    Case("symlink-to-outside-not-followed", directory({"a.js": "process.env.DIR_FLAG\n"}, make_symlink_out), (), None,
         lambda conn: (_check_flag("DIR_FLAG")(conn), _check_no_flag("OUTSIDE_FLAG")(conn))),
    Case("non-utf8-file-name", directory({"a.js": "process.env.DIR_FLAG\n"}, make_bad_name), (), None, _check_flag("BADNAME_FLAG")),
    # -- zip archives
    Case("zip-symlink-entry-large", zip_with([(zip_symlink("big-link", b""), b"a" * (8 * 1024 * 1024))]), (), None, _check_entry("big-link", "symlink")),
    Case("zip-symlink-entry-outside", zip_with([(zip_symlink("evil-link", b""), b"../../etc/passwd")]), ("link-outside",), "ART011"),
    Case("zip-empty-entry-name", zip_with([("", b"process.env.EMPTY\n")]), ("empty-name",), "ART011"),
    Case("zip-slip", zip_with([("../../evil.js", b"process.env.EVIL\n")]), ("path-traversal",), "ART011"),
    Case("zip-absolute-path", zip_with([("/tmp/h1-absolute-evil.js", b"process.env.EVIL\n")]), ("absolute-path",), "ART011"),
    Case("zip-non-utf8-name", zip_with([("cafX.js", b"process.env.CAFE\n")], patch=(b"cafX.js", b"caf\xff.js")), ("non-utf8-name",), "ART011"),
    Case("zip-utf8-flagged-name-not-utf8", zip_with([("caféX.js", b"process.env.CAFE\n")], patch=("caféX".encode(), b"caf\xed\xa0\x80")),
         ("non-utf8-name",), "ART011", _check_flag("OK_FLAG")),
    Case("zip-compression-bomb", raw_file("bomb.zip", big_zip_member), ("compression-ratio",), "ART012"),
    Case("zip-declared-huge-size", raw_file("huge.zip", zip_declared_huge), ("unreadable", "compression-ratio", "too-large"), None),
    Case("zip-truncated", raw_file("trunc.zip", truncated(big_zip_member, 0.5)), ("corrupt",), "ART013"),
    Case("wheel-garbage-metadata", zip_with([("h-1.0.dist-info/METADATA", b"\xff\xfe\x00" * 100), ("h-1.0.dist-info/WHEEL", b"x"),
                                             ("h-1.0.dist-info/top_level.txt", b"h\xed\xa0\x80\n")], name="h-1.0-py3-none-any.whl"), (), None, _check_flag("OK_FLAG")),
    # -- tar archives
    Case("tar-sparse-member-expands-to-1-gib", raw_file("sparse.tgz", lambda: sparse_tar(1024**3)), ("compression-ratio",), "ART012",
         _check_entry("hole.js", None, "compression-ratio")),
    Case("tar-symlink-not-followed", tar_of([link("package/l.js", "ok.js")]), (), None, _check_entry("l.js", "symlink")),
    Case("tar-symlink-outside", tar_of([link("package/l.js", "../../../etc/passwd")]), ("link-outside",), "ART011"),
    Case("tar-hardlink-outside", tar_of([link("package/h.js", "../../etc/shadow", hard=True)]), ("link-outside",), "ART011"),
    Case("tar-fifo-member", tar_of([special("package/f.js", tarfile.FIFOTYPE)]), ("special-file",), "ART011"),
    Case("tar-device-member", tar_of([special("package/d.js", tarfile.CHRTYPE)]), ("special-file",), "ART011"),
    Case("tar-slip", tar_of([("package/../../evil.js", "process.env.EVIL\n")]), ("path-traversal",), "ART011"),
    Case("tar-absolute", tar_of([("/tmp/h1-absolute-evil.js", "process.env.EVIL\n")]), ("absolute-path",), "ART011"),
    Case("tar-non-utf8-name", raw_file("n.tar", lambda: _tar_bad_name()), ("non-utf8-name",), "ART011"),
    Case("tar-truncated", raw_file("trunc.tgz", truncated(lambda: tar_bytes([("package/package.json", "{}"), ("package/a.js", os.urandom(200_000).hex())]), 0.5)),
         ("truncated",), "ART013"),
    Case("tar-declared-huge-size", raw_file("huge.tgz", tar_declared_huge), ("too-large", "truncated", "unreadable"), None),
    Case("tar-gzip-bomb", raw_file("bomb.tgz", lambda: tar_bytes([("package/package.json", "{}"), ("package/zero.bin", b"\0" * (8 * 1024 * 1024))])),
         ("compression-ratio",), "ART012"),
    Case("tar-nested-too-deep", raw_file("nest.tgz", nested_archives), ("nested-too-deep",), "ART012"),
    Case("tar-duplicate-names", tar_of([("package/ok.js", "process.env.SECOND\n")]), ("duplicate-name",), "ART011"),
    Case("tar-not-an-archive", raw_file("x.tgz", lambda: b"\x1f\x8b" + os.urandom(300)), ("corrupt", "truncated"), "ART013"),
]


def _tar_bad_name() -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8", errors="surrogateescape") as tar:
        for name, data in (("package/package.json", b"{}"), ("package/caf\udcff.js", b"process.env.X\n"), ("package/ok.js", b"process.env.OK_FLAG\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def test_there_are_at_least_60_cases():
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): (p.lstat().st_size if not p.is_dir() else -1) for p in root.rglob("*")}


def _all_text_is_valid(conn) -> None:
    tables = [r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
    for t in tables:
        cols = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? AND data_type = 'VARCHAR'", [t]).fetchall()]
        for c in cols:
            for (v,) in conn.execute(f'SELECT "{c}" FROM "{t}" WHERE "{c}" IS NOT NULL').fetchall():
                v.encode("utf-8")  # raises on a surrogate


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_or_read_and_the_other_target_is_scanned(case: Case, tmp_path, monkeypatch):
    inputs, work, private = tmp_path / "in", tmp_path / "cwd", tmp_path / "tmp"
    for d in (inputs, work, private):
        d.mkdir()
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "clean.js").write_text(CLEAN_JS)
    target = case.build(inputs)
    cfg = tmp_path / "empty.toml"
    cfg.write_text("")
    before = _snapshot(inputs)
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    db = tmp_path / "db" / "scan.duckdb"
    db.parent.mkdir()
    result = CliRunner().invoke(app, ["scan", str(target), str(clean), "--db", str(db), "--config", str(cfg), "--quiet",
                                      "--fail-on", "error", "--jobs", "1", "--no-cache"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    assert _snapshot(inputs) == before and list(work.iterdir()) == [] and list(private.iterdir()) == []
    assert not Path("/tmp/h1-absolute-evil.js").exists()
    conn = store.connect(db, read_only=True)
    try:
        codes = [r[0] for r in conn.execute("SELECT code FROM diagnostics").fetchall()]
        assert not [c for c in codes if c.endswith("-failed")], codes
        if case.codes:
            assert set(case.codes) & set(codes), (case.codes, codes)
        if case.rule:
            rules = {r[0] for r in conn.execute("SELECT rule_id FROM findings").fetchall()}
            assert case.rule in rules, (case.rule, rules)
        reads = conn.execute("SELECT path, flag_key FROM flag_reads").fetchall()
        assert ("clean.js", "CLEAN_FLAG") in reads or any(k == "CLEAN_FLAG" and p.endswith("clean.js") for p, k in reads), reads
        if case.check is not None:
            case.check(conn)
        _all_text_is_valid(conn)
    finally:
        conn.close()


def test_an_invalid_exclude_pattern_is_ignored_and_reported(tmp_path):
    from auditor.sources.directory import DirectorySource

    (tmp_path / "a.js").write_text("process.env.A\n")
    (tmp_path / "b.js").write_text("process.env.B\n")
    out = list(DirectorySource(tmp_path, ("!", "b.js")).iter_files())
    diags = [(d.code, d.message) for d in out if hasattr(d, "code")]
    assert diags == [("invalid-ignore-pattern", "exclude line 1: '!' is not a valid pattern; ignored (as git and npm do)")]
    assert [f.path for f in out if not hasattr(f, "code")] == ["a.js"]
