"""No detected secret survives anywhere: many kinds of credential planted in every place scanned
content can reach (file contents, flag defaults and keys, snippets, a `sourceMappingURL`, a map's
`sources` and `sourcesContent`, entry and file names, package.json fields, .env), in a directory
target and in an npm tarball built on the fly; then every output (scan, check in four formats),
every text column of every table, every Parquet file, the cache and the dashboard pages are read
back and searched for each value."""

from __future__ import annotations

import base64
import json
import os
import random
import string
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from auditor import store
from auditor.cli import app

from test_artifacts_kit import npm_tgz, source_map  # noqa: E402  (tests/test_artifacts_kit.py)

_rng = random.Random(1606)


def _rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _b64(n: int) -> str:
    return _rand(n, string.ascii_letters + string.digits + "+/")


def _jwt() -> str:
    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return part({"alg": "HS256", "typ": "JWT"}) + "." + part({"sub": _rand(12), "iat": 1700000000}) + "." + _rand(43, string.ascii_letters + string.digits + "_-")


# (kind, value): made-up credentials in each format. Values are random (no placeholder words, no runs).
PEM_BODY = _b64(64)
SECRETS: dict[str, str] = {
    "aws-key-id": "AKIA" + _rand(16, string.ascii_uppercase + string.digits),
    "github-classic": "ghp_" + _rand(36),
    "github-fine-grained": "github_pat_" + _rand(22) + "_" + _rand(59),
    "gitlab": "glpat-" + _rand(20),
    "slack": "xoxb-" + _rand(11, string.digits) + "-" + _rand(12, string.digits) + "-" + _rand(24),
    "stripe": "sk_live_" + _rand(24),
    "npm": "npm_" + _rand(36),
    "jwt": _jwt(),
    "sendgrid": "SG." + _rand(22) + "." + _rand(43),
    "twilio": "SK" + _rand(32, "0123456789abcdef"),
    "google-api": "AIza" + _rand(35),
    "anthropic": "sk-ant-api03-" + _rand(93),
    "pypi": "pypi-AgEIcHlwaS5vcmc" + _rand(60),
    "openai": "sk-proj-" + _rand(20) + "T3BlbkFJ" + _rand(20),
}
"""Credentials recognised by their format: planted everywhere, including where nothing names them."""
URL_PASSWORD = _rand(18)
QUERY_TOKEN = _rand(24)
BASIC_AUTH = _b64(28) + "=="
AWS_SECRET = _b64(40)
ENV_PASSWORD = _rand(20)
CONTEXT_SECRETS = {
    "url-password": URL_PASSWORD,
    "query-token": QUERY_TOKEN,
    "basic-auth-header": BASIC_AUTH,
    "aws-secret-key": AWS_SECRET,
    "env-password": ENV_PASSWORD,
    "pem-private-key": PEM_BODY,
}
"""Credentials recognised by their context (a URL's user info, a secret-named query parameter or
key, an Authorization header, a PEM block): planted in that context."""
NEEDLES = sorted({*SECRETS.values(), *CONTEXT_SECRETS.values()}, key=len)


def test_at_least_fifteen_kinds_are_planted():
    assert len(SECRETS) + len(CONTEXT_SECRETS) >= 15
    assert len(NEEDLES) == len(SECRETS) + len(CONTEXT_SECRETS)


def _source() -> str:
    """JavaScript that reads flags with every credential as a default value, as a key and in a
    comment on the read's line, plus context-recognised ones."""
    lines = ["import * as LaunchDarkly from 'launchdarkly-node-server-sdk';",
             "const client = LaunchDarkly.init(process.env.LD_SDK_KEY);"]
    for i, (kind, value) in enumerate(SECRETS.items()):
        lines.append(f"export const v{i} = client.variation('flag-{kind}', '{value}');")
        lines.append(f"export const k{i} = client.variation('{value}', false);  // {kind}")
    lines += [
        f"export const db = client.variation('db-url', 'postgres://deploy:{URL_PASSWORD}@db.internal:5432/app');",
        f"export const hook = client.variation('hook-url', 'https://api.example.com/v1/hook?token={QUERY_TOKEN}&x=1');",
        f"export const hdr = client.variation('auth-header', 'Authorization: Basic {BASIC_AUTH}');",
        f"const aws_secret_access_key = \"{AWS_SECRET}\"; if (client.variation('aws', false)) use(aws_secret_access_key);",
        f"const password = \"{ENV_PASSWORD}\"; if (client.variation('pw-on', false)) login(password);",
        f"const key = `-----BEGIN RSA PRIVATE KEY-----\\n{PEM_BODY}\\n-----END RSA PRIVATE KEY-----`;",
        "if (client.variation('use-key', false)) { sign(key); }",
        "export const apiKey = process.env.API_KEY;",
    ]
    return "\n".join(lines) + "\n"


