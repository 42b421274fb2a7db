"""Golden files pin the verdict block and the findings grouped by rule, as `auditor scan` prints them,
for the demo release, a release shipping a source map with `sourcesContent`, and a clean release.

Refresh with `AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_verdict_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.test_artifacts_kit import npm_tgz

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"

MAPPED_SOURCE = """\
import { Command } from "commander";
const program = new Command();
program.command("deploy").description("deploy");
program.command("dump-state", { hidden: true }).description("internal");
if (process.env.ACME_INTERNAL_TOOLS === "1") {
  program.command("voice").description("voice mode");
}
"""


def mapped_release(tmp_path: Path) -> Path:
    bundle = "var c=require('commander');var p=new c.Command();p.command('deploy');\n//# sourceMappingURL=cli.js.map\n"
    cli_map = {"version": 3, "file": "cli.js", "sources": ["../src/cli.ts", "../src/secret-plan.ts"],
               "sourcesContent": [MAPPED_SOURCE, "export const roadmap = 'otter launch in Q3';\n"], "names": [], "mappings": "AAAA"}
    return npm_tgz(tmp_path / "mapped-2.0.0.tgz", {"dist/cli.js": bundle, "dist/cli.js.map": json.dumps(cli_map)},
                   {"name": "mapped", "version": "2.0.0", "files": ["dist/"]})


def clean_release(tmp_path: Path) -> Path:
    return npm_tgz(tmp_path / "clean-1.0.0.tgz", {"index.js": "module.exports = function add(a, b) { return a + b; };\n"},
                   {"name": "clean", "version": "1.0.0", "main": "index.js"})


def verdict_and_groups(output: str) -> str:
    """`auditor scan`'s output from the verdict on (the header line holds timings)."""
    lines = output.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(("FAIL  ", "PASS  ", "INCOMPLETE  ")))
    end = next((i for i, ln in enumerate(lines) if ln.startswith("Next: ")), len(lines))
    return "\n".join(lines[start:end]).replace(str(Path.cwd()), "<cwd>") + "\n"


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"golden file {path} is missing: run with AUDITOR_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (AUDITOR_UPDATE_GOLDEN=1 to refresh)"


@pytest.mark.parametrize("case", ["demo", "mapped", "clean"])
def test_scan_verdict_and_grouped_findings_golden(case, tmp_path):
    target = {"demo": lambda: [], "mapped": lambda: [str(mapped_release(tmp_path))], "clean": lambda: [str(clean_release(tmp_path))]}[case]()
    result = CliRunner().invoke(app, ["scan", *target, "--db", str(tmp_path / "db.duckdb"), "--no-cache"])
    assert result.exit_code == 0, result.output
    text = verdict_and_groups(result.stdout).replace(str(tmp_path), "<tmp>")
    compare(f"verdict-{case}.txt", text)
    first = text.splitlines()[0]
    assert first.startswith("PASS  nothing at or above error" if case == "clean" else "FAIL  ")
    if case == "mapped":
        assert first.endswith("[ART001]")
