"""Golden files for every output format of `check` (text, JSON, SARIF, Markdown) on the demo release,
and of `diff` (text, JSON, Markdown) on two fixture releases.

Refresh with `AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_check_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import __version__
from auditor.cli import app

GOLDEN = Path(__file__).parent / "golden"
RELEASES = Path(__file__).parent / "fixtures" / "releases"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"


def normalize(text: str, tmp: Path) -> str:
    """Drop what changes between machines and runs: temp paths, the tool version."""
    text = text.replace(str(tmp), "<tmp>").replace(str(RELEASES), "<releases>")
    text = re.sub(r"/tmp/auditor-demo-release-[0-9a-f]+", "<demo-release>", text)
    text = text.replace(f'"{__version__}"', '"<version>"')
    return text


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"golden file {path} is missing: run with AUDITOR_UPDATE_GOLDEN=1 to create it")
        path.write_text(text, encoding="utf-8")
        return
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (AUDITOR_UPDATE_GOLDEN=1 to refresh)"


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("sarif", "sarif"), ("markdown", "md")])
def test_check_demo_golden(fmt, ext, tmp_path):
    out = tmp_path / f"check.{ext}"
    result = CliRunner().invoke(app, ["check", "--format", fmt, "--db", str(tmp_path / "db.duckdb"), "--output", str(out)])
    assert result.exit_code == 1, result.output
    compare(f"check-demo.{ext}", normalize(out.read_text(encoding="utf-8"), tmp_path))


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_diff_releases_golden(fmt, ext, tmp_path):
    out = tmp_path / f"diff.{ext}"
    result = CliRunner().invoke(app, ["diff", str(RELEASES / "v1"), str(RELEASES / "v2"), "--format", fmt,
                                      "--db", str(tmp_path / "db.duckdb"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    compare(f"diff-releases.{ext}", normalize(out.read_text(encoding="utf-8"), tmp_path))
