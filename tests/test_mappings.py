"""Map coverage decoded from `mappings` (auditor/sources/mappings.py), map-only sources (ART010) and
presence of map-revealed names in the bundle's bytes (REL003, REL002), on a map made by a real
bundler (tests/fixtures/releases/bun-map, see its README) and on maps built here."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.sources import mappings, sourcemap
from test_artifacts_kit import npm_tgz, q, scan

FIXTURE = Path(__file__).parent / "fixtures" / "releases" / "bun-map"
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def vlq(v: int) -> str:
    v = (-v << 1) | 1 if v < 0 else v << 1
    out = ""
    while True:
        d, v = v & 31, v >> 5
        out += B64[d | (32 if v else 0)]
        if not v:
            return out


def reference(m: str, n: int, lengths: list[int]) -> tuple[list[int], list[int]]:
    """Segments and spanned columns per source, decoded one segment at a time (the spec, plainly)."""
    segs, cols, src = [0] * n, [0] * n, 0
    for li, line in enumerate(m.split(";")):
        col, out = 0, []
        for s in line.split(",") if line else []:
            vals, v, sh = [], 0, 0
            for ch in s:
                d = B64.index(ch)
                v |= (d & 31) << sh
                sh += 5
                if not d & 32:
                    vals.append(-(v >> 1) if v & 1 else v >> 1)
                    v = sh = 0
            col += vals[0]
            if len(vals) >= 4:
                src += vals[1]
            out.append((col, src if len(vals) >= 4 else -1))
        for i, (c, s) in enumerate(out):
            end = out[i + 1][0] if i + 1 < len(out) else (lengths[li] if li < len(lengths) else c)
            if 0 <= s < n:
                segs[s] += 1
                cols[s] += max(end - c, 0)
    return segs, cols


def test_bun_built_map_matches_the_reference_decoder():
    pm = sourcemap.parse_map((FIXTURE / "dist" / "index.js.map").read_bytes())
    cov, problems = mappings.map_coverage(pm, (FIXTURE / "dist" / "index.js").read_bytes())
    assert problems == []
    # Node's module.SourceMap, every generated column looked up (see the fixture's README)
    assert cov == [(51, 291), (13, 80), (7, 22)]


@pytest.mark.parametrize("block", [4 * 1024 * 1024, 97, 65, 20])
def test_decoder_agrees_with_a_plain_decoder_on_random_maps_in_any_block_size(block, monkeypatch):
    monkeypatch.setattr(mappings, "BLOCK", block)
    rng = random.Random(block)
    for _ in range(150):
        n = rng.randint(1, 5)
        lines, src = [], 0
        for _ in range(rng.randint(0, 7)):
            segs = []
            for _ in range(rng.randint(0, 6)):
                dc = rng.randint(0, 5000 if rng.random() < 0.1 else 30)
                if rng.random() < 0.2:
                    segs.append(vlq(dc))
                else:
                    ns = rng.randint(0, n - 1)
                    segs.append(vlq(dc) + vlq(ns - src) + vlq(rng.randint(-3, 3)) + vlq(rng.randint(-40, 40)))
                    src = ns
            lines.append(",".join(segs))
        m = ";".join(lines)
        lengths = [rng.randint(0, 9000) for _ in range(len(lines))]
        try:
            cov = mappings.decode(m.encode(), n, np.array(lengths, dtype=np.int64))
        except mappings.MappingsError:
            assert block < 64  # only a block too short to hold one separator is refused
            continue
        assert (cov.segments.tolist(), cov.generated.tolist()) == reference(m, n, lengths), m


def test_bad_mappings_are_errors_with_a_position():
    with pytest.raises(mappings.MappingsError, match="invalid character '!' in mappings at byte 5"):
        mappings.decode(b"AAAA,!AAA", 1)
    with pytest.raises(mappings.MappingsError, match="cut off"):
        mappings.decode(b"AAAA,g", 1)


def bun_release(tmp_path: Path, extra_source: tuple[str, str] | None = None) -> Path:
    """The bun-built release as an npm tarball; `extra_source` (path, content) is appended to the
    map's sources with no segment, as webpack lists a module it emitted no code for."""
    smap = json.loads((FIXTURE / "dist" / "index.js.map").read_text())
    if extra_source:
        smap["sources"].append(extra_source[0])
        smap["sourcesContent"].append(extra_source[1])
    return npm_tgz(tmp_path / "app.tgz", {"dist/index.js": (FIXTURE / "dist" / "index.js").read_text(),
                                          "dist/index.js.map": json.dumps(smap)})