def _files() -> dict[str, str]:
    src = _source()
    token = SECRETS["github-classic"]
    gcp = {"type": "service_account", "project_id": "demo", "private_key_id": _rand(40, "0123456789abcdef"),
           "private_key": f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n",
           "client_email": "svc@demo.iam.gserviceaccount.com"}
    bundle_map = source_map([f"webpack:///./src/{token}.ts", "webpack:///./src/flags.ts"],
                            [src, src], file="dist/app.js").decode()
    map_url = f"https://deploy:{URL_PASSWORD}@cdn.example.com/app.js.map?token={SECRETS['github-classic']}"
    return {
        "src/flags.js": src,
        f"src/{SECRETS['npm']}.js": "export const x = 1;\n",
        f"config/{SECRETS['aws-key-id']}.txt": "nothing\n",
        "dist/app.js": src + f"//# sourceMappingURL={map_url}\n",
        "dist/other.js": "export const y = 2;\n//# sourceMappingURL=app.js.map\n",
        "dist/app.js.map": bundle_map,
        ".env": "\n".join([f"AWS_ACCESS_KEY_ID={SECRETS['aws-key-id']}", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}",
                           f"DB_PASSWORD={ENV_PASSWORD}", f"GITHUB_TOKEN={token}", f"STRIPE_KEY={SECRETS['stripe']}"]) + "\n",
        "gcp-key.json": json.dumps(gcp, indent=2),
        "README.md": f"Set `export API_KEY=\"YOUR_API_KEY\"`; never {SECRETS['slack']}.\n",
    }


def _package() -> dict:
    return {"name": "leaky-pkg", "version": "1.0.0", "description": f"token {SECRETS['npm']}",
            "repository": {"type": "git", "url": f"https://deploy:{URL_PASSWORD}@github.com/acme/leaky.git"},
            "homepage": f"https://example.com/?token={QUERY_TOKEN}", "author": SECRETS["sendgrid"],
            "dependencies": {"launchdarkly-node-server-sdk": "^7.0.0"}}


@pytest.fixture(scope="module")
def leak(tmp_path_factory):
    """Both targets scanned and checked; every output collected: {name: text}, the db, the shards
    directory and the cache directory."""
    root = tmp_path_factory.mktemp("leak")
    tree = root / "tree"
    for rel, text in _files().items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    (tree / "package.json").write_text(json.dumps(_package()))
    tarball = npm_tgz(root / "leaky-pkg-1.0.0.tgz", _files(), _package())
    cache = root / "cache"
    db = root / "leak.duckdb"
    env = {"AUDITOR_CACHE_DIR": str(cache)}
    runner = CliRunner()
    outputs: dict[str, str] = {}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        r = runner.invoke(app, ["scan", str(tree), str(tarball), "--db", str(db), "-j", "1"])
        assert r.exit_code == 0, r.output
        outputs["scan"] = r.output
        for fmt in ("text", "json", "sarif", "markdown"):
            out = root / f"check.{fmt}"
            r = runner.invoke(app, ["check", str(tree), str(tarball), "--db", str(root / "check.duckdb"), "-j", "1",
                                    "--format", fmt, "--output", str(out)])
            assert r.exit_code in (0, 1), r.output
            outputs[f"check-{fmt}"] = out.read_text() + r.output
        r = runner.invoke(app, ["findings", "--db", str(db)])
        outputs["findings"] = r.output
        r = runner.invoke(app, ["flags", "--db", str(db), "--format", "json"])
        outputs["flags"] = r.output
        r = runner.invoke(app, ["sql", "--db", str(db), "--format", "json", "SELECT * FROM flag_reads"])
        outputs["sql"] = r.output
        shards = root / "shards"
        r = runner.invoke(app, ["export", "--db", str(db), "--parquet", str(shards)])
        assert r.exit_code == 0, r.output
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"outputs": outputs, "db": db, "check_db": root / "check.duckdb", "shards": shards, "cache": cache, "tarball": tarball}


