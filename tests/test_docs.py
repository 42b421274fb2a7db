"""The documentation fits and cannot drift: docs/cli.md, docs/rules.md and docs/schema.md are generated from
the code and must be current; every config key is documented; the README stays short, links only to pages
that exist, and its quick start's commands exist and run with the output it shows."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from auditor import docs
from auditor.cli import app

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
UPDATE = os.environ.get("AUDITOR_UPDATE_GOLDEN") == "1"

PENDING = {"docs/flag-apis.md", "docs/capabilities.md", "docs/releases.md", "docs/hostile-input.md",
           "docs/security.md", "docs/robustness.md"}
"""Pages other branches add (linked from the README ahead of their merge)."""


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    """The body of a Markdown section (up to the next heading of the same or a higher level)."""
    m = re.search(rf"^(#+) {re.escape(heading)}\s*$", text, re.M)
    assert m, f"no section {heading!r}"
    level = len(m.group(1))
    end = re.search(rf"^#{{1,{level}}} ", text[m.end():], re.M)
    return text[m.end(): m.end() + end.start() if end else len(text)]


def commands() -> dict:
    """Command name → the (Typer-vendored) click command."""
    return dict(typer.main.get_command(app).commands)


COMMANDS = sorted(commands())


@pytest.mark.parametrize("name", sorted(docs.FILES))
def test_generated_pages_are_current(name: str):
    path = DOCS / name
    if UPDATE:
        path.write_text(docs.FILES[name](), encoding="utf-8")
    assert path.is_file() and path.read_text(encoding="utf-8") == docs.FILES[name](), (
        f"docs/{name} is stale: run `python -m auditor.docs` (or AUDITOR_UPDATE_GOLDEN=1 python -m pytest tests/test_docs.py)")


@pytest.mark.parametrize("name", sorted(docs.BLOCKS))
def test_generated_blocks_are_current(name: str):
    page = next(DOCS / f for f in docs.BLOCK_FILES if docs.block((DOCS / f).read_text(encoding="utf-8"), name) is not None)
    if UPDATE:
        page.write_text(docs.refresh(page.read_text(encoding="utf-8")), encoding="utf-8")
    assert docs.block(page.read_text(encoding="utf-8"), name) == docs.BLOCKS[name](), f"{page.name}'s {name} block is stale"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_every_option_is_in_the_cli_reference(name: str):
    cmd = commands()[name]
    assert (cmd.help or "").strip(), f"`auditor {name}` has no help text"
    body = section((DOCS / "cli.md").read_text(encoding="utf-8"), f"auditor {name}")
    for param in cmd.params:
        if param.param_type_name == "option":
            assert any(f"`{o}`" in body for o in param.opts if o.startswith("--")), (name, param.opts)
        else:
            assert f"`{param.human_readable_name.upper()}`" in body, (name, param.name)


def test_cli_reference_is_generated_from_the_typer_app_itself():
    text = docs.cli_markdown()
    assert "| `--rule` | text, repeatable |" in text  # from the `findings` command's own option
    assert "| `--format` | `text` \\| `json` \\| `sarif` \\| `markdown` | `text` |" in text  # check, from the format registry


def test_every_config_key_is_documented():
    body = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for key in ("exclude", "query_dirs", "max_file_bytes", "wrappers", "registries",
                "name", "key_arg", "provider", "default_arg", "language", "[tool.auditor]", "auditor.toml",
                "[flags]", "[capabilities]", "[artifacts]", "[internal]", "[severity]", "[[suppress]]"):
        assert key in body, key


def test_readme_fits_and_links_only_to_pages_that_exist():
    text = readme()
    assert len(text.splitlines()) <= 300
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if target.startswith(("http://", "https://")):
            continue
        assert (ROOT / target).exists() or target in PENDING, f"README links to missing {target}"
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).exists() or f"docs/{target}" in PENDING, f"{page.name} links to missing {target}"


def test_readme_commands_are_real_commands():
    named = set(re.findall(r"`auditor ([a-z]+)\b", readme())) | set(re.findall(r"^\$ auditor ([a-z]+)", readme(), re.M))
    assert named and named <= set(COMMANDS), named - set(COMMANDS)


def test_readme_test_command_is_what_ci_runs():
    tests = section(readme(), "Tests")
    assert "python -m pytest" in tests
    assert "python -m pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_ci_job_and_pre_commit_hooks_use_real_options():
    ci = section(readme(), "CI to copy")
    for option in ("--npm-pack", "--format sarif", "--format markdown", "--output", "--fail-on", "GITHUB_STEP_SUMMARY",
                   "upload-sarif"):
        assert option in ci, option
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "id: auditor-check" in hooks and "entry: auditor check" in hooks and "--npm-pack" in hooks
    check = commands()["check"]
    opts = {o for p in check.params for o in p.opts}
    assert {"--npm-pack", "--format", "--output", "--fail-on", "--db"} <= opts


def quick_start() -> list[tuple[str, list[str]]]:
    """(command, the output lines the README shows for it) of every `$ ` line in the Quick start."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section(readme(), "Quick start"), re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
    return out


def test_readme_quick_start_runs_as_written_and_prints_what_it_shows(tmp_path):
    """Each command of the Quick start, in order, in an empty directory: it exists, exits 0, and the
    verdict lines and the messages it shows are what it prints (timings aside)."""
    steps = quick_start()
    assert [c.split()[:2] for c, _ in steps] == [["auditor", "scan"], ["python", "-m"], ["auditor", "init"], ["auditor", "check"]]
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUDITOR_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="100")
    env.pop("AUDITOR_DB", None)
    for command, shown in steps:
        argv = shlex.split(command)
        argv = [sys.executable, "-m", "auditor", *argv[1:]] if argv[0] == "auditor" else [sys.executable, *argv[1:]]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        printed = done.stdout.splitlines()
        for line in shown:
            if line.startswith(("FAIL  ", "PASS  ", "      ", "Wrote the manifest", "Next: auditor check", "acme-agent", "auditor check ")):
                assert line in printed, f"`{command}` no longer prints {line!r}"
