"""Secrets in shipped entries, found with detect-secrets on the original text; values never leave
this module (what is stored or shown is redacted by `auditor.redact`).

detect-secrets judges one line at a time (plugins, then its heuristic filters). Calling every plugin on
every line of a 16 MB bundle takes minutes, so the scan runs in two passes with the same plugins:

1. each plugin runs over chunks of up to 256 KiB of whole lines, which costs a few calls per chunk
   instead of one per line; every line a candidate value sits on is kept (a plugin that reports only
   its first match is run again on the rest of the chunk);
2. only those candidate lines go through detect-secrets' own per-line pipeline (plugins + filters,
   `# pragma: allowlist secret` honoured), which decides what is reported.

What callers get is a `Secret` with the detector's name and the line; `value` is kept only to
decide what it is (placeholder, format, context) and is never stored or printed.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import itertools
import math
import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from auditor.queries import _re2, re2_bytes, re2_spans, trie_expression

CHUNK_CHARS = 256 * 1024
FIRST_MATCH_CHUNK_CHARS = 0
"""Block size for plugins that report only their first match (`FIRST_MATCH_ONLY`): 0, i.e. each
candidate segment alone, as detect-secrets runs them on each line. Over a block of segments such a
plugin has to be run again after each hit on the rest of the block: gemini-cli's 0.46 MB of
keyword candidates were read 10 times over (1.47 s); one segment at a time, 0.34 s."""
LOCK_FILES = frozenset({"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "npm-shrinkwrap.json", "poetry.lock", "Pipfile.lock", "uv.lock", "Cargo.lock", "composer.lock", "Gemfile.lock"})
MIN_HEX_SECRET = 20
"""Hex strings shorter than this (Alembic revision ids, short hashes) are not reported: hex credentials
(API keys, HMAC secrets) are 32 characters and more."""
FIRST_MATCH_ONLY = frozenset({"KeywordDetector"})
"""Plugins whose patterns report only the first match in a string (`re.search`): run again past each hit."""
SKIPPED_PLUGINS = frozenset({"IPPublicDetector"})
"""Public IP addresses in code are not secrets (and every bundle has some)."""
NOISY_IN_BUNDLES = frozenset({"Base64HighEntropyString", "HexHighEntropyString"})
"""Minified bundles and source maps embed hashes, integrity strings and base64 assets by the
thousand; entropy alone finds nothing there but noise, so bundles use the pattern detectors only."""


@dataclass(frozen=True, slots=True)
class Secret:
    """One secret found in a file."""

    type: str
    """detect-secrets' name for it, e.g. `AWS Access Key`, `Secret Keyword`."""
    line: int
    """1-based line."""
    value: str = field(repr=False, compare=False)
    """The secret itself: only to judge it here, never stored or shown."""


SEGMENT_CHARS = 4096
"""Lines longer than this (minified bundles) are cut into segments that detect-secrets sees as lines."""
CUT_AT = (";", ",", "}", ")")


class Segments(Sequence[str]):
    """The lines of a text, lines longer than SEGMENT_CHARS (minified bundles) cut into segments that
    end at a `;`, `,`, `}` or `)` where one is near (never inside a run of token characters):
    what detect-secrets sees as lines. Segment `k` is only sliced out of the text when asked for, so
    a 16 MB bundle costs a few list operations, not a Python loop over its lines."""

    def __init__(self, text: str):
        self.text = text
        lengths = list(map(len, text.split("\n")))
        self.line_starts = [0, *itertools.accumulate(map((1).__add__, lengths[:-1]))]
        """Offset of each line in `text`."""
        long_lines = [i for i, n in enumerate(lengths) if n > SEGMENT_CHARS]
        if not long_lines:
            self.starts = self.line_starts
        else:
            starts: list[int] = []
            prev = 0
            for i in long_lines:
                starts.extend(self.line_starts[prev:i])
                starts.extend(self._cuts(self.line_starts[i], lengths[i]))
                prev = i + 1
            starts.extend(self.line_starts[prev:])
            self.starts = starts
        """Offset of each segment in `text`."""

    def _cuts(self, at: int, n: int) -> list[int]:
        text = self.text
        out = []
        start = 0
        while start < n:
            out.append(at + start)
            end = min(start + SEGMENT_CHARS, n)
            if end < n:
                cut = max(text.rfind(c, at + end - 512, at + end) for c in CUT_AT) - at
                if cut > start:
                    end = cut + 1
            start = end
        return out

    def __len__(self) -> int:
        return len(self.starts)

    def _end(self, k: int) -> int:
        if k + 1 < len(self.starts):
            nxt = self.starts[k + 1]
            return nxt - 1 if self.text[nxt - 1] == "\n" else nxt
        return len(self.text)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self.starts)))]
        if k < 0:
            k += len(self.starts)
        if not 0 <= k < len(self.starts):
            raise IndexError(k)
        return self.text[self.starts[k]:self._end(k)]

    def line(self, k: int) -> int:
        """1-based line of segment `k`."""
        return bisect.bisect_right(self.line_starts, self.starts[k])

    def at(self, offset: int) -> int:
        """The segment holding `text[offset]`."""
        return bisect.bisect_right(self.starts, offset) - 1


def segments(text: str) -> tuple[list[str], list[int]]:
    """Every segment of `text` (see `Segments`) and the 1-based line of each."""
    segs = Segments(text)
    return list(segs), [segs.line(k) for k in range(len(segs))]


@dataclass(frozen=True, slots=True)
class _Prefilter:
    """Literal strings one of which a plugin's pattern needs (searched in the lower-cased text when
    `fold`)."""

    literals: tuple[str, ...]
    fold: bool = True


