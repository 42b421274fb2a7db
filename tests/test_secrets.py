"""The secret search (auditor/sources/secrets.py): segments, candidates found far apart, the verdict."""

from __future__ import annotations

import re
import re._casefix

import pytest

from auditor.queries import _re2
from auditor.sources.secrets import SEGMENT_CHARS, SecretScanner, Segments, not_a_secret, segments, whole_token


def _segments_by_hand(text: str) -> tuple[list[str], list[int]]:
    """The definition: lines, and lines over SEGMENT_CHARS cut after a `;`, `,`, `}` or `)` among
    the last 512 characters of each piece (else at SEGMENT_CHARS)."""
    segs, lines = [], []
    for number, line in enumerate(text.split("\n"), 1):
        start = 0
        while True:
            end = min(start + SEGMENT_CHARS, len(line))
            if end < len(line):
                cut = max(line.rfind(c, end - 512, end) for c in ";,})")
                if cut > start:
                    end = cut + 1
            segs.append(line[start:end])
            lines.append(number)
            start = end
            if start >= len(line):
                break
    return segs, lines


@pytest.mark.parametrize("text", [
    "",
    "\n",
    "a\n\nb\n",
    "x" * SEGMENT_CHARS,
    "x" * (SEGMENT_CHARS + 1),
    ("f(a,b);" * 2000) + "\nshort\n" + ("y" * 9000) + "\n" + ("{k:1}," * 3000),
])
def test_segments_are_lines_with_long_lines_cut_near_separators(text):
    assert segments(text) == _segments_by_hand(text)
    segs = Segments(text)
    if len(segs) > 2:
        assert segs[1:3] == _segments_by_hand(text)[0][1:3]
        assert segs.at(segs.starts[2]) == 2


def test_a_value_is_traced_to_its_segment_however_often_it_occurs_elsewhere():
    # `pass` occurs in many earlier candidate segments; the Basic Auth value on the last line must
    # still be traced to its own line (the search once looked at the first five occurrences only)
    lines = [f"const url{i} = 'https://example.com/password-reset/pAss7{i}';" for i in range(30)]
    lines.append("const db = 'postgres://admin:pAss7@db.internal:5432/app';")
    found = SecretScanner().scan("config.js", "\n".join(lines))
    assert [(s.type, s.line) for s in found] == [("Basic Auth Credentials", 31)]


def test_allowlist_pragmas_are_honoured_on_the_line_and_the_line_before():
    # detect-secrets' allowlist filter judges the line (scan_line); `allowlist nextline` the line before
    key = "AKIAZ4TESTKEY7QWERTY"
    text = (f"a = '{key}'\n"
            f"b = '{key}'  # pragma: allowlist secret\n"
            "# pragma: allowlist nextline secret\n"
            f"c = '{key}'\n"
            f"d = '{key}'  # pragma: allowlist\n")  # not a complete pragma: still reported
    found = SecretScanner().scan("settings.py", text)
    assert sorted((s.type, s.line) for s in found) == [("AWS Access Key", 1), ("AWS Access Key", 5)]


def test_the_unicode_facts_the_re2_literal_search_relies_on_hold():
    from auditor.sources.secrets import LOWER_TO_ASCII

    chars = [chr(i) for i in range(0x80, 0x110000)]
    assert {c: c.lower() for c in chars if len(c.lower()) == 1 and c.lower().isascii()} == LOWER_TO_ASCII


@pytest.mark.skipif(_re2 is None, reason="google-re2 is not installed")
def test_literal_hits_are_the_same_with_re2_as_with_re():
    import copy
    import random

    from auditor.sources.secrets import literal_hits

    cond = SecretScanner().conditions
    slow = copy.copy(cond)
    slow.re2 = {False: None, True: None}  # Python's re only
    pieces = ["password", "PassWord", "api_key", "Api-Key", "secret", "to\u212aen", "contraseña", "CONTRASEÑA", "AKIA", "glpat-",
              "ghp_", "eyJ", "://", "-us", " ", "\n", "=", "'", "é", "日本", "😀", "x", "_", "\udc80", "İ", "SECRET"]
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for fold in (False, True):
            fast, reference = list(literal_hits(cond, text, fold)), list(literal_hits(slow, text, fold))
            if fold and "İ" in text:  # re lower-cases ASCII letters only there; RE2 still takes the Kelvin sign for k
                assert set(fast) >= set(reference), text
            else:
                assert fast == reference, (text, fold)
    assert list(literal_hits(cond, "glpat-us12", False)) == [(0, "glpat-"), (5, "-us")]  # one inside another
    assert list(literal_hits(cond, "é x PASSWORD y 日 password", True)) == [(4, "password"), (17, "password")]
    assert list(literal_hits(slow, "é x PASSWORD y İ password", True)) == [(4, "password"), (17, "password")]


