"""The manifest: TOML format, OpenFeature import, configuration, errors, overrides and suppressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import load_config
from auditor.errors import ManifestError
from auditor.manifest import load_manifest, manifest_from_config, openfeature_flags


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_full_manifest(tmp_path):
    write(tmp_path / "flags.json", json.dumps({
        "$schema": "https://raw.githubusercontent.com/open-feature/cli/main/schema/v0/flag-manifest.json",
        "flags": {"checkout-v2": {"flagType": "boolean", "defaultValue": False, "description": "New checkout"}},
    }))
    m = load_manifest(write(tmp_path / "m.toml", """
[manifest]
name = "acme"
openfeature = "flags.json"
[flags]
public = ["dark-mode", "beta_*"]
internal = ["internal-*"]
builtin_env = false
[capabilities]
tool = ["read_file"]
command = []
[artifacts]
allow = ["dist/*"]
[internal]
identifiers = ["go/"]
patterns = ['corp\\.example\\.com']
[severity]
cap003 = "off"
FLG002 = "warning"
[[suppress]]
fingerprint = "3f07cb25ab0678857028faf93613b2ab"
reason = "kept for the migration"
"""))
    assert m.name == "acme" and m.public_flags == ("dark-mode", "beta_*") and m.openfeature_flags == ("checkout-v2",)
    assert m.capabilities == {"tool": ("read_file",), "command": ()}
    assert m.severity == {"CAP003": "off", "FLG002": "warning"} and not m.builtin_env
    assert m.suppress[0].reason == "kept for the migration"
    assert m.identifier_scanner() is not None


def test_openfeature_json_as_manifest(tmp_path):
    p = write(tmp_path / "flags.json", json.dumps({"flags": {"b": {"flagType": "boolean"}, "a": {"flagType": "string"}}}))
    m = load_manifest(p)
    assert m.openfeature_flags == ("a", "b") and m.capabilities == {}
    assert openfeature_flags(write(tmp_path / "list.json", json.dumps({"flags": [{"key": "x"}]}))) == ("x",)


@pytest.mark.parametrize("text,message", [
    ("[flags]\npublic = 'x'\nbogus = 1\n[nope]\n", "unknown table or key 'nope'"),
    ("[capabilities]\nwidget = []\n", "unknown capability kind"),
    ("[severity]\nNOPE1 = 'error'\n", "no such rule"),
    ("[severity]\nFLG001 = 'fatal'\n", "expected error, warning, note or off"),
    ("[[suppress]]\nfingerprint = 'abc12345'\n", "needs a `reason`"),
    ("[[suppress]]\nreason = 'x'\n", "needs `fingerprint`"),
    ("[internal]\npatterns = ['(']\n", "not a valid regular expression"),
    ("[flags]\npublic = [1]\n", "expected a list of non-empty strings"),
    ("[flags\n", "invalid TOML"),
])
def test_errors_name_file_and_key(tmp_path, text, message):
    with pytest.raises(ManifestError, match=message.replace("(", r"\(").replace("`", ".")):
        load_manifest(write(tmp_path / "bad.toml", text))


def test_missing_files(tmp_path):
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(tmp_path / "nope.toml")
    with pytest.raises(ManifestError, match="OpenFeature manifest not found"):
        load_manifest(write(tmp_path / "m.toml", "openfeature = 'nope.json'\n"))


def test_manifest_from_configuration(tmp_path):
    write(tmp_path / "public.toml", "[flags]\npublic = ['a']\n")
    cfg = load_config(write(tmp_path / "auditor.toml", "manifest = 'public.toml'\n"))
    assert manifest_from_config(cfg).public_flags == ("a",)
    cfg = load_config(write(tmp_path / "pyproject.toml", "[tool.auditor.manifest.flags]\npublic = ['b']\n"))
    m = manifest_from_config(cfg)
    assert m.public_flags == ("b",) and m.path is None


def test_overrides_and_suppressions_apply(tmp_path):
    from auditor import store
    from auditor.config import Config
    from auditor.rules import fingerprint
    from auditor.scan import run_scan

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.ts").write_text(
        "import { Command } from 'commander';\nconst p = new Command();\np.command('dump', { hidden: true });\n"
        "p.command('trace', { hidden: true });\n")
    fp = fingerprint("CAP001", "a.ts", "command:trace")
    man = tmp_path / "m.toml"
    man.write_text(f"[severity]\nCAP001 = 'error'\nFLG001 = 'off'\n[[suppress]]\nfingerprint = '{fp}'\nreason = 'a supported debug command'\n")
    db = tmp_path / "d.duckdb"
    s = run_scan([str(tmp_path / "src")], db, None, Config(), manifest=load_manifest(man))
    conn = store.connect(db, read_only=True)
    rows = conn.execute("SELECT subject, severity, suppressed, suppression_reason FROM findings WHERE scan_id = ? ORDER BY subject",
                        [s.scan_id]).fetchall()
    stored = conn.execute("SELECT section, pattern FROM manifest_entries WHERE scan_id = ? AND source = 'manifest'", [s.scan_id]).fetchall()
    conn.close()
    assert rows == [("command:dump", "error", False, None), ("command:trace", "error", True, "a supported debug command")]
    assert stored == []  # no public flags, capabilities, artifacts or identifiers in this manifest
