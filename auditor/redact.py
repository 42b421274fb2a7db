"""The text boundary: every string that came from scanned bytes is made valid UTF-8 (`clean_text`) and
has credentials replaced (`redact`) before it is stored, exported, cached or shown.

Detection happens on the original text (`sources/secrets.py`, detect-secrets); this module decides
only what a *stored or printed* string may hold. It knows credential formats by their shape (AWS key
ids, GitHub/GitLab/Slack/Stripe/npm/PyPI/SendGrid/Twilio/OpenAI/Anthropic/Google tokens, JSON Web
Tokens, PEM private-key blocks, a password in a URL's user info, a credential in a URL query, an
`Authorization:` header value, a quoted value assigned to a secret-named key), so it needs no state
from the scan and can run anywhere: the store's insert path, the extraction cache's write path, the
dashboard, `auditor sql`.

Every expression runs in google-re2 (linear time in the input: no backtracking), one pass over the
text finding the strings that hold anything at all (`redact_many`), then one substitution per hit.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import itertools
import re
from collections.abc import Sequence

import re2

REDACTED = "‹redacted›"
"""What a redacted value is replaced with."""

_TOKEN_END = r"(?:[^A-Za-z0-9_\-]|$)"

# (expression, group to replace: 0 is the whole match). RE2 syntax, no look-around.
_PATTERNS: list[tuple[str, int]] = [
    # PEM private-key blocks, to their END line or the end of the string (a snippet cut short)
    (r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----(?s:.*?)(?:-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|\z)", 0),
    (r"PuTTY-User-Key-File-\d+:(?s:.*?)(?:Private-MAC: *[0-9a-fA-F]+|\z)", 0),
    # key ids and tokens known by their prefix
    (r"(?:^|[^A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ABIA|ACCA|ASIA)[A-Z0-9]{16})" + _TOKEN_END, 1),
    (r"(gh[pousr]_[A-Za-z0-9]{30,255})", 1),
    (r"(github_pat_[A-Za-z0-9_]{22,255})", 1),
    (r"(gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-[A-Za-z0-9_\-]{20,})", 1),
    (r"(GR1348941[A-Za-z0-9_\-]{20,})", 1),
    (r"(xox[abposre]-[A-Za-z0-9\-]{10,})", 1),
    (r"(https://hooks\.slack\.com/services/[A-Za-z0-9+/_\-]{20,})", 1),
    (r"((?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,})", 1),
    (r"(npm_[A-Za-z0-9]{36})", 1),
    (r"(_authToken\s*=\s*)(\S+)", 2),
    (r"(pypi-AgE[A-Za-z0-9_\-]{40,})", 1),
    (r"(SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{16,64})", 1),
    (r"(?:^|[^A-Za-z0-9])((?:AC|SK)[0-9a-f]{32})" + _TOKEN_END, 1),
    (r"(sk-ant-[A-Za-z0-9_\-]{20,})", 1),
    (r"(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,})", 1),
    (r"(?:^|[^A-Za-z0-9])(sk-[A-Za-z0-9]{48})" + _TOKEN_END, 1),
    (r"(AIza[0-9A-Za-z_\-]{35})", 1),
    (r"(GOCSPX-[A-Za-z0-9_\-]{28})", 1),
    (r"(sq0(?:csp|atp)-[0-9A-Za-z_\-]{22,43})", 1),
    (r"(?:^|[^0-9a-z])([0-9a-f]{32}-us[0-9]{1,2})" + _TOKEN_END, 1),
    (r"(?:^|[^0-9])([0-9]{8,10}:[0-9A-Za-z_\-]{35})" + _TOKEN_END, 1),
    (r"([MNO][A-Za-z0-9_\-]{23,25}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})", 1),
    (r"(AccountKey=)([A-Za-z0-9+/=]{40,})", 2),
    (r"(eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)", 1),
    # credentials in URLs: user info password, secret-named query parameters
    (r"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/:@'\"`<>]*:)([^\s/@'\"`<>]+)@", 2),
    (r"(?i)([?&#;](?:access_?token|auth_?token|api_?key|apikey|key|token|secret|client_secret|password|passwd|pwd|"
     r"auth|sig|signature|private_token|x-amz-signature|x-amz-credential|x-goog-signature|code|session)=)([^&#\s'\"`<>]+)", 2),
    # an Authorization header's credentials
    (r"(?i)(authorization['\"]?\s*[:=,]\s*['\"]?(?:basic|bearer|token|digest)\s+)([A-Za-z0-9._~+/=\-]{6,})", 2),
    (r"(?i)((?:-u|--user)\s+['\"]?[^\s:'\"]+:)([^\s'\"]+)", 2),
    # a quoted value given to a secret-named key (JSON, YAML, JS, Python, .env)
    (r"(?i)([\w.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|"
     r"client[_\-]?secret|credentials?)[\w\-]*['\"]?\s*(?:=|:|=>|:=)\s*['\"`])([^'\"`\s]{6,})", 2),
    (r"(?im)(^\s*(?:export\s+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*=)"
     r"([^\s'\"`$][^\s'\"`]{5,})", 2),
]

def _compile(pattern: str):
    """`pattern` compiled by RE2 with the DFA budget `queries.re2_bytes` gives (64 MiB): the default
    8 MiB runs out on the joined expression over a long text, and RE2 then falls back to its NFA and
    logs "DFA out of memory" on stderr."""
    options = re2.Options()
    options.max_mem = 64 << 20
    options.log_errors = False
    return re2.compile(pattern, options=options)


_COMPILED = [(_compile(p), g) for p, g in _PATTERNS]
_ANY = _compile("|".join(f"(?:{p})" for p, _ in _PATTERNS))
"""Every expression as one: which strings hold anything to redact, in one pass."""

_SECRET_NAME = r"(?i)password|passwd|pwd|secret|token|api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|client[_\-]?secret|credential"
"""A word that makes a name read as a credential's (`_named_text`)."""