@pytest.mark.skipif(_re2 is None, reason="google-re2 is not installed")
def test_pattern_candidates_are_the_same_with_re2_as_with_re():
    import random

    from auditor.sources import secrets

    pairs = [(rx, fast) for rx, fast, _ in SecretScanner().conditions.patterns if fast is not None]
    assert len(pairs) == 4  # base64, hex, the cloud plugins' assignments, Twilio
    pieces = ["'", '"', "abcdef0123456789", "ABCDEFGH", "+/=", "-_", "Zx9" * 4, " ", "é", "日本", "\\", "`",
              "KEY", "pa\u017f\u017fword", "To\u212aen", "pw", "PWD", "\u0130\u0131", ":=", "=>", "]", "::", "  ", "x" * 24,
              "'0123456789abcdef'", '"deadbeef42"', "key = '" + "Ab1_-" * 5 + "'", "PA\u017f\u017f:=" + "\u0131" * 24,
              '["token"] = "' + "z" * 30 + '"', "é\u212aey: " + "q" * 24, "日\u212aEY:" + "\u017f" * 24,
              "AC" + "0a" * 16, "SK" + "9z" * 16]
    rng = random.Random(8)
    matched = [0] * len(pairs)
    for _ in range(600):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        tb = secrets.TextBytes(text)
        for i, (rx, fast) in enumerate(pairs):
            starts = [m.start() for m in rx.finditer(text)]
            assert [at for at, _, _ in tb.matches(fast)] == starts, text
            matched[i] += len(starts)
    assert min(matched) > 10, matched


V44 = "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hI6kL9nO2qX"  # made-up values in the plugins' formats
CREDENTIAL_LINES = [
    f'ibm_cloud_iam_pwd = "{V44}"',
    f'IBM-CLOUD-IAM-KEY := "{V44[::-1]}"',
    f'conf["cloud_iam_token"] = "{V44.lower()}"',
    'cloudant_password: "' + "3f9a1c7e5b2d8046" * 4 + '"',
    'cl_api_key = "qwertyuiopasdfghjklzxcvb"',
    'softlayer_api_key = "' + "0a1b2c3d4e5f6a7b" * 4 + '"',
    "sl_pwd: " + "9f8e7d6c5b4a3921" * 4,
    "twilio = 'AC0123456789abcdef0123456789abcdef'",
    "token = SKfedcba9876543210fedcba9876543210",
    'artifactory: "AKCp8a1B2c3D4e5F6g7H8"',
    'artpass = "AP6xYz1234567890AbCd"',
    "glpat-3f9a1c7e5b2d80463f9a1c7e5b2d8046-us12",
    "aws = 'AKIAZ4QWERTYUIOPASDF'",
    "https://user:s3cr3tpass@example.com/x",
]


def test_the_search_finds_every_secret_detect_secrets_finds_in_a_file(tmp_path):
    # detect-secrets' own file scan is the reference; each of these lines once slipped through a
    # prefilter: keywords inside longer words (`ibm_cloud_iam_pwd`), `:=` and `["…"] =`
    # assignments, and a literal inside another (`-us` in `glpat-…-us12`)
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    path = tmp_path / "creds.txt"
    path.write_text("\n".join(CREDENTIAL_LINES) + "\n")
    with default_settings():
        reference = SecretsCollection()
        reference.scan_file(str(path))
        lines = path.read_text().splitlines()
        # detect-secrets reports only the prefix of a GitHub or GitLab token: the scanner, the token
        expected = {(s.type, whole_token(lines[s.line_number - 1], s.secret_value) if len(s.secret_value) < 8 else s.secret_value)
                    for f in reference.files for s in reference[f]
                    if not not_a_secret(s.type, s.secret_value, lines[s.line_number - 1], str(path))}
    found = {(s.type, s.value) for s in SecretScanner().scan(str(path), path.read_text())}
    assert {t for t, _ in expected} >= {"IBM Cloud IAM Key", "Cloudant Credentials", "SoftLayer Credentials", "Twilio API Key",
                                        "Artifactory Credentials", "Mailchimp Access Key", "GitLab Token", "AWS Access Key"}
    assert expected - found == set()


