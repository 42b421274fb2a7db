"""ART015: bundler metadata shipped in a release (esbuild metafile, webpack stats, Vite manifest,
.tsbuildinfo) on an esbuild metafile made by esbuild (tests/fixtures/releases/bundler-meta) and
metadata files built here; web app manifests and other JSON are not reported."""

from __future__ import annotations

import json
from pathlib import Path

from auditor.sources.bundler_meta import read_metadata
from test_artifacts_kit import npm_tgz, q, scan

META = Path(__file__).parent / "fixtures" / "releases" / "bundler-meta" / "meta.json"
WEBPACK = {"version": "5.90.0", "assets": [{"name": "main.js"}], "chunks": [{"id": 1, "modules": [
    {"name": "./src/app.ts", "size": 1200}, {"name": "./node_modules/react/index.js", "size": 190}]}],
    "modules": [{"name": "./src/app.ts + 2 modules", "size": 1200}, {"name": "./src/secret-admin.ts", "size": 800}]}
VITE = {"src/main.ts": {"file": "assets/main-BXk3m9aF.js", "src": "src/main.ts", "isEntry": True, "imports": ["_vendor.js"]},
        "_vendor.js": {"file": "assets/vendor-Cq2w9ZzA.js"}}
TSBUILDINFO = {"program": {"fileNames": ["../node_modules/typescript/lib/lib.es2022.d.ts", "./src/index.ts", "./src/internal/admin.ts"]},
               "version": "5.4.5"}
WEB_APP_MANIFEST = {"name": "Acme", "short_name": "acme", "icons": [{"src": "icon.png", "sizes": "192x192"}], "start_url": "/"}


def test_metadata_files_are_recognized_by_name_and_shape():
    esb = read_metadata("dist/meta.json", META.read_bytes())
    assert (esb.tool, esb.files, esb.first_party, esb.input_bytes, esb.examples) == (
        "esbuild", 3, 3, 1061, ("src/index.ts", "src/internal.ts", "src/tools.ts"))
    wp = read_metadata("stats.json", json.dumps(WEBPACK).encode())
    assert (wp.tool, wp.files, wp.first_party, wp.input_bytes) == ("webpack", 3, 2, 2190)
    vite = read_metadata("dist/.vite/manifest.json", json.dumps(VITE).encode())
    assert (vite.tool, vite.files, vite.examples) == ("vite", 2, ("_vendor.js", "src/main.ts"))
    ts = read_metadata("tsconfig.tsbuildinfo", json.dumps(TSBUILDINFO).encode())
    assert (ts.tool, ts.files, ts.first_party) == ("typescript", 3, 2)
    assert read_metadata("public/manifest.json", json.dumps(WEB_APP_MANIFEST).encode()) is None
    assert read_metadata("stats.json", b'{"visits": 3}') is None
    assert read_metadata("meta.json", b"{not json") is None


def test_art015_fires_on_shipped_metadata_only(tmp_path):
    bad = npm_tgz(tmp_path / "bad.tgz", {"dist/index.js": "module.exports = 1;\n", "dist/meta.json": META.read_text(),
                                         "dist/.vite/manifest.json": json.dumps(VITE)})
    _, conn = scan(tmp_path, bad)
    assert q(conn, "SELECT subject, path FROM findings WHERE rule_id = 'ART015' ORDER BY path") == [
        ("vite metadata", "dist/.vite/manifest.json"), ("esbuild metadata", "dist/meta.json")]
    (msg,) = q(conn, "SELECT message FROM findings WHERE rule_id = 'ART015' AND path = 'dist/meta.json'")[0]
    assert msg == ("dist/meta.json is an esbuild metafile: it lists 3 original files, 1,061 bytes of input, "
                   "3 of them first-party (e.g. src/index.ts, src/internal.ts, src/tools.ts)")
    okay = npm_tgz(tmp_path / "okay.tgz", {"dist/index.js": "module.exports = 1;\n", "public/manifest.json": json.dumps(WEB_APP_MANIFEST),
                                           "data/stats.json": '{"visits": 3}'})
    _, conn = scan(tmp_path, okay)
    assert q(conn, "SELECT count(*) FROM findings WHERE rule_id = 'ART015'") == [(0,)]