SECRET_MENU = "export function secretMenu() {\n  return process.env.INTERNAL_SECRET_MENU ? 'Open the internal debug console' : null;\n}\n"


def test_map_only_sources_are_exactly_those_without_segments(tmp_path):
    _, conn = scan(tmp_path, bun_release(tmp_path, ("../src/secret-menu.ts", SECRET_MENU)))
    assert q(conn, "SELECT path, segments, generated_bytes, generated_file FROM map_coverage ORDER BY idx") == [
        ("src/index.ts", 51, 291, "dist/index.js"), ("src/tools.ts", 13, 80, "dist/index.js"),
        ("src/internal.ts", 7, 22, "dist/index.js"), ("src/secret-menu.ts", 0, 0, "dist/index.js")]
    # internal.ts: none of its strings ('dump_memory', ...) is in the bundle, yet it has generated code
    assert q(conn, "SELECT path, in_bundle FROM map_sources ORDER BY idx") == [
        ("src/index.ts", "partial"), ("src/tools.ts", "partial"), ("src/internal.ts", "partial"), ("src/secret-menu.ts", "no")]
    assert q(conn, "SELECT subject, path FROM findings WHERE rule_id = 'ART010'") == [("src/secret-menu.ts", "src/secret-menu.ts")]
    (msg,) = q(conn, "SELECT message FROM findings WHERE rule_id = 'ART010'")[0]
    assert "no mapping segment of dist/index.js comes from it" in msg
    assert q(conn, "SELECT map_only FROM source_maps") == [(1,)]
    assert q(conn, "SELECT path FROM map_uncovered_sources") == [("src/secret-menu.ts",)]
    assert "1 only in the map" in q(conn, "SELECT message FROM findings WHERE rule_id = 'ART001'")[0][0]


def test_no_false_map_only_source_when_every_source_has_segments(tmp_path):
    _, conn = scan(tmp_path, bun_release(tmp_path))
    assert q(conn, "SELECT count(*) FROM findings WHERE rule_id = 'ART010'") == [(0,)]
    assert q(conn, "SELECT count(*) FROM map_sources WHERE in_bundle = 'no'") == [(0,)]


def test_rel003_only_for_texts_absent_from_the_bundle(tmp_path):
    _, conn = scan(tmp_path, bun_release(tmp_path))
    presence = q(conn, "SELECT thing, subject, found, bundle, bundle_line FROM bundle_presence WHERE thing = 'capability' ORDER BY subject")
    assert ("capability", "option:--teleport", True, "dist/index.js", 1) in presence
    assert ("capability", "option:--voice", False, "dist/index.js", None) in presence
    assert ("capability", "tool:spawn_swarm", False, "dist/index.js", None) in presence
    rel003 = {s for (s,) in q(conn, "SELECT subject FROM findings WHERE rule_id = 'REL003'")}
    assert "option:--voice" in rel003 and "tool:spawn_swarm" in rel003
    assert "option:--teleport" not in rel003 and "command:debug-dump" not in rel003 and "tool:list_files" not in rel003
    # a flag key is looked up too: bun removed feature('VOICE_MODE'), so the key is not in the bundle
    assert q(conn, "SELECT found FROM bundle_presence WHERE thing = 'flag' AND subject = 'VOICE_MODE'") == [(False,)]