def test_no_literal_of_one_plugin_starts_another_plugins_literal():
    # the literal search reports the longest literal at each offset: a shorter one of another
    # plugin at the same offset would be lost
    from auditor.sources.secrets import _prefilters

    owners: dict[tuple[bool, str], set[str]] = {}
    for name, pres in _prefilters().items():
        for pre in pres:
            for lit in pre.literals:
                owners.setdefault((pre.fold, lit), set()).add(name)
    for (fold, a), a_owners in owners.items():
        for (fold_b, b), b_owners in owners.items():
            if fold == fold_b and a != b and b.startswith(a):
                assert a_owners <= b_owners, (a, b)


def test_the_ignorecase_twins_are_the_ones_python_re_knows():
    import _sre

    from auditor.sources.secrets import IGNORECASE_TWINS

    twins: dict[str, set[str]] = {}
    for cp in range(0x80, 0x110000):
        low = _sre.unicode_tolower(cp)
        if low < 0x80:
            twins.setdefault(chr(low), set()).add(chr(cp))
    for letter in "abcdefghijklmnopqrstuvwxyz":
        for twin in re._casefix._EXTRA_CASES.get(ord(letter), ()):
            twins.setdefault(letter, set()).add(chr(twin))
    assert {k: set(v) for k, v in IGNORECASE_TWINS.items()} == twins


# -- what is a secret, and how sure: severity follows the evidence ------------------------------
REAL = {  # made-up values in each verified format
    "AWS Access Key": "AKIAQX7RZ2M4K9PL3WTB",
    "GitHub Token": "ghp_Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEw",
    "GitHub Fine-grained Token": "github_pat_11ABCDEFG0Zq8xV2mN4bL6_" + "kJ9hG3fD1sA5pO7iU0yT2rEwQx7pLm2Nb4Vc6Xz8Kj1Hg3Fd5Sa7Po9Iu0Y",
    "Slack Token": "xoxb-20417385960-31592837461-Zq8xV2mN4bL6kJ9hG3fD1sA5",
    "Stripe Access Key": "sk_live_Zq8xV2mN4bL6kJ9hG3fD1sA5",
    "npm Access Token": "npm_Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEw",
    "SendGrid API Key": "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",
    "Google OAuth Client Secret": "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",
}
PEM = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA3Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEwQx7pLm2Nb4Vc6Xz8Kj1Hg3Fd5Sa7Po9Iu0Yt2Re4We\\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize("kind, value", sorted(REAL.items()))
def test_a_credential_format_is_an_error(kind, value):
    from auditor.sources.secrets import severity_of

    found = SecretScanner().scan("src/client.js", f"export const c = init('{value}');\n", memoize=False)
    assert kind in {s.type for s in found}
    assert severity_of(kind) == "error"


def test_a_private_key_file_is_an_error():
    from auditor.sources.secrets import severity_of

    body = "MIIEowIBAAKCAQEA3Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEwQx7pLm2Nb4Vc6Xz8Kj1Hg3Fd5Sa7Po9Iu0Yt2Re4We"
    found = SecretScanner().scan("keys/deploy_rsa", f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n{body}\n-----END RSA PRIVATE KEY-----\n",
                                 memoize=False)
    assert [(s.type, s.line) for s in found] == [("Private Key", 1)] and severity_of("Private Key") == "error"


def test_a_pem_private_key_is_an_error_in_a_bundle_too():
    from auditor.sources.secrets import severity_of

    found = SecretScanner().scan("dist/cli.js", f'var k="{PEM}";' + "x();" * 2000, bundle=True, memoize=False)
    assert [s.type for s in found] == ["Private Key"] and severity_of("Private Key") == "error"


def test_keyword_and_entropy_hits_are_warnings():
    from auditor.sources.secrets import severity_of

    found = SecretScanner().scan("src/settings.py", 'db_password = "Zq8xV2mN4bL6kJ9h"\nblob = "Zq8xV2mN4bL6kJ9hG3fD1sA5pO7iU0yT2rEwQx7pLm"\n',
                                 memoize=False)
    assert {s.type for s in found} >= {"Secret Keyword", "Base64 High Entropy String"}
    assert {severity_of(s.type) for s in found} == {"warning"}