def _prefilters() -> dict[str, tuple[_Prefilter, ...]]:
    """Necessary conditions for the plugins' patterns: a segment without a hit cannot hold a finding
    of that plugin, so the plugin only runs on segments that have one. Every literal of every plugin
    is searched in one pass over the text (and one over its lower-cased copy), which is two orders of
    magnitude faster than the plugins' own (often case-insensitive, look-behind) patterns. Each
    condition is read off the plugin's patterns in detect-secrets 1.5 (`plugin.denylist`); plugins
    whose patterns need more than a literal are in `NECESSARY_PATTERNS`."""
    from detect_secrets.plugins.keyword import DENYLIST

    words = set()
    for w in DENYLIST:
        words.update({w.replace("_?", ""), w.replace("_?", "_")} if "_?" in w else {w})

    def one(*literals: str, fold: bool = False) -> _Prefilter:
        return _Prefilter(tuple(literals), fold)

    return {
        "KeywordDetector": (one(*sorted(words), fold=True),),
        "CloudantDetector": (one("cloudant.com", fold=True),),  # and CLOUD_ASSIGNMENT
        "SoftlayerDetector": (one("softlayer", fold=True),),  # and CLOUD_ASSIGNMENT
        "IbmCosHmacDetector": (one("secret", fold=True),),
        "SlackDetector": (one("xox", "hooks.slack.com", fold=True),),
        "StripeDetector": (one("k_live_"),),
        "MailchimpDetector": (one("-us"),),
        "PrivateKeyDetector": (one("PRIVATE KEY", "PuTTY-User-Key-File"),),
        "AWSKeyDetector": (one("A3T", "ABIA", "ACCA", "AKIA", "ASIA"), one("aws", fold=True)),
        "AzureStorageKeyDetector": (one("AccountKey="),),
        "BasicAuthDetector": (one("://"),),
        "GitHubTokenDetector": (one("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),),
        "GitLabTokenDetector": (one("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "GR1348941", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-"),),
        "JwtTokenDetector": (one("eyJ"),),
        "NpmDetector": (one(":_authToken="),),
        "OpenAIDetector": (one("T3BlbkFJ"),),
        "PypiTokenDetector": (one("pypi-AgE"),),
        "SendGridDetector": (one("SG."),),
        "SquareOAuthDetector": (one("sq0csp-"),),
    }


CLOUD_ASSIGNMENT = re.compile(
    r"(?:key|pwd|pw|password|pass|token)(?:\"|'|)(?:\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|'|)[a-z0-9_\-]{24}", re.IGNORECASE)
"""The tail of every assignment pattern of the Cloudant, IBM Cloud IAM and SoftLayer plugins
(`RegexBasedDetector.build_assignment_regex`: keyword, optional quote and bracket, assignment,
optional quote, then the secret, whose first 24 characters are all in this class), without the
prefix: a keyword inside a longer word (`ibm_cloud_iam_api_key`, `cloudant_pwd`) still counts."""

IGNORECASE_TWINS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}
"""The non-ASCII characters Python's `re.IGNORECASE` takes for an ASCII letter (`İ` and `ı` for
`i`, the Kelvin sign for `k`, the long `ſ` for `s`); a test checks this against `re` itself."""


def _re2_ignorecase(text: str) -> bytes:
    """RE2 (bytes, Latin-1 mode) for the literal `text` matched as `re.IGNORECASE` matches it in
    a `str`, over the text's UTF-8 bytes."""
    out = []
    for ch in text:
        forms = sorted({ch.lower(), ch.upper(), *IGNORECASE_TWINS.get(ch.lower(), "")})
        alts = [_re2.escape(f.encode("utf-8")) for f in forms]
        out.append(alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")")
    return b"".join(out)


def _cloud_assignment_re2():
    """`CLOUD_ASSIGNMENT` as an RE2 expression over UTF-8 bytes, twins included (see
    `IGNORECASE_TWINS`): Python's `re` takes 3.5 s over gemini-cli's 95 MB of text for it, since
    ignoring case turns off its fast scan for the first literal; RE2 0.1 s. None without RE2."""
    if _re2 is None:
        return None
    keyword = b"(?:" + b"|".join(_re2_ignorecase(w) for w in ("password", "pass", "pwd", "pw", "key", "token")) + b")"
    letter = b"(?:[a-zA-Z0-9_\\-]|" + b"|".join(_re2.escape(c.encode("utf-8")) for cs in IGNORECASE_TWINS.values() for c in cs) + b")"
    return re2_bytes(keyword + b"(?:\"|'|)(?:\\]|)(?: *)(?:=|:|:=|=>| +|::)(?: *)(?:\"|'|)" + letter + b"{24}")


TWILIO = re.compile(r"(?:AC|SK)[a-z0-9]{32}")
"""The Twilio plugin's two patterns in one (ASCII only: the same in RE2, see `_ascii_re2`)."""


def _ascii_re2(rx: re.Pattern):
    """An expression that only matches ASCII (no case folding, no `\\d`/`\\w`) as RE2 over UTF-8
    bytes; None without RE2."""
    if _re2 is None:
        return None
    return re2_bytes(rx.pattern.encode("ascii"))


NECESSARY_PATTERNS = {
    "TelegramBotTokenDetector": re.compile(r":[0-9A-Za-z_-]{35}"),
    "DiscordBotTokenDetector": re.compile(r"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}"),
    "CloudantDetector": CLOUD_ASSIGNMENT,
    "IbmCloudIamDetector": CLOUD_ASSIGNMENT,
    "SoftlayerDetector": CLOUD_ASSIGNMENT,
    "TwilioKeyDetector": TWILIO,
    "ArtifactoryDetector": re.compile(r"AKC|AP[\dABCDEF]"),
}
"""Plugins whose patterns need more than a literal: a cheaper pattern every finding of theirs
contains, searched on its own (each starts with a literal character or a few, which Python's `re`
finds with a fast scan)."""


def _entropy_pattern(plugin) -> re.Pattern | None:
    """For a high-entropy plugin (quoted strings over `charset` whose Shannon entropy exceeds
    `entropy_limit`): quoted strings long enough to exceed it. A string of n characters has an
    entropy of at most log2(n), so it needs more than 2**limit characters."""
    charset, limit = getattr(plugin, "charset", None), getattr(plugin, "entropy_limit", None)
    if not isinstance(charset, str) or not isinstance(limit, (int, float)):
        return None
    shortest = math.floor(2 ** limit) + 1
    return re.compile(r"(['\"])[%s]{%d,}\1" % (re.escape(charset), shortest))


def _entropy_re2(plugin):
    """`_entropy_pattern(plugin)` as an RE2 expression over UTF-8 bytes (no back-reference there:
    one alternative per quote, which matches the same strings since a quote is not in the
    charset), or None without google-re2 or for a charset that is not ASCII."""
    charset, limit = getattr(plugin, "charset", None), getattr(plugin, "entropy_limit", None)
    if _re2 is None or not isinstance(charset, str) or not isinstance(limit, (int, float)) or not charset.isascii() or set("'\"") & set(charset):
        return None
    shortest = math.floor(2 ** limit) + 1
    chars = b"".join(re.escape(c).encode() if not c.isalnum() else c.encode() for c in sorted(set(charset)))
    body = b"[" + chars + b"]{%d,}" % shortest
    return re2_bytes(b"'" + body + b"'|\"" + body + b"\"")


class _Conditions:
    """Every plugin's necessary condition, searched in as few passes as possible: the literals of all
    plugins in one expression per case mode (`meaning` maps a hit back to its plugins, with the
    expression that must match there, if any), and the plugins' own cheaper patterns one by one."""

    def __init__(self, prefilters: dict[str, tuple[_Prefilter, ...]], plugins: list):
        self.meaning: dict[tuple[bool, str], list[str]] = {}
        """(case-folded?, literal) → the plugins that need it."""
        for name, pres in prefilters.items():
            for pre in pres:
                for lit in pre.literals:
                    self.meaning.setdefault((pre.fold, lit), []).append(name)
        patterns: dict[str, tuple[re.Pattern, object | None, set[str]]] = {}
        for name, rx in NECESSARY_PATTERNS.items():
            fast = _cloud_assignment_re2() if rx is CLOUD_ASSIGNMENT else _ascii_re2(rx) if rx is TWILIO else None
            patterns.setdefault(rx.pattern, (rx, fast, set()))[2].add(name)
        for plugin in plugins:
            rx = _entropy_pattern(plugin)
            if rx is not None:
                patterns.setdefault(rx.pattern, (rx, _entropy_re2(plugin), set()))[2].add(type(plugin).__name__)
        self.patterns = [(rx, fast, frozenset(names)) for _, (rx, fast, names) in sorted(patterns.items())]
        """(pattern, the same as an RE2 expression over UTF-8 bytes or None, plugins): searched in
        the text as it is. (The other `NECESSARY_PATTERNS` stay in Python's `re`: they start with
        a literal, which it finds fast, and `\\d` takes any Unicode digit there.)"""
        self.rx: dict[bool, re.Pattern | None] = {}
        """Per case mode, every literal as one trie expression (over the lower-cased text when folded)."""
        self.re2: dict[bool, object | None] = {}
        """The same searches as RE2 expressions over the UTF-8 bytes (see `literal_hits`)."""
        for fold in (False, True):
            lits = sorted({lit for f, lit in self.meaning if f == fold})
            self.rx[fold] = re.compile(trie_expression(lits)) if lits else None
            self.re2[fold] = _re2_literals(lits, fold) if lits else None
        self.covered = frozenset(n for means in self.meaning.values() for n in means) | frozenset(n for _, _, names in self.patterns for n in names)
        """Plugins with a condition (the others run over all the text)."""


LOWER_TO_ASCII = {"\u212a": "k"}
"""Non-ASCII characters whose lower case is an ASCII letter (the Kelvin sign; a test checks this
against the running Python's Unicode database)."""
def _re2_literals(literals: list[str], fold: bool):
    """An RE2 expression over UTF-8 bytes (Latin-1 mode: a byte is a character) matching any of
    `literals`, longest first at each position, as `trie_expression` does in Python's `re`; when
    `fold`, each letter also matches its upper case (and the Kelvin sign `k`), which is what
    lower-casing the text first does. None without google-re2."""
    if _re2 is None:
        return None

    def variants(ch: str) -> bytes:
        forms = sorted({ch, ch.upper(), *(c for c, low in LOWER_TO_ASCII.items() if low == ch)} if fold else {ch})
        forms = [f for f in forms if len(f) == 1 and (f == ch or f.lower() == ch)]
        escaped = [_re2.escape(f.encode("utf-8")) for f in forms]
        return escaped[0] if len(escaped) == 1 else b"(?:" + b"|".join(escaped) + b")"

    return re2_bytes(b"|".join(b"".join(variants(ch) for ch in lit) for lit in sorted(literals, key=len, reverse=True)))


class TextBytes:
    """A text's UTF-8 bytes for RE2 searches (google-re2 matches bytes; given a `str` it re-encodes
    it and maps offsets on every call), and the matches' character offsets."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8", "surrogatepass")
        self.ascii = len(self.data) == len(text)

    def matches(self, compiled, overlapped: bool = False) -> Iterator[tuple[int, int, int]]:
        """(character offset, byte start, byte end) of each match of an RE2 expression (see
        `re2_spans`). Character offsets come from decoding the bytes between one match and the
        next: one pass over the text whatever the number of matches."""
        data = self.data
        if self.ascii:
            for start, end in re2_spans(compiled, data, overlapped):
                yield start, start, end
            return
        byte = char = 0
        for start, end in re2_spans(compiled, data, overlapped):
            char += len(data[byte:start].decode("utf-8", "surrogatepass"))
            byte = start
            yield char, start, end


def literal_hits(cond: _Conditions, text: str, fold: bool, tb: TextBytes | None = None) -> Iterator[tuple[int, str]]:
    """(character offset, literal) of the `fold` mode's literals in `text`: at every offset where
    one starts (the longest one there), overlapping ones included, so a literal inside another
    (`-us` in `glpat-us…`) is not lost; a folded hit is reported as its lower-case literal. `tb`:
    the text's `TextBytes`, if the caller has it.

    RE2 over the UTF-8 bytes when google-re2 is installed, with no lower-cased copy of the text;
    else Python's `re` with the trie expression, over the lower-cased text when folded. Where the
    two differ (RE2 also takes the Kelvin sign for `k` where `_ascii_lower` does not lower it), RE2
    finds more, which only adds candidates."""
    fast = cond.re2[fold]
    if fast is not None:
        tb = tb or TextBytes(text)
        data = tb.data
        for at, start, end in tb.matches(fast, overlapped=True):
            word = data[start:end].decode("utf-8", "surrogatepass")
            yield at, (word.lower() if fold else word)
        return
    rx = cond.rx[fold]
    if rx is None:
        return
    hay = _ascii_lower(text) if fold else text
    search = rx.search
    m = search(hay)
    while m is not None:
        at = m.start()
        yield at, m.group()
        m = search(hay, at + 1)




@functools.cache
def detect_secrets_version() -> str:
    """The installed detect-secrets version (part of cache keys: its plugins decide what is found)."""
    try:
        from importlib.metadata import version

        return version("detect-secrets")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "unknown"


BUILTIN_PLUGINS = (
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector", "CloudantDetector",
    "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector", "Base64HighEntropyString",
    "HexHighEntropyString", "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "KeywordDetector",
    "MailchimpDetector", "NpmDetector", "OpenAIDetector", "PrivateKeyDetector", "PypiTokenDetector",
    "SendGridDetector", "SlackDetector", "SoftlayerDetector", "SquareOAuthDetector", "StripeDetector",
    "TelegramBotTokenDetector", "TwilioKeyDetector",
)
"""detect-secrets' built-in plugins this auditor runs (1.5's list without `IPPublicDetector`); a name
the installed version does not know is left out."""
DEFAULT_FILTERS = (
    "detect_secrets.filters.allowlist.is_line_allowlisted",
    "detect_secrets.filters.heuristic.is_sequential_string",
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_not_alphanumeric_string",
    "detect_secrets.filters.heuristic.is_swagger_file",
)
"""detect-secrets' default filters, named so the verdict does not depend on global settings someone
else changed; its `is_indirect_reference` is left out: it drops every line with `= f(` on it, the
very shape of a secret passed as a flag default (`variation('k', 'ghp_…')`). No verification filter:
nothing is ever sent over the network."""


NEXTLINE_PRAGMA = re.compile(r"pragma: ?allowlist[ -]nextline[ -]secret")
"""detect-secrets' comment allowing the next line (`scan_line` sees one line, so it is checked here)."""


