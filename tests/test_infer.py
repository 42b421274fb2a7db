"""Inference of in-house flag APIs, the config lines `providers` prints, and each one-line config form.

The zero-config reads of the fixture projects under tests/fixtures/flags/infer_* are asserted inline
(test_flag_fixtures.py); here: the same projects pinned with the config `providers` prints, and the
config syntax on small projects written by the tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app
from auditor.config import Config, load_config
from auditor.infer import convention
from auditor.report.providers import providers_report
from auditor.scan import run_scan

FIXTURES = Path(__file__).parent / "fixtures" / "flags"


def _scan(tmp_path: Path, project: Path, config: Config | None = None, name: str = "scan"):
    db = tmp_path / f"{name}.duckdb"
    summary = run_scan([str(project)], db, name, config or Config())
    conn = store.connect(db, read_only=True)
    return summary.scan_id, conn


def _reads(conn, scan_id: int) -> set[tuple[str, str, str]]:
    return set(conn.execute(
        "SELECT flag_key, provider, confidence FROM flag_reads WHERE scan_id = ? AND resolved AND provider NOT IN ('env')",
        [scan_id]).fetchall())


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


PINNED = {
    "infer_agent_cli": {"team_mode", "agent_swarm", "tool_retry_budget", "web_search_tool", "tengu_compact_v2"},
    "infer_django": {"organizations:dynamic-sampling", "organizations:session-replay", "projects:alert-filters",
                     "session-replay-ui", "dynamic-sampling"},
    "infer_flask": {"DASHBOARD_RBAC", "EMBEDDED_SUPERSET", "ALERT_REPORTS"},
    "infer_openfeature": {"dashboardScenes", "panelTitleSearch"},
    "infer_flag_server": {"uniqueSdkTracking", "featureSearchFeedback"},
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_printed_config_pins_the_inferred_apis(tmp_path, name):
    """Zero-config: the in-house keys are `inferred`. With the lines `providers` prints in an
    auditor.toml: the same keys, `high`, from the configured wrappers, and nothing inferred."""
    project = FIXTURES / name
    scan_id, conn = _scan(tmp_path, project, name="zero")
    try:
        inferred = {k for k, p, c in _reads(conn, scan_id) if c == "inferred"}
        report = providers_report(conn, scan_id)
    finally:
        conn.close()
    assert inferred == PINNED[name]
    assert report["apis"][0]["kind"] == "inferred"  # in-house first
    copy = tmp_path / name
    shutil.copytree(project, copy)
    (copy / "auditor.toml").write_text("\n".join(report["config"]) + "\n", encoding="utf-8")
    scan_id, conn = _scan(tmp_path, copy, load_config(copy / "auditor.toml"), name="pinned")
    try:
        rows = _reads(conn, scan_id)
    finally:
        conn.close()
    assert {c for _, _, c in rows if _ in PINNED[name]} <= {"high"}
    assert {k for k, p, c in rows if c == "high" and p not in ("openfeature", "growthbook")} == PINNED[name]
    assert not [r for r in rows if r[2] == "inferred"]


def test_no_infer_turns_inference_off(tmp_path):
    project = FIXTURES / "infer_flask"
    db = tmp_path / "x.duckdb"
    result = CliRunner().invoke(app, ["scan", str(project), "--db", str(db), "--quiet", "--no-infer", "--no-cache"])
    assert result.exit_code == 0, result.output
    conn = store.connect(db, read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM flag_reads WHERE confidence = 'inferred'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM flag_apis").fetchone()[0] == 0
    finally:
        conn.close()


def test_providers_command_lists_in_house_first_with_config_lines(tmp_path):
    db = tmp_path / "x.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["scan", str(FIXTURES / "infer_agent_cli"), "--db", str(db), "--quiet", "--no-cache"]).exit_code == 0
    result = runner.invoke(app, ["providers", "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("inferred   getFlagValue_CACHED") < out.index("builtin    evalFeature, getFeatureValue, isOn")
    assert "forwarding: `feature` flows to read:growthbook" in out
    assert '{ name = "getFlagValue_CACHED", provider = "src.services.growthbook.getFlagValue_CACHED" },' in out
    data = CliRunner().invoke(app, ["providers", "--db", str(db), "--format", "json"])
    assert data.exit_code == 0
    assert '"kind": "inferred"' in data.output


def test_name_only_match_never_claims_an_sdk(tmp_path):
    """`isEnabled` without an Unleash import, called twice on a logger: not unleash, not inferred."""
    root = _write(tmp_path / "p", {"a.ts": "export const a = (log: any) => log.isEnabled('debug') && log.isEnabled('trace-io');\n"})
    scan_id, conn = _scan(tmp_path, root)
    try:
        assert _reads(conn, scan_id) == {("debug", "unknown", "low"), ("trace-io", "unknown", "low")}
    finally:
        conn.close()


def test_collections_are_not_flag_apis(tmp_path):
    """Set.has, array.includes, Map.get, String.startsWith on a `flag` variable: never flags."""
    root = _write(tmp_path / "p", {"a.ts": (
        "const seen = new Set<string>(); const names: string[] = []; const m = new Map<string, number>();\n"
        "export function f(flag: string) {\n"
        "  if (seen.has('alpha_one') || names.includes('beta_two') || m.get('gamma_three')) return 1;\n"
        "  if (seen.has('delta_four') || names.includes('eps_five') || m.get('zeta_six')) return 2;\n"
        "  return flag.startsWith('--no-') || flag.endsWith('--no-x') ? 3 : 4;\n"
        "}\n")})
    scan_id, conn = _scan(tmp_path, root)
    try:
        assert _reads(conn, scan_id) == set()
    finally:
        conn.close()


CONFIG_PROJECT = {
    "app/views.py": (
        "from app import features\n"
        "def view(org, seen, user):\n"
        "    if features.has('organizations:x', org, actor=user):\n"
        "        return seen.has('organizations:not-a-flag')\n"
        "    return flag_enabled(request=None, name='beta-ui')\n"
    ),
    "web/Page.tsx": (
        "export const Page = ({organization, config}: any) => (\n"
        "  <Feature features={['org-a', 'org-b']} organization={organization}>\n"
        "    {organization.features.includes('org-c') && config.featureToggles.panelSearch}\n"
        "    {['x'].includes('not-a-flag') && config.other.notAFlag}\n"
        "  </Feature>\n"
        ");\n"
        "export async function g(manager: any) { return await getValue<boolean>('ts-generic'); }\n"
    ),
    "web/featureToggles.gen.d.ts": "export interface Toggles {\n  dashboardScenes?: boolean;\n  kubernetesDashboards?: boolean;\n}\n",
    "web/flags.ts": "export const FLAG_NAMES = { a: 'values-one', b: 'values-two' };\n",
    "app/registry.py": "manager.add('org:registered', Feature)\nmanager.add('org:second', Feature)\nother.add('not-registered')\n",
    "app/env.py": "import os\nA = os.environ.get('FEATURE_NEW_NAV')\nB = os.environ.get('HOME')\n",
}
CONFIG_TOML = """
env_flags = ["FEATURE_*"]
infer = false
wrappers = [
  { name = "features.has", provider = "sentry" },
  { name = "*.organization.features.includes", provider = "sentry" },
  { name = "flag_enabled", key_name = "name", provider = "waffle-like" },
  { jsx = "Feature", attribute = "features", provider = "sentry" },
  { property = "config.featureToggles", provider = "grafana" },
  { name = "getValue", provider = "inhouse" },
]
registries = [
  { name = "Toggles", kind = "type", provider = "grafana" },
  { name = "FLAG_NAMES", kind = "values" },
  { name = "manager.add", kind = "calls", key_arg = 0, provider = "sentry" },
]
"""


def test_each_one_line_config_form(tmp_path):
    root = _write(tmp_path / "p", {**CONFIG_PROJECT, "auditor.toml": CONFIG_TOML})
    scan_id, conn = _scan(tmp_path, root, load_config(root / "auditor.toml"))
    try:
        reads = set(conn.execute(
            "SELECT flag_key, provider, confidence FROM flag_reads WHERE scan_id = ? AND resolved", [scan_id]).fetchall())
        defs = set(conn.execute("SELECT flag_key, provider, symbol FROM flag_definitions WHERE scan_id = ?", [scan_id]).fetchall())
    finally:
        conn.close()
    assert reads == {
        ("organizations:x", "sentry", "high"),          # receiver-qualified call; seen.has is not
        ("beta-ui", "waffle-like", "high"),             # named argument
        ("org-a", "sentry", "high"), ("org-b", "sentry", "high"),  # JSX attribute, list value
        ("org-c", "sentry", "high"),                    # organization.features.includes
        ("panelSearch", "grafana", "high"),             # property read: the member is the key
        ("ts-generic", "inhouse", "high"),              # await fn<T>('key')
        ("FEATURE_NEW_NAV", "env-flag", "high"),        # env var matching env_flags
        ("HOME", "env", "high"),
    }
    assert defs == {
        ("dashboardScenes", "grafana", "Toggles"), ("kubernetesDashboards", "grafana", "Toggles"),  # TS interface
        ("values-one", "custom", "FLAG_NAMES"), ("values-two", "custom", "FLAG_NAMES"),  # object values
        ("org:registered", "sentry", "manager.add"), ("org:second", "sentry", "manager.add"),  # a sequence of calls
    }


@pytest.mark.parametrize(("toml", "message"), [
    ('wrappers = [{ jsx = "Feature" }]', "`jsx` needs `attribute`"),
    ('wrappers = [{ name = "a.b", jsx = "F", attribute = "x" }]', "exactly one of"),
    ('registries = [{ name = "R", kind = "rows" }]', "expected keys, values, type or calls"),
    ('env_flags = "FEATURE_*"', "env_flags"),
    ('wrappers = [{ name = "features.has()" }]', "expected an identifier"),
])
def test_config_errors_name_the_key(tmp_path, toml, message):
    from auditor.errors import ConfigError

    p = tmp_path / "auditor.toml"
    p.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(p)


def test_key_convention():
    assert convention(["organizations:a", "projects:b", "organizations:c"]) == ("scope:name", 1.0)
    assert convention(["DASHBOARD_RBAC", "ALERT_REPORTS"]) == ("SCREAMING_SNAKE", 1.0)
    assert convention(["team_mode", "agent_swarm"])[1] == 1.0
    assert convention(["Hello world", "Something else!"])[1] == 0.0


def test_recording_functions_are_not_flag_apis(tmp_path):
    """A telemetry method named for a flag (`trackCliFlag("yes")`, as @vercel's CLI records which
    options were given) has every sign of a flag API but records an event: no reads. An in-house
    reader beside it, with the same evidence, still is one."""
    root = _write(tmp_path / "p", {
        "src/telemetry.ts": (
            "export class Telemetry {\n"
            "  track(e: any) { events.push(e); }\n"
            "  trackCliFlag(flag: string) { this.track({ key: `flag:${flag}`, value: 'TRUE' }); }\n"
            "}\n"
            "export function isFlagOn(flag: string): boolean { return remote.flags[flag] === true; }\n"),
        "src/cmd.ts": (
            "export function run(t: any, argv: any) {\n"
            "  argv['--yes'] && t.trackCliFlag('auto-confirm');\n"
            "  argv['--json'] && t.trackCliFlag('json-output');\n"
            "  argv['--force'] && t.trackCliFlag('force-deploy');\n"
            "  if (isFlagOn('new-deploy-flow')) return 1;\n"
            "  return isFlagOn('fast-build-cache') ? 2 : 3;\n"
            "}\n"),
    })
    scan_id, conn = _scan(tmp_path, root)
    try:
        assert {k for k, _, c in _reads(conn, scan_id) if c == "inferred"} == {"new-deploy-flow", "fast-build-cache"}
    finally:
        conn.close()


@pytest.mark.parametrize(("language", "source", "expected"), [
    ("typescript", "flag && read('k');", False),  # runs because of `flag`; its value is dropped
    ("typescript", "if (flag && read('k')) go();", True),
    ("typescript", "const v = read('k') || other;", True),
    ("typescript", "const v = other || read('k');", False),
    ("typescript", "const v = !read('k');", True),
    ("typescript", "const v = read('k') === 'on';", True),
    ("typescript", "const v = a ? read('k') : b;", False),
    ("typescript", "if (a && b && c && read('k')) go();", True),
    ("python", "flag and read('k')\n", False),
    ("python", "if flag and read('k'):\n    go()\n", True),
    ("python", "v = read('k') or other\n", True),
])
def test_value_used_as_a_condition(language, source, expected):
    import tree_sitter

    from auditor.infer import _is_condition
    from auditor.languages import grammar

    data = source.encode()
    tree = tree_sitter.Parser(grammar(language)).parse(data)
    at = data.index(b"read(")
    call = tree.root_node.descendant_for_byte_range(at, at + 4)
    while call.type not in ("call_expression", "call"):
        call = call.parent
    assert _is_condition(call) is expected