@pytest.mark.parametrize("path, text", [
    ("src/a.ts", "if (apiKeySource !== 'none') { use(); }\n"),  # a comparison
    ("src/a.ts", "const cfg = { secretName: 'ANTHROPIC_API_KEY' };\n"),  # an env var's name
    ("src/a.ts", "const password = 'password';\n"),  # a word
    ("src/a.ts", "const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';\n"),  # base58
    ("src/a.ts", "const token = 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';\n"),  # a placeholder in a format
    ("src/a.ts", "const apiKey = '<your-api-key>';\nconst k2 = '${API_KEY}';\nconst k3 = 'changeme';\n"),
    ("README.md", 'export API_KEY="YOUR_API_KEY"\nexport OTHER_TOKEN="sk3tch9example0key"\n'),  # documentation
    ("docs/setup.md", 'api_key = "Zq8xV2mN4bL6kJ9hG3"\n'),
    ("src/a.ts", "const aws = 'AKIAIOSFODNN7EXAMPLE';\n"),
    ("src/m.test.ts", 'const cfg = { apiKey: "test-key-1", apiKeyLocation: "env.PROXY_KEY" };\n'),  # test values, env reference
    ("src/v.py", "HELP = \"a string usually follows 'DRIVER://USER:PASSWORD@DB-HOST/DATABASE'\"\n"),  # a URL's template
    ("src/v.json", '{"m": "«postgresql://usuario:contraseña@host/base_de_datos»"}\n'),
    ("src/k.test.js", "const e = 'Failed:\\n-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA12345...\\n-----END RSA PRIVATE KEY-----';\n"),
    ("src/p.py", 'FIELDS = {"password": "Database password (default: root)", "client_secret": "Azure AD application secret"}\n'),
    ("src/e.js", "export const SECRET_PREFIX = '__secret__'; const E = 'gemini_cli.api_key_updated';\n"),  # names
    ("src/j.test.js", "const JWT = 'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA157xAA_7962-a_3rA';\n"),  # empty claims, short signature
])
def test_placeholders_env_names_words_comparisons_alphabets_and_docs_are_not_secrets(path, text):
    assert SecretScanner().scan(path, text, memoize=False) == []


# zero bytes in base64 (`AAAA`) make key-id shapes by chance: a woff2 font in CSS, a glTF model's buffer
FONT = "d09GMgABAAAAAA4oAA4AAAAAHbQAAA3TAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAGhYbHhwcBmAAgQQIBBEICqBsmEUBNgIkA0QLJAAEIAWDPAcg"
BUFFER = "UABAACAAIAEQASAAIAAgARAAIAAgACABIAEQACAAIAEQASAAIAAgARABIAAgASIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACSIAAA"


@pytest.mark.parametrize("path, text", [
    ("static/css/index.css", f"@font-face{{font-family:X;src:url(data:font/woff2;base64,{FONT}) format('woff2')}}\n"),
    ("media/models3d/Fox.gltf", f'{{"buffers": [{{"byteLength": 80, "uri": "data:application/octet-stream;base64,{BUFFER}"}}]}}\n'),
    ("dist/app.js", f"const FONT = 'data:font/woff2;base64,{FONT}';\n"),
])
def test_key_shapes_inside_base64_data_urls_are_not_secrets(path, text):
    """The glTF buffer's `ABIAEQACAAIAEQASAAIA` and the font's `A3TAAEAAAAAAAAAAAAAA` (real cases: gradio
    6.31.0 and streamlit 1.67.0 wheels)."""
    assert SecretScanner().scan(path, text, memoize=False) == []


HEX = "b70d99344caf17c98b6f910fa8f6edf32a7c016cb1035e8915f70d38901eb97f"