def _settings(plugins: Sequence[str]) -> dict:
    """A `detect_secrets.settings.transient_settings` configuration running `plugins`."""
    return {"plugins_used": [{"name": n} for n in plugins], "filters_used": [{"path": f} for f in DEFAULT_FILTERS]}


@functools.cache
def _plugin_classes() -> tuple[type, ...]:
    """The classes of `BUILTIN_PLUGINS` the installed detect-secrets has, through its public
    settings API (`transient_settings`, `get_plugins`)."""
    from detect_secrets.settings import get_plugins, transient_settings

    out = []
    for name in BUILTIN_PLUGINS:
        try:
            with transient_settings(_settings([name])) as settings:
                settings.disable_plugins(*[n for n in list(settings.plugins) if n != name])
                out.extend(type(p) for p in get_plugins())
        except (TypeError, KeyError, ImportError):
            continue
    return tuple(out)


class SecretScanner:
    """detect-secrets (public API: `transient_settings`, `scan_line`) with its default filters and
    every built-in plugin but the IP detector, plus the credential formats it lacks
    (`EXTRA_FORMATS`); hits that are not secrets (`not_a_secret`) are dropped."""

    def __init__(self):
        self.plugins = []
        for cls in _plugin_classes():
            try:
                self.plugins.append(cls())
            except TypeError:  # a plugin that needs configuration
                continue
        self.pattern_plugins = [p for p in self.plugins if type(p).__name__ not in NOISY_IN_BUNDLES]
        try:
            self.prefilters = _prefilters()
        except ImportError:  # pragma: no cover - a detect-secrets without the keyword list
            self.prefilters = {}
        self.conditions = _Conditions(self.prefilters, self.plugins)

    def scan(self, path: str, text: str, bundle: bool = False, memoize: bool = True, memo=None) -> list[Secret]:
        """Secrets in `text` (the content of `path`; its extension picks the keyword rules).

        Memoized in `memo` (the running scan's `auditor.cache.memo("secrets", detect_secrets_version())`,
        passed by the caller: this module imports no cache) by path, bundle flag and text, when
        given and `memoize` is True (False: a caller that caches its own results, as extraction does).
        The memo holds no secret: each secret is stored as its other fields plus the offset and
        length of its value in `text`, and rebuilt from the same text on a hit."""
        memo = memo if memoize else None
        key = memo.key(path, str(bundle), text) if memo is not None else ""
        if memo is not None:
            hit = memo.get(key)
            if isinstance(hit, list):
                return [Secret(**fields, value=text[at:at + n]) for fields, at, n in hit]
        found = self._scan(path, text, bundle)
        if memo is not None:
            spots = []
            for sec in found:
                at = text.find(sec.value)
                if at < 0 or not sec.value:
                    return found  # cannot be rebuilt from the text: do not memoize
                fields = {f.name: getattr(sec, f.name) for f in dataclasses.fields(sec) if f.name != "value"}
                spots.append((fields, at, len(sec.value)))
            memo.put(key, spots)
        return found

    def _scan(self, path: str, text: str, bundle: bool) -> list[Secret]:
        if posixpath.basename(path) in LOCK_FILES or not text:
            return []
        plugins = self.pattern_plugins if bundle else self.plugins
        segs = Segments(text)
        candidates = self._candidates(path, segs, plugins)
        found = self._confirm(path, segs, candidates, plugins, bundle) if candidates else []
        found += extra_formats(path, segs, {s.value for s in found if s.type in VERIFIED_FORMATS})
        return sorted(_named_once(found), key=lambda s: (s.line, s.type))

    # -- pass 1: candidate segments -----------------------------------------------------------
    def _candidates(self, path: str, segs: Segments, plugins: list) -> dict[int, set[str]]:
        """Segments a plugin reports a value in, with the names of the plugins that do."""
        found: dict[int, set[str]] = {}
        text = segs.text
        starts = segs.starts
        cond = self.conditions
        by_plugin: dict[str, set[int]] = {type(p).__name__: set() for p in plugins if type(p).__name__ in cond.covered}
        meaning = cond.meaning
        tb = TextBytes(text) if _re2 is not None else None
        for fold in (False, True):
            for at, literal in literal_hits(cond, text, fold, tb):
                seg = bisect.bisect_right(starts, at) - 1
                for name in meaning[(fold, literal)]:
                    hits = by_plugin.get(name)
                    if hits is not None:
                        hits.add(seg)
        for rx, fast, names in cond.patterns:
            mine = [by_plugin[n] for n in names if n in by_plugin]
            if mine:
                if fast is not None and tb is not None:
                    segs_hit = {bisect.bisect_right(starts, at) - 1 for at, _, _ in tb.matches(fast)}
                else:
                    segs_hit = {bisect.bisect_right(starts, m.start()) - 1 for m in rx.finditer(text)}
                for hits in mine:
                    hits.update(segs_hit)
        for plugin in plugins:
            name = type(plugin).__name__
            if name in by_plugin:
                ids = sorted(by_plugin[name])
                limit = FIRST_MATCH_CHUNK_CHARS if name in FIRST_MATCH_ONLY else None
            else:  # no condition known: the plugin itself over chunks of all the segments
                ids, limit = list(range(len(segs))), CHUNK_CHARS
            for chunk in _chunks(segs, ids, limit):
                for k in self._hits(plugin, path, "\n".join(segs[k] for k in chunk), chunk, _starts(segs, chunk), segs):
                    found.setdefault(k, set()).add(name)
        return found

    def _hits(self, plugin, path: str, block: str, ids: list[int], starts: list[int], segs: list[str]) -> set[int]:
        """Segments (of `ids`, joined as `block`; `starts` their offsets) holding a value `plugin`
        reports. A plugin may report only its first match per pattern, so it is run again on the
        text after each hit's segment."""
        out: set[int] = set()
        offset = 0
        rest = block
        rounds = 10_000 if type(plugin).__name__ in FIRST_MATCH_ONLY else 1
        for _ in range(rounds):
            values = self._analyze(plugin, path, rest)
            if not values:
                break
            first_end = None
            for value in values:
                for m in _occurrences(rest, value):
                    a = bisect.bisect_right(starts, offset + m) - 1
                    b = bisect.bisect_right(starts, offset + m + max(len(value) - 1, 0)) - 1
                    out.update(ids[a:b + 1])
                    end = starts[b] + len(segs[ids[b]]) - offset
                    first_end = end if first_end is None else min(first_end, end)
            if first_end is None or first_end + 1 >= len(rest):
                break
            offset += first_end + 1
            rest = rest[first_end + 1:]
        return out

    @staticmethod
    def _analyze(plugin, path: str, text: str) -> set[str]:
        try:
            return {s.secret_value for s in plugin.analyze_line(filename=path, line=text, line_number=0, context=None) if s.secret_value}
        except Exception:  # noqa: BLE001 - a plugin failing on odd input must not stop the scan
            return set()

    # -- pass 2: detect-secrets' own per-line verdict ------------------------------------------
    def _confirm(self, path: str, segs: Segments, candidates: dict[int, set[str]], plugins: list, bundle: bool) -> list[Secret]:
        """detect-secrets' verdict (`scan_line`, its filters included) on each candidate segment,
        asking only the plugins that reported a value there in pass 1 (candidates are grouped by
        those plugins: one `transient_settings` per group), then `not_a_secret`."""
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import transient_settings

        allowed = {type(p).__name__ for p in plugins}
        groups: dict[frozenset[str], list[int]] = {}
        for k in sorted(candidates):
            asked = frozenset(candidates[k] & allowed)
            if asked:
                groups.setdefault(asked, []).append(k)
        out: list[Secret] = []
        seen: set[tuple[str, int, str]] = set()
        for asked, ks in groups.items():
            with transient_settings(_settings(sorted(asked))) as settings:
                # transient_settings adds to the plugins configured before: keep only these
                settings.disable_plugins(*[n for n in list(settings.plugins) if n not in asked])
                for k in ks:
                    line = segs[k].rstrip()
                    line_no = segs.line(k)
                    if k > 0 and "pragma" in segs[k - 1] and NEXTLINE_PRAGMA.search(segs[k - 1]):
                        continue
                    try:
                        hits = list(scan_line(line))
                    except Exception:  # noqa: BLE001 - see _analyze
                        continue
                    for secret in hits:
                        value = secret.secret_value or ""
                        if value and (len(value) < 8 and secret.type in VERIFIED_FORMATS or secret.type == "JSON Web Token"):
                            value = whole_token(line, value)  # a prefix, or a JWT without its (lazily matched) signature
                        if not value or not_a_secret(secret.type, value, line, path):
                            continue
                        if secret.type == "Hex High Entropy String" and len(value) < MIN_HEX_SECRET:
                            continue  # migration ids, short commit hashes: identifiers, not credentials
                        if secret.type == "Private Key" and "BEGIN" in line and \
                                not PEM_BODY.search(line + "\n" + (segs[k + 1] if k + 1 < len(segs) else "")):
                            continue  # a header with no key material after it: a pattern, a test's `MIIE...`
                        if bundle and not plausible_in_bundle(secret.type, value, line):
                            continue
                        key = (secret.type, line_no, value)
                        if key not in seen:
                            seen.add(key)
                            out.append(Secret(secret.type, line_no, value))
        out.sort(key=lambda s: (s.line, s.type))
        return out


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _ascii_lower(text: str) -> str:
    """`text` lower-cased with the same length (offsets stay valid): `str.lower` (fast) unless it
    changes the length (`İ` becomes two characters), else ASCII letters only. Other letters that
    `lower` maps to ASCII (the Kelvin sign) only add candidates, which the plugins then reject."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


PEM_BODY = re.compile(r"-----BEGIN[A-Z ]*PRIVATE KEY[A-Z ]*-----(?:\\[rn]|\s)*[A-Za-z0-9+/]{60}")


_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
BLOB_MARGIN = 8
"""Base64 characters a blob holds on each side of a hit inside it (`_inside_blob`)..."""
BLOB_EXTRA = 48
"""...and beyond the hit in all."""


def _every_occurrence(line: str, value: str, holds) -> bool:
    """Whether `value` occurs in `line` and `holds(offset)` is true at each occurrence
    (`_occurrences`: the first 1,000, not overlapping)."""
    found = False
    for at in _occurrences(line, value):
        if not holds(at):
            return False
        found = True
    return found


def _inside_blob(line: str, value: str, margin: int = BLOB_MARGIN, extra: int = BLOB_EXTRA) -> bool:
    """Whether every occurrence of `value` in `line` lies inside a longer run of base64 characters
    (padding `=` after it counts), with at least `margin` of them on each side and `extra` in all:
    a fragment of encoded bytes (an inlined font, image, wasm or buffer; a line of a long one is cut
    into segments, so its `data:` prefix may be out of sight), never a whole token."""
    limit = margin + extra

    def inside(at: int) -> bool:
        left = at
        while left > 0 and at - left < limit and line[left - 1] in _BASE64_CHARS:
            left -= 1
        end = right = at + len(value)
        while right < len(line) and right - end < limit and (line[right] in _BASE64_CHARS or line[right] == "="):
            right += 1
        return at - left >= margin and right - end >= margin and (at - left) + (right - end) >= extra

    return _every_occurrence(line, value, inside)


def plausible_in_bundle(kind: str, value: str, line: str) -> bool:
    """Bundles are full of constants named like secrets (`API_KEY_HEADER = "x-api-key"`) and of
    private-key *patterns*: in a bundle, a keyword hit must look like a credential (12+ characters,
    no spaces, letters and digits) and a private-key header must be followed by key material."""
    if kind == "Secret Keyword":
        return len(value) >= 12 and not any(c.isspace() for c in value) and any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    if kind == "Private Key":
        return bool(PEM_BODY.search(line))
    return not _inside_blob(line, value, margin=1, extra=2)  # a token pattern in embedded wasm or fonts


VERIFIED_FORMATS = frozenset({
    "AWS Access Key", "GitHub Token", "GitLab Token", "Slack Token", "Stripe Access Key", "NPM tokens",
    "Private Key", "SendGrid API Key", "Twilio API Key", "OpenAI Token", "PyPI Token", "Square OAuth Secret",
    "Azure Storage Account access key", "Discord Bot Token", "Telegram Bot Token", "Mailchimp Access Key",
    "JSON Web Token", "Basic Auth Credentials",
    "GitHub Fine-grained Token", "npm Access Token", "Anthropic API Key", "Google API Key", "Google OAuth Client Secret",
})
"""Detectors that recognise a credential by its format (a prefix, a structure, a key block): their
hits are errors. Every other hit (a secret-named key's value, a high-entropy string, the loose
Artifactory / IBM / Cloudant / SoftLayer assignment patterns) is a warning."""


def evidence_of(kind: str) -> str:
    """`SecretHit.evidence` of detector `kind`: `format` for a `VERIFIED_FORMATS` detector (a
    credential recognised by its shape), else `context` (a secret-named key, or entropy alone)."""
    return "format" if kind in VERIFIED_FORMATS else "context"


def severity_of(kind: str) -> str:
    """ART006's severity for a hit of detector `kind`: `error` for a credential format (`evidence_of`
    is `format`), else `warning` (the rule reads the stored `secret_hits.evidence`)."""
    return "error" if evidence_of(kind) == "format" else "warning"


EXTRA_FORMATS = {
    "GitHub Fine-grained Token": r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
    "npm Access Token": r"npm_[A-Za-z0-9]{36}",
    "Anthropic API Key": r"sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_\-]{80,}",
    "Google API Key": r"AIza[0-9A-Za-z_\-]{35}",
    "Google OAuth Client Secret": r"GOCSPX-[A-Za-z0-9_\-]{28}",
}
"""Credential formats detect-secrets 1.5 does not know (its npm plugin reads only `.npmrc`'s
`_authToken=`), searched with RE2 over the whole text, each a whole token."""


@functools.cache
def _extra_formats() -> list[tuple[str, str, re.Pattern]]:
    """(type, literal prefix, whole-token expression) of each `EXTRA_FORMATS` entry."""
    out = []
    for kind, rx in EXTRA_FORMATS.items():
        prefix = re.match(r"[A-Za-z_\-]+", rx).group()
        out.append((kind, prefix, re.compile(rx + r"(?![A-Za-z0-9_])")))
    return out


def extra_formats(path: str, segs: Segments, known: set[str]) -> list[Secret]:
    """Secrets of `EXTRA_FORMATS` in the text of `segs` (values in `known` already reported): each
    format's literal prefix found with `str.find` (a fast scan: 13 MB in a few ms), the expression
    tried only there, as a whole token."""
    text = segs.text
    out = []
    for kind, prefix, rx in _extra_formats():
        at = text.find(prefix)
        while at >= 0:
            m = rx.match(text, at)
            if m is not None and (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")):
                value = m.group()
                seg = segs.at(at)
                if value not in known and not not_a_secret(kind, value, segs[seg], path):
                    out.append(Secret(kind, segs.line(seg), value))
            at = text.find(prefix, at + 1)
    return out


def _named_once(found: list[Secret]) -> list[Secret]:
    """`found` without the keyword and entropy hits on a value a credential format names on the same
    line: the format says what they only suspected (one finding, at the format's severity)."""
    named: dict[int, list[str]] = {}
    for s in found:
        if s.type in VERIFIED_FORMATS and len(s.value) >= 8:
            named.setdefault(s.line, []).append(s.value)
    if not named:
        return found
    return [s for s in found if s.type in VERIFIED_FORMATS
            or not any(s.value in v or v in s.value for v in named.get(s.line, ()))]


TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-]*")


