"""Source maps: v3 and index maps, path normalization, sourceMappingURL references (external, inline,
remote, missing), rebuilt sources, "only in the map", malformed maps and a 50 MB single-line map."""

from __future__ import annotations

import json
import os
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st


from auditor.sources import sourcemap
from test_artifacts_kit import config, findings, inline, npm_tgz, q, scan, source_map

BUNDLE = """\
var FeatureFlag={Search:"beta-search-v2"};
function run(c){return c.boolVariation(FeatureFlag.Search,{},false)?"searching the web":"search is off"}
module.exports={run};
"""
BUNDLED_TS = """\
import { init } from 'launchdarkly-node-server-sdk';
export enum FeatureFlag { Search = 'beta-search-v2' }
export function run(c: { boolVariation(k: string, u: object, d: boolean): boolean }) {
  return c.boolVariation(FeatureFlag.Search, {}, false) ? 'searching the web' : 'search is off';
}
"""
PARTIAL_TS = """\
import { feature } from 'bun:bundle';
export const tools = [
  { name: 'web_search', description: 'searching the web' },
  ...(feature('AGENT_SWARMS') ? [{ name: 'spawn_swarm', description: 'Spawn a swarm of agents' }] : []),
];
"""
DROPPED_TS = """\
import { flagOn } from './flags';
export function secretMenu() {
  return flagOn('internal-secret-menu') ? 'Open the internal debug console' : null;
}
"""
TYPES_ONLY_TS = "export type Mode = 'interactive-mode' | 'batch-mode-only';\nexport interface X { kind: 'some-kind' }\n"


def test_normalize_source_paths():
    n = sourcemap.normalize_source
    assert n("../src/a.ts", "", "dist/a.js.map") == ("src/a.ts", False)
    assert n("webpack://my-app/./src/b.tsx?1a2b", "", "dist/main.js.map") == ("src/b.tsx", False)
    assert n("webpack:///webpack/bootstrap", "", "dist/main.js.map") == ("webpack/bootstrap", True)
    assert n("webpack://app/./node_modules/react/index.js", "", "x.map") == ("node_modules/react/index.js", True)
    assert n("a.ts", "src/", "dist/a.js.map") == ("dist/src/a.ts", False)
    assert n("a.ts", "webpack://app/src", "dist/a.js.map") == ("src/a.ts", False)
    assert n("../../../../../etc/passwd", "", "dist/x.map") == ("etc/passwd", False)
    assert n("file:///home/dev/proj/src/c.ts", "", "dist/c.js.map") == ("home/dev/proj/src/c.ts", False)
    assert n("\x00commonjsHelpers.js", "", "dist/x.map") == ("dist/commonjsHelpers.js", True)


def test_find_refs_takes_comments_not_strings():
    data = (b'var s = "//# sourceMappingURL=fake.map";\n'
            b"//# sourceMappingURL=real.js.map\n"
            b"  //@ sourceMappingURL=https://cdn.example.com/old.map\n"
            b"/*# sourceMappingURL=style.css.map */\n")
    assert [(r.line, r.url, r.kind) for r in sourcemap.find_refs(data)] == [
        (2, "real.js.map", "external"), (3, "https://cdn.example.com/old.map", "remote"), (4, "style.css.map", "external")]