@pytest.mark.parametrize("path, text", [
    ("lib/emulator/info.json", f'{{\n  "expectedChecksumSHA256": "{HEX}",\n  "expectedSize": 1024\n}}\n'),
    ("dist/tokenizer/node.cjs", f"const entry = {{ modelHash: '{HEX}', url: u }};\n"),
    ("package.json", '{\n  "name": "x",\n  "gitHead": "c63de15a992d37f0d6cec03ac7631872838602cb"\n}\n'),
    ("build/node_modules/.package-lock.json",
     '{"integrity": "sha512-8guHBZCwKnFhYdHr2ysuRWErTwhoN2X8XELRlrRwpmfeY2jjuUN4taQMsULKUVo1K4DvZl+0pYhR0pEl9Z3xcQ=="}\n'),
])
def test_checksums_are_not_secrets(path, text):
    assert SecretScanner().scan(path, text, memoize=False) == []


def test_message_ids_are_not_secrets():
    """TypeScript's diagnostic message ids in every translation (typescript 5.9.3) read as base64."""
    text = ('{"Properties_with_the_accessor_modifier_are_only_available_when_targeting_ECMAScript_2015_and_higher_18045":'
            ' "Eigenschaften mit dem Accessormodifizierer sind nur verfügbar.",\n'
            ' "The_jsxFragmentFactory_compiler_option_must_be_provided_to_use_JSX_fragments_with_the_jsxFactory_com_17016":'
            ' "Um JSX-Fragmente mit der Compileroption zu verwenden."}\n')
    assert SecretScanner().scan("lib/de/diagnosticMessages.generated.json", text, memoize=False) == []


def test_a_base64url_secret_with_underscores_is_still_reported():
    found = SecretScanner().scan("app/config.js", 'const k = "Zq8xV2mN_4bL6kJ9h_G3fD1sA5p_O7iU0yT2rE";\n', memoize=False)
    assert [s.line for s in found] == [1]


def test_a_secret_named_as_a_hash_is_still_reported():
    found = SecretScanner().scan("app/settings.py", f'webhook_secret_hash = "{HEX}"\n', memoize=False)
    assert found and {s.line for s in found} == {1}


def test_a_key_shape_of_few_characters_is_not_a_secret():
    """Raw base64 of zero bytes (a buffer in JSON, no `data:` URL) reads `A3TAAEAAAAAAAAAAAAAA`."""
    text = '{"buffer": "AAAAAAAAAAAAA3TAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}\n'
    assert SecretScanner().scan("assets/model.json", text, memoize=False) == []


def test_a_key_shape_deep_inside_a_base64_run_is_not_a_secret():
    """Raw base64 (no `data:` URL in sight, as in a segment cut from a long line): `ABIAEQACAAIAEQASAAIA`
    with more of the same on both sides is a fragment of encoded bytes."""
    assert SecretScanner().scan("assets/model.json", f'{{"buffer": "{BUFFER}"}}\n', memoize=False) == []


def test_a_key_beside_a_data_url_is_still_a_secret():
    text = f"const F = 'data:font/woff2;base64,{FONT}', K = '{REAL['AWS Access Key']}';\n"
    assert [s.type for s in SecretScanner().scan("dist/app.js", text, memoize=False)] == ["AWS Access Key"]


def test_extraction_sees_the_original_text(tmp_path):
    # a secret in a file once masked what was parsed: `password: 'password'` became asterisks, a
    # flag key turned into `*`, and process.env reads vanished
    from auditor.config import Config
    from auditor.scan import run_scan

    src = tmp_path / "src"
    src.mkdir()
    (src / "app.js").write_text(
        "import * as LaunchDarkly from 'launchdarkly-node-server-sdk';\n"
        "const client = LaunchDarkly.init(process.env.LD_KEY);\n"
        f"const secret = '{REAL['GitHub Token']}';\n"
        "export const a = client.variation('password', false);\n"
        f"export const b = client.variation('{REAL['Stripe Access Key'][:12]}-flag', false);\n"
        "export const k = process.env.API_KEY;\n"
    )
    db = tmp_path / "x.duckdb"
    run_scan([str(src)], db, None, Config())
    from auditor import store

    conn = store.connect(db, read_only=True)
    try:
        keys = {r[0] for r in conn.execute("SELECT flag_key FROM flag_reads").fetchall()}
        sev = conn.execute("SELECT severity FROM findings WHERE rule_id = 'ART006'").fetchall()
    finally:
        conn.close()
    assert {"password", "LD_KEY", "API_KEY", REAL["Stripe Access Key"][:12] + "-flag"} <= keys
    assert sev == [("error",)]  # and the directory target was searched