def whole_token(line: str, value: str) -> str:
    """`value` extended to the end of the token it starts in `line` (detect-secrets' GitHub and
    GitLab plugins report only the `ghp` / `glpat` prefix of a token as its value)."""
    at = line.find(value)
    if at < 0:
        return value
    return value + TOKEN_TAIL.match(line, at + len(value)).group()


PLACEHOLDER = re.compile(
    r"(?i)(?:x{4,}|\*{3,}|\.{3}|<[^>]*>|\$\{|\{\{|%\(|your[_\-]?|example|placeholder|changeme|change[_\-]me|replace[_\-]?me|"
    r"dummy|sample|fake|redacted|insert[_\-]|0{8,}|_here\b|-here\b)")
"""A value holding one of these is a placeholder (`YOUR_API_KEY`, `xxx`, `<token>`, `${VAR}`,
`changeme`, `AKIAIOSFODNN7EXAMPLE`), not a credential."""
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
"""An environment variable's name (`ANTHROPIC_API_KEY`): what a program reads a secret from."""
TEST_VALUE = re.compile(r"(?i)^(?:test|fake|mock|dummy|stub)(?:[-_.]|$)|[-_.](?:test|fake|mock|dummy)(?:[-_.]|$)")
"""A value a test suite makes up (`test-key`, `test-api-key-1`, `sk-ant-test123` is not: no separator)."""
ENV_REFERENCE = re.compile(r"^(?:[\w$]+\.)*env\.[A-Z][A-Z0-9_]*$")
"""A reference to an environment variable (`env.PROXY_KEY`, `process.env.API_KEY`)."""
WORD = re.compile(r"^[a-z_][a-z\-_. ]*$|^[A-Za-z][a-z]+(?:[A-Z][a-z]+)*$")
"""Lower-case words (a phrase, a dotted or snake-case name without digits: `none`, `__secret__`,
`gemini_cli.api_key_updated`) or an identifier in camel case (`apiKey`)."""
_WORD_PART = r"(?:[a-z]+(?:[A-Z][a-z]+)*|[A-Z]+[a-z]*(?:[A-Z][a-z]+)*|\d+)"
SNAKE_WORDS = re.compile(rf"^(?:{_WORD_PART}_){{3,}}{_WORD_PART}$")
"""Four or more words joined by `_`, each written as a word or name is (`lower`, `Capitalized`,
`UPPER`, `ECMAScript`, `jsxFactory`, or digits): a message id such as TypeScript's
`Properties_with_the_accessor_modifier_are_only_available_when_targeting_ECMAScript_2015_and_higher_18045`.
A random base64url value split at `_` almost never gives parts cased like words."""