def test_bundle_map_rebuilds_sources_and_decides_what_is_only_in_the_map(tmp_path):
    smap = source_map(
        ["webpack://app/./src/flags.ts", "webpack://app/./src/tools.ts", "webpack://app/./src/secret-menu.ts",
         "webpack://app/./src/types.ts", "webpack://app/./node_modules/lib/index.js", "webpack:///webpack/bootstrap"],
        [BUNDLED_TS, PARTIAL_TS, DROPPED_TS, TYPES_ONLY_TS, "module.exports = 'third party code here';\n", "// webpack runtime\n"],
        file="main.js", mappings="AAAA;ACAA;AEAA;ACAA;ACAA")  # no segment from src/secret-menu.ts
    pkg = npm_tgz(tmp_path / "app.tgz", {
        "dist/main.js": BUNDLE + "var tools=[{name:\"web_search\",description:\"searching the web\"}];\n//# sourceMappingURL=main.js.map\n",
        "dist/main.js.map": smap,
    })
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT path, third_party, rebuilt, literals, literals_in_bundle, in_bundle, missing FROM map_sources ORDER BY idx") == [
        ("src/flags.ts", False, True, 3, 3, "yes", []),
        ("src/tools.ts", False, True, 5, 2, "partial", ["AGENT_SWARMS", "Spawn a swarm of agents", "spawn_swarm"]),
        ("src/secret-menu.ts", False, True, 2, 0, "no", ["Open the internal debug console", "internal-secret-menu"]),
        ("src/types.ts", False, True, 0, 0, "yes", []),
        ("node_modules/lib/index.js", True, False, 0, 0, "yes", []),
        ("webpack/bootstrap", True, False, 0, 0, "yes", []),
    ]
    assert q(conn, "SELECT kind, sources, with_content, third_party, rebuilt, map_only, generated, generated_shipped, status FROM source_maps") == [
        ("external", 6, 6, 2, 4, 1, "dist/main.js", True, "ok")]
    assert q(conn, "SELECT path, origin FROM files WHERE origin <> '' ORDER BY path") == [
        ("src/flags.ts", "source map: dist/main.js.map"), ("src/secret-menu.ts", "source map: dist/main.js.map"),
        ("src/tools.ts", "source map: dist/main.js.map"), ("src/types.ts", "source map: dist/main.js.map")]
    reads = q(conn, "SELECT path, flag_key, origin FROM flag_reads WHERE resolved ORDER BY path, flag_key")
    assert ("src/tools.ts", "AGENT_SWARMS", "source map: dist/main.js.map") in reads
    assert ("ART010", "src/secret-menu.ts", "src/secret-menu.ts") in findings(conn)
    assert [f[0] for f in findings(conn) if f[0] in ("ART001", "ART010")] == ["ART001", "ART010"]
    (share,) = q(conn, "SELECT third_party_share FROM source_maps")[0]
    assert 0 < share < 0.2
    assert q(conn, "SELECT flag_reads FROM map_only_sources") == [(0,)]


def test_literals_skip_imports_type_positions_and_common_words():
    assert sourcemap.literals(BUNDLED_TS, "a.ts") == {"beta-search-v2", "searching the web", "search is off"}
    assert sourcemap.literals(TYPES_ONLY_TS, "t.ts") == set()
    assert sourcemap.literals("const a = require('some-module-name'); const b = 'caf\\u00e9 au lait';", "x.js") == {"café au lait"}
    assert sourcemap.literals("x", "a.py") is None
    idx = sourcemap.BundleIndex([b'var a="caf\\u00e9 au lait",b=\'it"s quoted\';'])
    assert idx.contains("café au lait") and idx.contains('it"s quoted') and not idx.contains("not in there")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b'"', b"'", b"`", b"\\", b"a", b"bc", b"x" * 4000, b"\n"]), max_size=12))
def test_bundle_segments_are_the_segment_expressions_matches(parts):
    data = b"".join(parts)
    assert list(sourcemap.segments_of(data)) == [m.group() for m in sourcemap.SEGMENT.finditer(data)]


def test_third_party_sources_are_rebuilt_when_configured(tmp_path):
    pkg = npm_tgz(tmp_path / "p.tgz", {"m.js": "x\n//# sourceMappingURL=m.js.map\n",
                                       "m.js.map": source_map(["node_modules/dep/i.js"], ["process.env.DEP_FLAG\n"])})
    _, conn = scan(tmp_path, pkg, cfg=config(rebuild_third_party=True))
    assert q(conn, "SELECT path, rebuilt FROM map_sources") == [("node_modules/dep/i.js", True)]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("DEP_FLAG",)]


def test_index_map_sections_are_flattened(tmp_path):
    index = {"version": 3, "file": "all.js", "sections": [
        {"offset": {"line": 0, "column": 0}, "map": json.loads(source_map(["a.ts"], ["export const a = 'first section';\n"]))},
        {"offset": {"line": 10, "column": 0}, "map": json.loads(source_map(["b.ts"], ["export const b = process.env.SECTION_FLAG;\n"], sourceRoot="lib"))},
    ]}
    pkg = npm_tgz(tmp_path / "p.tgz", {"dist/all.js": "x\n//# sourceMappingURL=all.js.map\n", "dist/all.js.map": json.dumps(index)})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT index_map, sections, sources, with_content FROM source_maps") == [(True, 2, 2, 2)]
    assert q(conn, "SELECT idx, path FROM map_sources ORDER BY idx") == [(0, "dist/a.ts"), (1, "dist/lib/b.ts")]
    assert q(conn, "SELECT flag_key, origin FROM flag_reads WHERE resolved") == [("SECTION_FLAG", "source map: dist/all.js.map")]