def _loosen(pattern: str) -> str:
    """`pattern` without what it asks of the text around a match (a boundary before it, a token's end
    or the string's end after it, a line start) and without capturing groups: it matches wherever
    `pattern` matches inside any string, also when the string is embedded in other bytes."""
    for boundary in ("(?:^|[^A-Za-z0-9])", "(?:^|[^0-9a-z])", "(?:^|[^0-9])", _TOKEN_END):
        pattern = pattern.replace(boundary, "")
    pattern = pattern.replace("|\\z)", "|)").replace("(^\\s*", "(\\s*")
    return re.sub(r"(?<!\\)\((?!\?)", "(?:", pattern)


_SUSPECT = _compile("|".join([*(f"(?:{_loosen(p)})" for p, _ in _PATTERNS), f"(?:{_SECRET_NAME})"]))
"""Over pickled records: a superset of what `clean_record` redacts in any string of them (every
expression loosened, `_loosen`, plus a credential's name for `_named_text`)."""

_PLACEHOLDER = _compile(
    r"(?i)^(?:\$\{?[A-Za-z_][\w.]*\}?|\{\{.*\}\}|<[^>]*>|%[sd(].*|x{3,}|\*+|\.{3,}|your[_\-].*|.*[_\-]here|changeme|"
    r"change_me|placeholder|redacted|dummy.*|example.*|.*example|sample.*|fake.*|test(?:ing)?|null|none|undefined|"
    r"true|false|password|secret|token)$|(?-i:^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$)")
"""Values that are not credentials, kept as they are (templates, placeholders, environment variable
names, env references)."""


def _keep(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value)) or REDACTED in value


def clean_text(text: str) -> str:
    """`text` as valid UTF-8 that displays as it reads: lone surrogates (from `surrogateescape`d
    bytes or JSON `\\ud800` escapes) become the escape `\\udXXX`, NUL becomes `\\x00`. Valid text
    comes back as the same object."""
    if text.isascii():
        return text.replace("\x00", "\\x00") if "\x00" in text else text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def redact(text):
    """`text` (any value: non-strings come back unchanged) with every credential replaced by
    `REDACTED`, made valid UTF-8 first (`clean_text`). Linear time in the length of `text`."""
    if not isinstance(text, str) or not text:
        return text
    text = clean_text(text)
    if _ANY.search(text) is None:
        return text
    return _substitute(text)


def _substitute(text: str) -> str:
    for rx, group in _COMPILED:
        if rx.search(text) is None:
            continue

        def repl(m, group=group):
            value = m.group(group)
            if value is None or _keep(value):
                return m.group(0)
            if group == 0:
                return REDACTED
            s = m.start(0)
            return m.group(0)[:m.start(group) - s] + REDACTED + m.group(0)[m.end(group) - s:]

        text = rx.sub(repl, text)
    return text


def redact_many(values: Sequence) -> list:
    """`[redact(v) for v in values]`, with one RE2 pass over all the strings to find the few that
    hold anything (the rest are only made valid UTF-8)."""
    out = [clean_text(v) if isinstance(v, str) else v for v in values]
    idx = [i for i, v in enumerate(out) if isinstance(v, str) and v]
    if not idx:
        return out
    joined = "\n".join(out[i] for i in idx)
    hits = _hit_lines(joined, [len(out[i]) for i in idx])
    for k in hits:
        i = idx[k]
        out[i] = _substitute(out[i])
    return out