def _comparison(line: str, value: str) -> bool:
    """`value` quoted right after or before a comparison operator (`apiKeySource !== 'none'`)."""
    at = line.find(value)
    while at >= 0:
        before = line[max(0, at - 8):at].rstrip("'\"` ")
        after = line[at + len(value):at + len(value) + 8].lstrip("'\"` ")
        if before.endswith(("==", "!=", "<>")) or after.startswith(("==", "!=")):
            return True
        at = line.find(value, at + 1)
    return False


_CHECKSUM_NAME = re.compile(r"(?i)(?:checksum|hash|digest|sha\d*|integrity|fingerprint|etag|md5|crc\d*|git_?head|commit|revision)[\w-]*['\"]?\s*(?:=>|[:=])\s*[(\[]?\s*['\"`]?(?:sha\d+-)?$")
"""A value's name says it is a checksum or a commit id (`expectedChecksum: "…"`, `modelHash = '…'`,
`"integrity": "…"`, the `"gitHead"` npm writes into a published package.json)."""
_SECRET_WORD = re.compile(r"(?i)passw|secret|token|api_?key|private|credential|auth")
_SRI = re.compile(r"sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}$")
"""A Subresource Integrity value (W3C SRI, as package-lock.json's `integrity` holds it)."""


def _checksum(line: str, value: str) -> bool:
    """`value` is a digest of public content: an SRI value, or every occurrence is given to a
    name that says checksum, hash, digest, integrity or fingerprint (and not also secret)."""
    if _SRI.match(value):
        return True

    def named_as_checksum(at: int) -> bool:
        before = line[max(0, at - 80):at]
        m = _CHECKSUM_NAME.search(before)
        return m is not None and not _SECRET_WORD.search(before[max(0, m.start() - 40):m.end()])

    return _every_occurrence(line, value, named_as_checksum)


