"""The secret search (auditor/sources/secrets.py): segments, masking, and candidates found far apart."""

from __future__ import annotations

import pytest

from auditor.queries import _re2
from auditor.sources.secrets import SEGMENT_CHARS, Secret, SecretScanner, Segments, mask, segments


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


def test_mask_keeps_lengths_masks_tokens_everywhere_and_short_values_on_their_lines_as_whole_tokens():
    data = (b"const u = 'https://user:pass@host'; const password = bypass(pass);\n"
            b"key = 'AKIAZ4TESTKEY7QWERTY'+x; login(pass)\n"
            b"const again = 'AKIAZ4TESTKEY7QWERTY';\n")
    out = mask(data, [Secret("Basic Auth Credentials", 1, "pass"), Secret("AWS Access Key", 2, "AKIAZ4TESTKEY7QWERTY")])
    assert len(out) == len(data)
    assert out == (b"const u = 'https://user:****@host'; const password = bypass(****);\n"
                   b"key = '********************'+x; login(pass)\n"
                   b"const again = '********************';\n")


def test_a_value_is_traced_to_its_segment_however_often_it_occurs_elsewhere():
    # `pass` occurs in many earlier candidate segments; the Basic Auth value on the last line must
    # still be traced to its own line (the search once looked at the first five occurrences only)
    lines = [f"const url{i} = 'https://example.com/password-reset/pass{i}';" for i in range(30)]
    lines.append("const db = 'postgres://admin:pass@db.internal:5432/app';")
    found = SecretScanner().scan("config.js", "\n".join(lines))
    assert [(s.type, s.line) for s in found] == [("Basic Auth Credentials", 31)]


def test_allowlist_pragmas_are_honoured_on_the_line_and_the_line_before():
    # the allowlist filter is skipped on segments without the word `pragma`; where it is there, it runs
    key = "AKIAZ4TESTKEY7QWERTY"
    text = (f"a = '{key}'\n"
            f"b = '{key}'  # pragma: allowlist secret\n"
            "# pragma: allowlist nextline secret\n"
            f"c = '{key}'\n"
            f"d = '{key}'  # pragma: allowlist\n")  # not a complete pragma: still reported
    found = SecretScanner().scan("settings.py", text)
    assert sorted((s.type, s.line) for s in found) == [("AWS Access Key", 1), ("AWS Access Key", 5)]


def test_the_skipped_allowlist_filter_is_one_detect_secrets_runs():
    from detect_secrets.core.scan import get_filters_with_parameter

    from auditor.sources.secrets import ALLOWLIST_FILTER

    assert ALLOWLIST_FILTER in {f.path for f in get_filters_with_parameter("line")}


def test_the_unicode_facts_the_re2_literal_search_relies_on_hold():
    from auditor.sources.secrets import LOWER_CHANGES_LENGTH, LOWER_TO_ASCII

    chars = [chr(i) for i in range(0x80, 0x110000)]
    assert {c: c.lower() for c in chars if len(c.lower()) == 1 and c.lower().isascii()} == LOWER_TO_ASCII
    assert "".join(c for c in chars if len(c.lower()) != 1) == LOWER_CHANGES_LENGTH


@pytest.mark.skipif(_re2 is None, reason="google-re2 is not installed")
def test_literal_hits_are_the_same_with_re2_as_with_re(monkeypatch):
    import copy
    import random

    from auditor.sources import secrets
    from auditor.sources.secrets import literal_hits

    monkeypatch.setattr(secrets, "RE2_MAX_EXTRA", 100.0)  # RE2 (and its offset mapping) for any mix of text

    cond = SecretScanner().conditions
    slow = copy.copy(cond)
    slow.re2 = {False: None, True: None}  # Python's re only
    pieces = ["password", "PassWord", "api_key", "Api-Key", "token", "to\u212aen", "contraseña", "CONTRASEÑA", "AKIA", "AP1",
              "ghp_", "eyJ", "://", "-us", " ", "\n", "=", "'", "é", "日本", "😀", "x", "_", "\udc80"]
    rng = random.Random(7)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for fold in (False, True):
            assert list(literal_hits(cond, text, fold)) == list(literal_hits(slow, text, fold)), (text, fold)
    assert list(literal_hits(cond, "é x PASSWORD y 日 password", True)) == [(4, "password"), (17, "password")]  # RE2
    assert list(literal_hits(cond, "é x PASSWORD y İ password", True)) == [(4, "password"), (17, "password")]  # re


@pytest.mark.skipif(_re2 is None, reason="google-re2 is not installed")
def test_entropy_candidates_are_the_same_with_re2_as_with_re(monkeypatch):
    import random

    from auditor.sources import secrets

    monkeypatch.setattr(secrets, "RE2_MAX_EXTRA", 100.0)
    pairs = [(rx, fast) for rx, fast, _ in SecretScanner().conditions.patterns if fast is not None]
    assert len(pairs) == 2  # base64 and hex
    pieces = ["'", '"', "abcdef0123456789", "ABCDEFGH", "+/=", "-_", "Zx9" * 4, " ", "é", "日本", "\\", "`"]
    rng = random.Random(8)
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        tb = secrets.TextBytes(text)
        for rx, fast in pairs:
            assert [tb.char(s) for s, _ in tb.spans(fast)] == [m.start() for m in rx.finditer(text)], text