def test_find_strings_takes_whole_literals_and_option_prefixes():
    data = b'x=new G3("--teleport [session]","Resume");y=\'read_file\';z="not_read_file_here";w=`a\\"b`'
    data += b";v=process.env.MY_HOME||s.experimental?.fastMode;"
    found = mappings.find_strings(data, {"--teleport", "read_file", "Resume", "absent", 'a"b', ".MY_HOME", ".fastMode", ".slowMode"})
    assert found == {"--teleport": data.index(b"--teleport"), "read_file": data.index(b"read_file"),
                     "Resume": data.index(b"Resume"), 'a"b': data.index(b'a\\"b'),
                     ".MY_HOME": data.index(b".MY_HOME"), ".fastMode": data.index(b".fastMode")}


def _find_strings_by_definition(data: bytes, texts: set[str]) -> dict[str, int]:
    """find_strings as its docstring defines it, by walking every QUOTED segment and every MEMBER
    (texts without quote characters): the reference the one-pass search is compared with."""
    import json as _json

    wanted = {}
    for t in texts:
        if not any(c in t for c in "\"'`"):
            wanted.setdefault(t.encode(), t)
            wanted.setdefault(_json.dumps(t, ensure_ascii=False)[1:-1].encode(), t)
    found = {}
    members = {t[1:].encode(): t for t in texts if t.startswith(".") and mappings.IDENTIFIER.fullmatch(t[1:])}
    for m in mappings.MEMBER.finditer(data):
        t = members.get(m.group(1))
        if t is not None and t not in found:
            found[t] = m.start()
    for m in mappings.QUOTED.finditer(data):
        seg = m.group()
        t = wanted.get(seg)
        if t is None and seg[:1] == b"-":
            cut = mappings.OPTION_END.search(seg)
            t = wanted.get(seg[:cut.start()]) if cut else None
        if t is not None and t not in found:
            found[t] = m.start()
    return found


_ALPHABET = "ab-\"'`. [<=,|\n\\x"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=80), st.sets(st.text(alphabet="ab-.x [\n", min_size=1, max_size=5), max_size=6))
def test_find_strings_finds_what_walking_every_string_finds(text, texts):
    data = text.encode()
    assert mappings.find_strings(data, texts) == _find_strings_by_definition(data, texts)


def test_find_strings_skips_runs_over_512_bytes_and_finds_runs_sharing_a_quote():
    long = "y" * 513
    data = f'"{long}""{long[:512]}" \'a\'b\'--m <x>\''.encode()
    found = mappings.find_strings(data, {long, long[:512], "a", "b", "--m"})
    assert found == _find_strings_by_definition(data, {long, long[:512], "a", "b", "--m"})
    assert set(found) == {long[:512], "a", "b", "--m"}


CLI_TS = """\
import { Command } from 'commander';
const program = new Command();
program.command('debug-dump', { hidden: true }).description('Dump the agent state');
program.command('serve');
"""
CLI_JS = """\
const { Command } = require('commander');
const program = new Command();
program.command('debug-dump', { hidden: true }).description('Dump the agent state');
program.command('serve');
//# sourceMappingURL=cli.js.map
"""