def _alphabet(value: str) -> bool:
    """A run of consecutive characters making up most of `value`: an alphabet (base58, base64,
    hex digits), not a secret."""
    if len(value) < 16:
        return False
    steps = sum(1 for a, b in zip(value, value[1:]) if ord(b) == ord(a) + 1)
    return steps >= 0.6 * (len(value) - 1)


DOC_PAGES = (".md", ".mdx", ".markdown", ".rst", ".adoc")


def is_documentation(path: str) -> bool:
    """A README, changelog (`classify.DOC_NAMES`), a Markdown/reST/AsciiDoc page or a file under
    `docs/`: where credentials are shown as examples."""
    from auditor.sources.classify import DOC_NAMES

    name = posixpath.basename(path)
    return bool(DOC_NAMES.match(name)) or name.lower().endswith(DOC_PAGES) or "/docs/" in "/" + path.lower()


def not_a_secret(kind: str, value: str, line: str, path: str) -> str | None:
    """Why a detector's hit is not a secret, or None when it may be one. For any detector: a
    placeholder, an alphabet, 16 or more characters of at most four kinds, or a fragment of a
    longer base64 run (an inlined font, image or buffer: `_inside_blob`). For the detectors that do
    not check a format (`severity_of` is `warning`), also an environment variable's name or
    reference, a test value (`test-key-1`), a plain word, a message id of words joined by `_`, or a
    phrase (a value with a space in it), a compared value, a checksum (an SRI value, or a value named as a hash: `expectedChecksum`,
    `modelHash`, `integrity`), or anything in documentation."""
    if PLACEHOLDER.search(value):
        return "placeholder"
    if _alphabet(value):
        return "alphabet"
    if len(value) >= 16 and len(set(value)) <= 4:
        return "repeated characters"  # `A3TAAEAAAAAAAAAAAAAA`: zero bytes in base64, not a random key
    if _inside_blob(line, value):
        return "embedded data"
    if kind == "Basic Auth Credentials" and (value.replace("_", "").replace("-", "").isalpha() or len(value) < 4):
        return "placeholder"  # DRIVER://USER:PASSWORD@HOST, usuario:contraseña@host, ftp://anonymous:guest@...
    if kind == "JSON Web Token":
        parts = value.split(".")
        if len(parts) < 3 or len(parts[2]) < 32 or parts[1] in ("", "e30"):
            return "test token"  # no claims (`e30` is `{}`) or no real signature (HS256 signs in 43 characters)
    if kind in VERIFIED_FORMATS:
        return None
    if ENV_NAME.match(value) or ENV_REFERENCE.match(value):
        return "environment variable name"
    if TEST_VALUE.search(value):
        return "test value"
    if WORD.match(value) or len(value) < 6:
        return "word"
    if SNAKE_WORDS.match(value):
        return "identifier"
    if any(c.isspace() for c in value.strip()):
        return "phrase"  # "Database password", "Either password or private_key is required"
    if _comparison(line, value):
        return "comparison"
    if _checksum(line, value):
        return "checksum"
    if is_documentation(path):
        return "documentation"
    return None


