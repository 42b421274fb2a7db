"""The README documents every CLI command and option, every config key, the schema and the pack captures."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import typer

from auditor import docs
from auditor.cli import app

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of a Markdown section (up to the next heading of the same or a higher level)."""
    m = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert m, f"README has no section {heading!r}"
    level = len(m.group(1))
    end = re.search(rf"^#{{1,{level}}} ", text[m.end():], re.M)
    return text[m.end(): m.end() + end.start() if end else len(text)]


def commands() -> dict:
    """Command name → the (Typer-vendored) click command."""
    return dict(typer.main.get_command(app).commands)


COMMANDS = sorted(commands())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_section_naming_its_options(name: str):
    cmd = commands()[name]
    assert (cmd.help or "").strip(), f"`auditor {name}` has no help text"
    body = section(readme(), f"auditor {name}")
    for param in cmd.params:
        if param.param_type_name == "option":
            longs = [o for o in param.opts if o.startswith("--")]
            assert any(o in body for o in longs), f"README section `auditor {name}` does not mention {longs}"
        else:  # arguments appear in the usage line, upper-cased (TARGET, RULE_ID) or quoted
            stem = param.name.upper().rstrip("S")
            assert stem in body.upper(), f"README section `auditor {name}` does not mention argument {param.name}"


def test_every_command_is_listed_in_the_cli_reference():
    body = section(readme(), "CLI reference")
    assert set(re.findall(r"^### auditor (\S+)", body, re.M)) >= set(COMMANDS)


def test_every_config_key_is_documented():
    body = section(readme(), "Configuration")
    for key in ("exclude", "query_dirs", "max_file_bytes", "wrappers", "registries",
                "name", "key_arg", "provider", "default_arg", "language", "[tool.auditor]", "auditor.toml"):
        assert key in body, key


@pytest.mark.parametrize("name", sorted(docs.BLOCKS))
def test_generated_reference_blocks_are_current(name: str):
    text = readme()
    assert docs.block(text, name) is not None, f"README lacks the <!-- BEGIN {name} --> block"
    if UPDATE:
        README.write_text(docs.refresh(text), encoding="utf-8")
        text = readme()
    assert docs.block(text, name) == docs.BLOCKS[name](), (
        f"README's {name} reference is stale: run `python -m auditor.docs README.md` "
        "(or AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py)"
    )


def test_readme_test_command_is_what_ci_runs():
    tests = section(readme(), "Tests")
    assert "python -m pytest" in tests
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_says_a_bare_scan_scans_the_demo():
    assert "With no target, `auditor scan` audits a demo release" in readme()