def test_one_record_per_capability_across_bundle_and_map(tmp_path):
    from auditor.report.check import check_report
    from auditor.report.sarif import to_sarif
    from test_artifacts_kit import source_map

    pkg = npm_tgz(tmp_path / "app.tgz", {"dist/cli.js": CLI_JS, "dist/cli.js.map": source_map(["../src/cli.ts"], [CLI_TS], file="cli.js")})
    summary, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT origin FROM capabilities WHERE name = 'debug-dump' ORDER BY origin") == [("",), ("source map: dist/cli.js.map",)]
    assert q(conn, "SELECT kind, name, hidden, sightings, in_shipped_code, in_source_map FROM capability_records ORDER BY name") == [
        ("command", "debug-dump", True, 2, True, True), ("command", "serve", False, 2, True, True)]
    assert q(conn, "SELECT subject, path FROM findings WHERE rule_id = 'CAP001'") == [("command:debug-dump", "dist/cli.js")]
    assert q(conn, "SELECT path, line, origin FROM finding_evidence") == [("src/cli.ts", 3, "source map: dist/cli.js.map")]
    report = check_report(conn, summary.scan_id)
    assert report["summary"]["capabilities"]["command"]["total"] == 2 and report["summary"]["capabilities"]["command"]["hidden"] == 1
    (cap001,) = [f for f in report["findings"] if f["rule_id"] == "CAP001"]
    assert cap001["evidence"] == [{"path": "src/cli.ts", "line": 3, "origin": "source map: dist/cli.js.map"}]
    (res,) = [r for r in to_sarif(report)["runs"][0]["results"] if r["ruleId"] == "CAP001"]
    assert res["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/cli.ts"


def test_rel002_for_an_internal_flag_whose_key_is_still_in_the_bundle(tmp_path):
    from test_artifacts_kit import source_map

    src = "import { feature } from 'bun:bundle';\nexport const tools: string[] = [];\nif (feature('INTERNAL_DEBUG')) {\n  tools.push('dump_state');\n}\n"
    # the build did not fold the call: a renamed helper still reads the key at run time
    bundle = 'var t=[];function q(k){return globalThis.__F[k]}\nif(q("INTERNAL_DEBUG")){t.push("dump_state")}\n//# sourceMappingURL=cli.js.map\n'
    pkg = npm_tgz(tmp_path / "app.tgz", {"dist/cli.js": bundle, "dist/cli.js.map": source_map(["../src/tools.ts"], [src], file="cli.js")})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT found, bundle_line, bundle_col FROM bundle_presence WHERE subject = 'INTERNAL_DEBUG'") == [(True, 2, 6)]  # the key, inside its quotes
    assert q(conn, "SELECT subject, path, line, message FROM findings WHERE rule_id = 'REL002'") == [
        ("INTERNAL_DEBUG", "dist/cli.js", 2, "internal flag INTERNAL_DEBUG (bundler) gating 3 lines of src/tools.ts is still in dist/cli.js "
                                            "at line 2, column 6 (the build did not remove it)")]
    assert q(conn, "SELECT count(*) FROM findings WHERE rule_id = 'REL003' AND subject = 'flag:INTERNAL_DEBUG'") == [(0,)]


def test_a_hidden_command_in_two_chunks_is_one_finding_with_evidence(tmp_path):
    js = CLI_JS.replace("//# sourceMappingURL=cli.js.map\n", "")
    pkg = npm_tgz(tmp_path / "app.tgz", {"dist/chunk-5FZXKDXH.js": js, "dist/chunk-Q2W3E4R5.js": js})
    _, conn = scan(tmp_path, pkg)
    assert q(conn, "SELECT subject, path, line FROM findings WHERE rule_id = 'CAP001'") == [("command:debug-dump", "dist/chunk-5FZXKDXH.js", 3)]
    assert q(conn, "SELECT path, line, origin FROM finding_evidence") == [("dist/chunk-Q2W3E4R5.js", 3, "")]


def test_a_map_revealed_finding_says_where_its_name_is_in_the_bundle(tmp_path):
    _, conn = scan(tmp_path, bun_release(tmp_path))
    # --teleport is hidden (hideHelp) and found only in the rebuilt src/index.ts; its option string is in the bundle
    (fp,) = q(conn, "SELECT fingerprint FROM findings WHERE rule_id = 'CAP001' AND subject = 'option:--teleport'")[0]
    assert q(conn, "SELECT path, line, origin FROM finding_evidence WHERE fingerprint = ?", fp) == [("dist/index.js", 1, "")]