def _survivors(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


def _text_cells(conn: duckdb.DuckDBPyConnection, relation_of) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text cell (and text in a list) of every table."""
    out = []
    tables = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    for (table,) in tables:
        cols = conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
                            [table]).fetchall()
        for col, ty in cols:
            if "VARCHAR" not in ty and "STRUCT" not in ty and "MAP" not in ty and "JSON" not in ty:
                continue
            for (v,) in conn.execute(f'SELECT CAST("{col}" AS VARCHAR) FROM {relation_of(table)}').fetchall():
                if v:
                    out.append((table, col, v))
    return out


def test_the_scan_found_what_was_planted(leak):
    # the planted secrets were detected (ART006) and the flags read through them were extracted
    conn = store.connect(leak["db"], read_only=True)
    try:
        kinds = {r[0] for r in conn.execute("SELECT subject FROM findings WHERE rule_id = 'ART006'").fetchall()}
        assert {"AWS Access Key", "GitHub Token", "Slack Token", "Stripe Access Key", "JSON Web Token", "Private Key",
                "SendGrid API Key", "Twilio API Key", "npm Access Token", "GitHub Fine-grained Token"} <= kinds
        paths = {r[0] for r in conn.execute("SELECT DISTINCT path FROM findings WHERE rule_id = 'ART006'").fetchall()}
        assert any(p.endswith(".env") and not p.startswith("package/") for p in paths)  # the directory target too
        keys = {r[0] for r in conn.execute("SELECT flag_key FROM flag_reads WHERE flag_key IS NOT NULL").fetchall()}
        assert {f"flag-{k}" for k in SECRETS} <= keys  # extraction saw the original text
        assert {"db-url", "hook-url", "auth-header", "aws", "pw-on", "use-key", "API_KEY"} <= keys
        maps = conn.execute("SELECT count(*) FROM map_refs").fetchone()[0]
        assert maps >= 1
    finally:
        conn.close()


def test_no_output_holds_a_secret(leak):
    for name, text in leak["outputs"].items():
        assert text, name
        assert _survivors(text) == [], name


@pytest.mark.parametrize("which", ["db", "check_db"])
def test_no_table_holds_a_secret(leak, which):
    conn = store.connect(leak[which], read_only=True)
    try:
        cells = _text_cells(conn, lambda t: f'"{t}"')
    finally:
        conn.close()
    assert len(cells) > 100
    assert [(t, c, n) for t, c, v in cells for n in _survivors(v)] == []
    assert any("‹redacted›" in v for _, c, v in cells if c == "default_value")
    assert any("‹redacted›" in v for t, c, v in cells if t == "map_refs")
    assert any("‹redacted›" in v for t, c, v in cells if t == "entries" and c == "path")


def test_no_parquet_file_holds_a_secret(leak):
    files = sorted(Path(leak["shards"]).rglob("*.parquet"))
    assert files
    conn = duckdb.connect()
    try:
        seen = 0
        for f in files:
            rel = f"read_parquet('{f}')"
            cols = conn.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
            for col, ty, *_ in cols:
                if "VARCHAR" in ty:
                    for (v,) in conn.execute(f'SELECT CAST("{col}" AS VARCHAR) FROM {rel}').fetchall():
                        seen += 1
                        assert not v or _survivors(v) == [], (f, col)
        assert seen > 100
    finally:
        conn.close()


def _cache_survivors(cache: Path) -> list[tuple[str, str]]:
    found = []
    for f in sorted(p for p in cache.rglob("*") if p.is_file()):
        data = f.read_bytes()
        for n in NEEDLES:
            if n.encode() in data:
                found.append((str(f.relative_to(cache)), n))
        if f.suffix == ".duckdb":
            conn = duckdb.connect(str(f), read_only=True)
            try:
                for t, c, v in _text_cells(conn, lambda t: f'"{t}"'):
                    found += [(f"{f.name}:{t}.{c}", n) for n in _survivors(v)]
            finally:
                conn.close()
    return found


def test_no_cache_file_holds_a_secret(leak):
    assert any(Path(leak["cache"]).rglob("*"))
    assert _cache_survivors(Path(leak["cache"])) == []


def test_a_rescan_from_the_cache_holds_no_secret(leak, tmp_path):
    # a rescan takes the artifact's items from the cache: neither the cache nor the new rows hold a secret
    cache = tmp_path / "cache"
    from auditor.config import Config
    from auditor.scan import run_scan

    run_scan([str(leak["tarball"])], tmp_path / "a.duckdb", None, Config(), cache_dir=cache)
    again = run_scan([str(leak["tarball"])], tmp_path / "b.duckdb", None, Config(), cache_dir=cache)
    assert again.pipeline.targets_cached == 1
    assert _cache_survivors(cache) == []
    conn = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    try:
        assert [(t, c) for t, c, v in _text_cells(conn, lambda t: f'"{t}"') if _survivors(v)] == []
    finally:
        conn.close()


def test_no_dashboard_page_shows_a_secret(leak, monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    from auditor.dashboard import app_dir

    main = sys.modules["__main__"]
    monkeypatch.setenv("AUDITOR_DB", str(leak["db"]))
    try:
        at = AppTest.from_file(str(app_dir() / "streamlit_app.py"), default_timeout=60)
        at.run()
        shown = []
        for page in ("overview", "flags", "findings", "capabilities", "shipped", "artifact", "sql"):
            at.switch_page(f"app_pages/{page}.py")
            at.run()
            assert not at.exception, (page, [e.value for e in at.exception])
            if page == "sql":
                at.text_area(key="sql_text").set_value("SELECT * FROM flag_reads")
                at.get("form_submit_button")[0].click().run()
            parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.title,
                                       *at.header, *at.subheader, *at.code)]
            parts += [df.value.to_csv() for df in at.dataframe]
            text = "\n".join(map(str, parts))
            shown.append(text)
            assert _survivors(text) == [], page
        assert any("‹redacted›" in t for t in shown)
    finally:
        sys.modules["__main__"] = main