def _hit_lines(joined: str, lengths: list[int]) -> set[int]:
    """Indexes (into `lengths`, the parts of `joined` separated by one character each) of the parts
    a match of `_ANY` starts in or covers."""
    starts = [0, *itertools.accumulate(n + 1 for n in lengths[:-1])]
    hits: set[int] = set()
    for m in _ANY.finditer(joined):
        a = bisect.bisect_right(starts, m.start()) - 1
        b = bisect.bisect_right(starts, max(m.end() - 1, m.start())) - 1
        hits.update(range(a, b + 1))
    return hits


def suspects(blobs: Sequence[bytes]) -> set[int]:
    """Indexes of the `blobs` (records pickled as they are) that `clean_record` may change by
    redaction: one RE2 pass over them all (`_SUSPECT`). A string's characters are in its pickle as
    its UTF-8 bytes, so a blob no match touches holds no string `clean_record` would redact; the few
    that are touched are cleaned the slow way. (Lone surrogates and NUL, which `clean_record` also
    rewrites, are left to the store, which cleans every string it inserts.)"""
    if not blobs:
        return set()
    starts = [0, *itertools.accumulate(len(b) + 1 for b in blobs[:-1])]
    hits: set[int] = set()
    for m in _SUSPECT.finditer(b"\n".join(blobs)):
        a = bisect.bisect_right(starts, m.start()) - 1
        b = bisect.bisect_right(starts, max(m.end() - 1, m.start())) - 1
        hits.update(range(a, b + 1))
    return hits


def clean_value(value):
    """A stored value made safe: a string redacted (`redact`), a list or tuple with its strings
    redacted (the same type back), anything else unchanged."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return type(value)(clean_value(v) for v in value)
    return value


def clean_record(record):
    """`record` with every string in it redacted (`redact`), however deep: fields of a dataclass
    record, items of lists, tuples and dict values, nested records (a FileResult's reads, gates,
    diagnostics ...). Returns the same object when nothing changes, else a copy (the input is never
    modified). THE EXTRACTION CACHE'S WRITE PATH MUST CALL THIS on every record it pickles, so no
    cache file holds a credential. Every string is looked at in one `redact_many` pass (a result
    holds thousands: one search each cost most of the write)."""
    strings: list[str] = []
    named: list[tuple[object, str]] = []
    _collect(record, strings, named)
    unique = list(dict.fromkeys(strings))
    changed = {a: b for a, b in zip(unique, redact_many(unique)) if a != b}
    texts = [text for _, text in named]
    flagged = {id(rec) for (rec, text), after in zip(named, redact_many(texts)) if after != text}
    if not changed and not flagged:
        return record
    return _clean(record, changed, flagged)


def _named_text(record) -> str | None:
    """For a record binding a name to a string (`Symbol`: `name`, `value`), the assignment it reads
    as (`aws_secret_access_key = "…"`): redacted when the value is a credential that the value
    alone does not show; None for any other record."""
    name, value = getattr(record, "name", None), getattr(record, "value", None)
    if not isinstance(value, str) or not value or REDACTED in value:
        return None
    if isinstance(name, tuple):
        name = ".".join(n for n in name if isinstance(n, str))
    if not isinstance(name, str) or not name:
        return None
    return f'{name} = "{value}"'


def _collect(v, strings: list[str], named: list) -> None:
    if isinstance(v, str):
        strings.append(v)
    elif isinstance(v, (list, tuple)):
        for x in v:
            _collect(x, strings, named)
    elif isinstance(v, dict):
        for x in v.values():
            _collect(x, strings, named)
    elif dataclasses.is_dataclass(v) and not isinstance(v, type):
        for f in dataclasses.fields(v):
            _collect(getattr(v, f.name), strings, named)
        text = _named_text(v)
        if text is not None:
            named.append((v, text))


def _clean(v, changed: dict[str, str], flagged: set[int]):
    if isinstance(v, str):
        return changed.get(v, v)
    if isinstance(v, (list, tuple)):
        items = [_clean(x, changed, flagged) for x in v]
        if all(a is b for a, b in zip(items, v)):
            return v
        return type(v)(items) if not hasattr(v, "_fields") else type(v)(*items)
    if isinstance(v, dict):
        items = {k: _clean(x, changed, flagged) for k, x in v.items()}
        return v if all(items[k] is v[k] for k in v) else items
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        changes = {}
        for f in dataclasses.fields(v):
            old = getattr(v, f.name)
            new = _clean(old, changed, flagged)
            if new is not old:
                changes[f.name] = new
        if id(v) in flagged:
            changes["value"] = REDACTED
        if not changes:
            return v
        out = copy.copy(v)
        for k, x in changes.items():
            object.__setattr__(out, k, x)  # frozen records too; every field, init or not
        return out
    return v