def _chunks(segs: Segments, ids: list[int], limit: int | None) -> Iterator[list[int]]:
    """`ids` in runs whose segments, joined by newlines, stay within `limit` characters (a run
    holds at least one segment, so 0 gives each alone); all of them in one run when `limit` is None."""
    if limit is None:
        if ids:
            yield ids
        return
    run: list[int] = []
    size = 0
    for k in ids:
        n = len(segs[k]) + 1
        if run and size + n > limit:
            yield run
            run, size = [], 0
        run.append(k)
        size += n
    if run:
        yield run


def _starts(segs: list[str], ids) -> list[int]:
    """Offsets of the segments `ids` in `"\\n".join(segs[k] for k in ids)`."""
    lengths = [len(segs[k]) + 1 for k in ids]
    return [0, *itertools.accumulate(lengths[:-1])] if lengths else [0]


def _occurrences(text: str, value: str, limit: int = 1000):
    start = 0
    for _ in range(limit):
        k = text.find(value, start)
        if k < 0:
            return
        yield k
        start = k + max(len(value), 1)


HASH_LISTS = (".tsbuildinfo",)
"""Machine-written files that hold content hashes by the thousand: TypeScript's incremental build
state (`*.tsbuildinfo`) stores a hash as the `version` and `signature` of every source file. The
entropy detectors report each one (2,843 hits in gemini-cli-core's `dist/tsconfig.tsbuildinfo`:
one false finding, and 0.47 s of its secret search), so these files get the pattern detectors
only, as bundles do: a real token or key in them is still found."""


def scan_mode(path: str, bundle: bool) -> str:
    """`SourceFile.secrets` for an entry: '' for lock files (nothing to find), `bundle` (pattern
    detectors only) for bundles and `HASH_LISTS` files, else `text`."""
    name = posixpath.basename(path)
    if name in LOCK_FILES:
        return ""
    return "bundle" if bundle or name.lower().endswith(HASH_LISTS) else "text"


def scan_key(path: str, mode: str) -> str:
    """What a secret search's result depends on besides the text: the mode, the file extension
    (detect-secrets picks keyword rules by it) and the detect-secrets version."""
    return f"secrets={mode}{posixpath.splitext(posixpath.basename(path))[1].lower()}@{detect_secrets_version()}"

