"""Golden JSON of the demo scan: `auditor scan` (no target) then `auditor flags --format json`.

Refresh after an intended change with `AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`
and review the diff of `tests/golden/demo_flags.json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from auditor.cli import app

GOLDEN = Path(__file__).parent / "golden" / "demo_flags.json"
VOLATILE_SCAN_FIELDS = ("started_at", "duration_s", "targets")  # time, and absolute paths


def test_demo_flags_json_matches_golden(tmp_path):
    db = str(tmp_path / "demo.duckdb")
    runner = CliRunner()
    scanned = runner.invoke(app, ["scan", "--db", db, "--quiet"])
    assert scanned.exit_code == 0, scanned.output
    listed = runner.invoke(app, ["flags", "--db", db, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.stdout)
    for field in VOLATILE_SCAN_FIELDS:
        assert field in data["scan"], f"the report no longer has scan.{field}: update VOLATILE_SCAN_FIELDS"
        del data["scan"][field]
    text = json.dumps(data, indent=2, sort_keys=False) + "\n"
    if os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert GOLDEN.is_file(), "no golden file yet: run with AUDITOR_UPDATE_GOLDEN=1"
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert data == expected, "demo inventory changed: if intended, refresh with AUDITOR_UPDATE_GOLDEN=1 and review the diff"
