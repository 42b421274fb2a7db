"""Configuration: found upward, parsed into wrappers/registries/excludes, bad values are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import DEFAULT_MAX_FILE_BYTES, Config, Registry, Wrapper, find_config, load_config
from auditor.errors import ConfigError
from auditor.scan import effective_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- finding the file ---------------------------------------------------------------------------
def test_auditor_toml_is_found_upward_from_a_nested_target(tmp_path):
    cfg = write(tmp_path / "repo" / "auditor.toml", "")
    nested = tmp_path / "repo" / "src" / "deep"
    nested.mkdir(parents=True)
    assert find_config(nested) == cfg


def test_pyproject_with_tool_auditor_is_found_upward(tmp_path):
    cfg = write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.auditor]\nexclude = ['gen/**']\n")
    nested = tmp_path / "repo" / "pkg"
    nested.mkdir(parents=True)
    assert find_config(nested) == cfg
    assert load_config(cfg).exclude == ("gen/**",)


def test_pyproject_without_tool_auditor_is_passed_over(tmp_path):
    outer = write(tmp_path / "auditor.toml", "")
    write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n")
    assert find_config(tmp_path / "repo") == outer


def test_auditor_toml_wins_over_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.auditor]\n")
    cfg = write(tmp_path / "auditor.toml", "")
    assert find_config(tmp_path) == cfg


def test_search_starts_at_a_file_targets_directory(tmp_path):
    cfg = write(tmp_path / "auditor.toml", "")
    src = write(tmp_path / "app.py", "x = 1\n")
    assert find_config(src) == cfg


def test_no_config_gives_the_defaults(tmp_path):
    assert load_config(None) == Config()
    assert Config().max_file_bytes == DEFAULT_MAX_FILE_BYTES


def test_explicit_config_beats_the_one_found_upward(tmp_path):
    write(tmp_path / "repo" / "auditor.toml", "exclude = ['a']\n")
    other = write(tmp_path / "elsewhere.toml", "exclude = ['b']\n")
    assert effective_config([str(tmp_path / "repo")], other).exclude == ("b",)
    assert effective_config([str(tmp_path / "repo")], None).exclude == ("a",)


# -- parsing ------------------------------------------------------------------------------------
def test_every_key_is_parsed(tmp_path):
    (tmp_path / "packs").mkdir()
    cfg = load_config(write(tmp_path / "auditor.toml", """
exclude = ["**/generated/**", "vendor/"]
query_dirs = ["packs"]
max_file_bytes = 1024

[[wrappers]]
name = "is_feature_enabled"
key_arg = 0
provider = "superset"
default_arg = 1
language = "python"

[[wrappers]]
name = "flagOn"
"""))
    assert cfg.exclude == ("**/generated/**", "vendor/")
    assert cfg.query_dirs == ((tmp_path / "packs").resolve(),)
    assert cfg.max_file_bytes == 1024
    assert cfg.wrappers == (
        Wrapper("is_feature_enabled", 0, "superset", 1, "python"),
        Wrapper("flagOn", 0, "custom", None, "all"),
    )


def test_registries_as_tables_or_bare_names(tmp_path):
    cfg = load_config(write(tmp_path / "auditor.toml", """
registries = ["UI_FLAGS", { name = "DEFAULT_FEATURE_FLAGS", provider = "superset" }]
"""))
    assert cfg.registries == (Registry("UI_FLAGS", "custom"), Registry("DEFAULT_FEATURE_FLAGS", "superset"))
    assert cfg.registry_provider("DEFAULT_FEATURE_FLAGS") == "superset"
    assert cfg.registry_provider("UNKNOWN") == "custom"


def test_tool_auditor_section_of_pyproject(tmp_path):
    cfg = load_config(write(tmp_path / "pyproject.toml", """
[tool.auditor]
max_file_bytes = 10