def test_inline_map_is_decoded_audited_and_reported(tmp_path):
    smap = source_map(["../src/banner.tsx"], ["export const Banner = () => process.env.BANNER_FLAG;\n"])
    pkg = npm_tgz(tmp_path / "p.tgz", {"dist/banner.js": "const Banner=()=>process.env.BANNER_FLAG;\n" + inline(smap) + "\n"})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT path, kind, generated FROM source_maps") == [("dist/banner.js#inline", "inline", "dist/banner.js")]
    (url,) = q(conn, "SELECT url FROM map_refs")[0]
    assert url.startswith("data:application/json;charset=utf-8;base64 (") and len(url) < 80
    assert {f[0] for f in findings(conn)} >= {"ART001", "ART002"}
    assert q(conn, "SELECT path, origin FROM files WHERE origin <> ''") == [("src/banner.tsx", "source map: dist/banner.js#inline")]


def test_missing_and_remote_map_references_are_warnings(tmp_path):
    pkg = npm_tgz(tmp_path / "p.tgz", {
        "a.js": "a()\n//# sourceMappingURL=a.js.map\n",
        "b.js": "b()\n//# sourceMappingURL=https://maps.example.com/b.js.map\n",
        "c.js": "c()\n//# sourceMappingURL=../../outside.map\n",
    })
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT path, kind, resolved, status FROM map_refs ORDER BY path") == [
        ("a.js", "external", None, "missing"), ("b.js", "remote", None, "remote"), ("c.js", "external", None, "missing")]
    assert [f[0] for f in findings(conn)] == ["ART004"] * 3


MALFORMED = [
    (b'{"version": 3, "sources": ["a.ts"], "mappings": "AAAA"', "malformed-source-map", "not valid JSON: Expecting ',' delimiter"),
    (b"not json at all", "malformed-source-map", "not valid JSON: Expecting value"),
    (b'{"version": 2, "sources": [], "mappings": ""}', "malformed-source-map", "version 2"),
    (b'{"sources": [], "mappings": ""}', "malformed-source-map", "no `version`"),
    (b'{"version": 3, "sources": ["a.ts"], "sourcesContent": [42], "mappings": ""}', "source-map-problem", "sourcesContent[0] is neither a string nor null"),
    (b'{"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": {"version": 3, "sections": []}}]}', "source-map-problem", "sections[0] skipped: an index map section holds another index map"),
    (b'{"version": 3, "sources": ["a.ts", "b.ts"], "sourcesContent": ["export const a = \'first file text\';"], "mappings": ""}', "source-map-problem", "1 entries for 2 sources"),
    (b'{"version": 3, "sources": ["a.ts", null], "sourcesContent": [null, "x"], "mappings": ""}', "source-map-problem", "null"),
]


def test_malformed_maps_are_diagnostics_and_findings(tmp_path):
    files = {"ok.js": "process.env.OK_FLAG\n"}
    for i, (raw, _, _) in enumerate(MALFORMED):
        files[f"m{i}.js"] = f"x()\n//# sourceMappingURL=m{i}.js.map\n"
        files[f"m{i}.js.map"] = raw
    _, conn = scan(tmp_path, npm_tgz(tmp_path / "p.tgz", files))
    for i, (_, code, needle) in enumerate(MALFORMED):
        diags = q(conn, "SELECT code, message FROM diagnostics WHERE path = ?", f"m{i}.js.map")
        assert any(c == code and needle in m for c, m in diags), (i, diags)
        assert q(conn, "SELECT count(*) FROM findings WHERE rule_id = 'ART014' AND path = ?", f"m{i}.js.map") == [(1,)]
        status = "malformed" if code == "malformed-source-map" else "ok"
        assert q(conn, "SELECT status FROM source_maps WHERE path = ?", f"m{i}.js.map") == [(status,)]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("OK_FLAG",)]


def test_sources_content_shorter_than_sources_still_rebuilds_what_is_there(tmp_path):
    raw = source_map(["a.ts", "b.ts"], ["export const a = process.env.SHORT_FLAG;\n"])
    pkg = npm_tgz(tmp_path / "p.tgz", {"x.js.map": raw})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT path, has_content, rebuilt FROM map_sources ORDER BY idx") == [("a.ts", True, True), ("b.ts", False, False)]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("SHORT_FLAG",)]