[[tool.auditor.wrappers]]
name = "flag"
key_arg = 2
"""))
    assert cfg.max_file_bytes == 10
    assert cfg.wrappers == (Wrapper("flag", 2),)


def test_unknown_tables_are_kept_for_later_stages(tmp_path):
    cfg = load_config(write(tmp_path / "auditor.toml", "[manifest]\npublic = ['x']\n"))
    assert cfg.extra == {"manifest": {"public": ["x"]}}


BAD = [
    ("exclude = [", r"invalid TOML"),
    ("[[wrappers]]\nkey_arg = 0\n", r"wrappers\[0\]: needs at least `name`"),
    ("[[wrappers]]\nname = 'is-enabled'\n", r"wrappers\[0\]\.name: expected an identifier, got 'is-enabled'"),
    ("[[wrappers]]\nname = 'f'\nkey_arg = -1\n", r"wrappers\[0\]\.key_arg: expected an argument index 0-31, got -1"),
    ("[[wrappers]]\nname = 'f'\nkey_arg = true\n", r"wrappers\[0\]\.key_arg: expected an argument index"),
    ("[[wrappers]]\nname = 'f'\nlanguage = 'ruby'\n", r"wrappers\[0\]\.language: expected python, ecma or all, got 'ruby'"),
    ("[[wrappers]]\nname = 'f'\nprovider = 'has space'\n", r"wrappers\[0\]\.provider: expected a provider label"),
    ("registries = [{ provider = 'x' }]\n", r"registries\[0\]: needs at least `name`"),
    ("registries = ['not an identifier']\n", r"registries\[0\]\.name: expected an identifier"),
    ("exclude = 'vendor/'\n", r"exclude: expected a list of glob strings"),
    ("query_dirs = ['nope']\n", r"query_dirs: not a directory: nope"),
    ("max_file_bytes = 0\n", r"max_file_bytes: expected a positive integer"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_config_is_a_one_line_config_error_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path / "auditor.toml", text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    assert str(path) in str(info.value)


def test_tool_auditor_must_be_a_table(tmp_path):
    with pytest.raises(ConfigError, match="must be a table"):
        load_config(write(tmp_path / "pyproject.toml", "[tool]\nauditor = 3\n"))


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("how", ["--config", "found upward"])
def test_cli_reports_bad_config_in_one_line_with_exit_2(tmp_path, how):
    write(tmp_path / "src" / "a.py", "x = 1\n")
    cfg = write(tmp_path / ("bad.toml" if how == "--config" else "auditor.toml"), "[[wrappers]]\nname = 3\n")
    (tmp_path / ".git").mkdir()  # found upward: within the repository the source tree belongs to
    args = ["scan", str(tmp_path / "src"), "--db", str(tmp_path / "x.duckdb"), "--quiet"]
    if how == "--config":
        args += ["--config", str(cfg)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "wrappers[0].name" in lines[0] and lines[0].startswith("auditor: error:")
    assert not (tmp_path / "x.duckdb").exists()


def test_query_dirs_add_a_provider_without_python(tmp_path, scan_db):
    """The README's "add a provider" recipe, end to end: a .scm pack and a .toml sidecar."""
    write(tmp_path / "packs" / "ecma" / "acme.scm", """
((call_expression
   function: (member_expression property: (property_identifier) @flag.method)
   arguments: (arguments) @flag.args) @flag.read
 (#eq? @flag.method "flagValue")
 (#set! key_arg "0")
 (#set! default_arg "1"))
""")
    write(tmp_path / "packs" / "ecma" / "acme.toml", 'provider = "acme"\npackages = ["@acme/flags"]\n')
    write(tmp_path / "proj" / "auditor.toml", 'query_dirs = ["../packs"]\n')
    write(tmp_path / "proj" / "a.ts", "import { acme } from '@acme/flags';\nexport const on = acme.flagValue('acme-new-ui', false);\n")
    write(tmp_path / "proj" / "b.js", "export const maybe = thing.flagValue('acme-maybe', 1);\n")
    summary, conn = scan_db(tmp_path / "proj")
    rows = conn.execute(
        "SELECT path, line, provider, flag_key, confidence, default_value, pack FROM flag_reads ORDER BY path").fetchall()
    assert rows == [
        ("a.ts", 2, "acme", "acme-new-ui", "high", "false", "ecma/acme"),
        ("b.js", 1, "unknown", "acme-maybe", "low", "1", "ecma/acme"),  # a name alone claims no provider
    ]


# -- provenance: which config applies, and the scan says which --------------------------------
def _npm_tarball(path: Path) -> Path:
    import io
    import json
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("package/package.json", json.dumps({"name": "p", "version": "1.0.0"})),
                           ("package/index.js", "export const x = 1;\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_a_config_above_an_artifact_is_never_used(tmp_path, monkeypatch):
    shared = tmp_path / "shared-tmp"
    write(shared / "auditor.toml", "[artifacts]\nsecrets = false\n")
    (shared / ".git").mkdir()  # even in a repository
    (shared / "downloads").mkdir()
    tarball = _npm_tarball(shared / "downloads" / "p-1.0.0.tgz")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert effective_config([str(tarball)], None).path is None
    result = CliRunner().invoke(app, ["scan", str(tarball), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    assert "  config: none (defaults)" in result.output


def test_the_working_directorys_config_is_used_and_printed(tmp_path, monkeypatch):
    project = tmp_path / "project"
    cfg = write(project / "auditor.toml", "exclude = ['gen/**']\n")
    tarball = _npm_tarball(tmp_path / "p-1.0.0.tgz")
    monkeypatch.chdir(project)
    assert effective_config([str(tarball)], None).path.resolve() == cfg.resolve()
    assert effective_config([str(tarball)], None).exclude == ("gen/**",)
    result = CliRunner().invoke(app, ["scan", str(tarball), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 0, result.output
    assert f"  config: {cfg.resolve()}" in result.output.replace("\n", "")


def test_an_explicit_config_is_used_and_printed_by_check(tmp_path, monkeypatch):
    cfg = write(tmp_path / "mine.toml", "exclude = ['gen/**']\n")
    tarball = _npm_tarball(tmp_path / "p-1.0.0.tgz")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", str(tarball), "--config", str(cfg), "--db", str(tmp_path / "x.duckdb"),
                                      "--format", "json", "--output", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert f"config: {cfg}" in result.output


def test_a_source_trees_own_config_applies_up_to_its_repository_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    repo = tmp_path / "repo"
    cfg = write(repo / "auditor.toml", "exclude = ['a']\n")
    (repo / "src").mkdir()
    assert effective_config([str(repo / "src")], None).path is None  # not a repository: only the tree itself
    (repo / ".git").mkdir()
    assert effective_config([str(repo / "src")], None).path == cfg
    outer = write(tmp_path / "auditor.toml", "exclude = ['outer']\n")
    plain = tmp_path / "downloaded-src"
    plain.mkdir()
    monkeypatch.chdir(repo / "src")
    assert effective_config([str(plain)], None).path is None  # above the tree, not the working directory
    assert outer.is_file()