def test_bad_inline_data_url_is_a_diagnostic(tmp_path):
    pkg = npm_tgz(tmp_path / "p.tgz", {"x.js": "x()\n//# sourceMappingURL=data:application/json;base64,!!!not-base64!!!\n"})
    _, conn = scan(tmp_path, pkg)
    assert [c for (c,) in q(conn, "SELECT code FROM diagnostics")] == ["malformed-source-map"]
    assert sorted(f[0] for f in findings(conn)) == ["ART002", "ART014"]


def _big_map(mb: int) -> bytes:
    """A single-line v3 map of about `mb` MB: random mappings (so it compresses like a real one)."""
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    table = bytes(alphabet[i % 64] for i in range(256))
    mappings = os.urandom(mb * 1024 * 1024).translate(table)
    head = json.dumps({"version": 3, "file": "huge.js", "sources": ["src/huge.ts", "src/other.ts"],
                       "sourcesContent": ["export const h = process.env.HUGE_FLAG;\n", None], "names": []})[:-1]
    return head.encode() + b', "mappings": "' + mappings + b'"}'


def test_a_50_mb_single_line_map_parses_in_bounded_memory():
    raw = _big_map(50)
    tracemalloc.start()
    pm = sourcemap.parse_map(raw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert pm.top.mappings_bytes > 50_000_000 and len(pm.flat_sources()) == 2
    assert pm.content(pm.flat_sources()[0]).startswith("export const h")
    # the standard library's reader holds the decoded text and the values it builds (an ASCII
    # `mappings` string of the map's size): about twice the map, never a copy per token
    assert peak < 2.5 * len(raw), f"parsing held {peak} bytes for a {len(raw)}-byte map"


def test_a_50_mb_single_line_map_in_a_tarball_is_audited(tmp_path):
    pkg = npm_tgz(tmp_path / "huge.tgz", {"huge.js": "h()\n//# sourceMappingURL=huge.js.map\n", "huge.js.map": _big_map(50)})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT sources, with_content, status FROM source_maps") == [(2, 1, "ok")]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("HUGE_FLAG",)]
    assert ("ART009", "largest entry", "huge.js.map") in findings(conn)
    # random Base64 with no separator is one 50 MB segment: not decodable, and said so
    assert [(c, "`mappings` cannot be decoded: no separator" in m) for c, m in q(conn, "SELECT code, message FROM diagnostics")] == [
        ("source-map-problem", True)]


def test_map_target_on_its_own(tmp_path):
    (tmp_path / "lonely.js.map").write_bytes(source_map(["src/l.ts"], ["export const l = process.env.LONELY_FLAG;\n"], file="lonely.js"))
    _, conn = scan(tmp_path, tmp_path / "lonely.js.map")
    assert q(conn, "SELECT kind FROM artifacts") == [("source-map",)]
    assert q(conn, "SELECT generated, generated_shipped FROM source_maps") == [("lonely.js", False)]
    assert q(conn, "SELECT path, in_bundle FROM map_sources") == [("src/l.ts", "unknown")]
    assert q(conn, "SELECT flag_key FROM flag_reads WHERE resolved") == [("LONELY_FLAG",)]


def test_a_source_two_maps_embed_gates_once_per_map(tmp_path):
    """Next.js-style chunks whose maps embed the same source: the path is stored once per map, and
    each copy's gate meets only its own copy's flag read (joined on the path alone, every gate met
    every copy: n maps gave n³ rows per read)."""
    src = "export function run() {\n  if (process.env.ACME_TURBO === '1') {\n    return 2;\n  }\n  return 1;\n}\n"
    files = {"package.json": '{"name": "acme", "version": "1.0.0"}'}
    for n in ("a", "b", "c"):
        files[f"dist/{n}.js"] = f"function run(){{return 1}}\n//# sourceMappingURL={n}.js.map\n"
        files[f"dist/{n}.js.map"] = source_map(["../src/run.ts"], [src], file=f"{n}.js")
    _, conn = scan(tmp_path, npm_tgz(tmp_path / "acme-1.0.0.tgz", files))
    try:
        assert q(conn, "SELECT count(*), count(DISTINCT origin) FROM gates") == [(3, 3)]
        assert sorted(q(conn, "SELECT origin, flag_key, read_line FROM gate_flags")) == [
            (f"source map: dist/{n}.js.map", "ACME_TURBO", 2) for n in ("a", "b", "c")]
    finally:
        conn.close()
