"""Source map `mappings`: which sources generated code comes from, decoded in bounded memory.

A v3 map's `mappings` is a Base64 VLQ string: lines separated by `;`, segments by `,`, each segment
1, 4 or 5 signed values, every value but the generated column relative to the previous segment's
(the generated column restarts at 0 on each line). This module decodes it with numpy, a block of
the string at a time (blocks cut at a separator, state carried between them), and keeps only two
numbers per source: how many segments map generated code to it, and how many generated columns
those segments span (`Coverage`). No Python object is made per segment, so a 60 MB `mappings`
costs its bytes plus one block's arrays (`BLOCK` characters × up to ~80 bytes).

A segment's span runs from its generated column to the next segment's on the same line, or to the
end of the line (when the generated file's line lengths are known; otherwise the last segment of a
line spans 0). Columns are counted as the spec counts them (UTF-16 code units), line ends in
bytes: the two agree for ASCII code, the usual case of bundles.

A source with no segment contributes no generated code: it ships only through the map (ART010).
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass

import numpy as np

from auditor.queries import literal_finditer, re2_spans, search_expression

BLOCK = 1024 * 1024
"""Characters of `mappings` decoded at a time (the arrays of one block take up to ~80 bytes a character)."""

_B64 = np.full(256, -1, dtype=np.int16)
for _i, _c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"):
    _B64[_c] = _i
_SEMI = -2
_COMMA = -3
_B64[ord(";")] = _SEMI
_B64[ord(",")] = _COMMA


class MappingsError(ValueError):
    """`mappings` is not valid Base64 VLQ (the message gives the byte offset)."""


@dataclass(slots=True)
class Coverage:
    """Per source (by index in `sources`): generated segments and the generated columns they span."""

    segments: np.ndarray
    """int64, one per source: segments mapping generated code to it."""
    generated: np.ndarray
    """int64, one per source: generated columns (≈ bytes) those segments span."""
    lines: int
    """Generated lines the mappings describe."""
    unmapped: int
    """Segments with no source (1-value segments: generated code from no original)."""
    out_of_range: int
    """Segments whose source index is outside `sources` (a damaged map); not counted per source."""


def line_lengths(data: bytes) -> np.ndarray:
    """Byte length of each line of `data` (without its `\\n`), as int64."""
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    ends = np.append(nl, len(arr))
    starts = np.concatenate(([0], nl + 1))
    return (ends - starts).astype(np.int64)


def decode(mappings: bytes | memoryview, n_sources: int, lengths: np.ndarray | None = None, line_offset: int = 0) -> Coverage:
    """Coverage of `n_sources` sources by `mappings` (the raw bytes between the JSON string's
    quotes). `lengths`: the generated file's line lengths (`line_lengths`), to measure the last
    segment of each line; `line_offset`: the generated line the mappings start at (an index map
    section's `offset.line`). Raises MappingsError for a character outside Base64 and the
    separators, or a value cut off at the end."""
    mv = memoryview(mappings)
    total = len(mv)
    segments = np.zeros(n_sources, dtype=np.int64)
    generated = np.zeros(n_sources, dtype=np.int64)
    st = _State(line_offset)
    pos = 0
    while pos < total:
        end = min(pos + BLOCK, total)
        if end < total:  # cut after the last separator of the block, so no value is split
            lo = max(pos, end - 64)
            tail = bytes(mv[lo:end])
            cut = max(tail.rfind(b";"), tail.rfind(b","))
            if cut < 0:
                chunk = np.frombuffer(mv[pos:end], dtype=np.uint8)
                seps = np.flatnonzero((chunk == 59) | (chunk == 44))
                if len(seps) == 0:
                    raise MappingsError(f"no separator in {end - pos} characters of mappings at byte {pos}")
                end = pos + int(seps[-1]) + 1
            else:
                end = lo + cut + 1
        _block(np.frombuffer(mv[pos:end], dtype=np.uint8), pos, st, segments, generated, lengths, n_sources)
        pos = end
    st.flush(segments, generated, lengths, n_sources)
    return Coverage(segments, generated, st.line - line_offset + 1 if total else 0, st.unmapped, st.out_of_range)


class _State:
    """What carries from one block to the next."""

    __slots__ = ("line", "col", "src", "pending", "unmapped", "out_of_range")

    def __init__(self, line: int):
        self.line = line
        """Generated line of the block's first segment."""
        self.col = 0
        """Generated column of the last segment so far on the current line."""
        self.src = 0
        """Source index of the last segment that had one."""
        self.pending: tuple[int, int] | None = None
        """(column, source or -1) of the current line's last segment so far: its span is not known yet."""
        self.unmapped = 0
        self.out_of_range = 0

    def flush(self, segments, generated, lengths, n_sources: int, next_col: int | None = None) -> None:
        """Close the pending segment: it spans to `next_col` (same line) or to the end of its line."""
        if self.pending is None:
            return
        col, src = self.pending
        self.pending = None
        if 0 <= src < n_sources:
            end = next_col if next_col is not None else _line_end(lengths, self.line, col)
            generated[src] += max(end - col, 0)


def _line_end(lengths: np.ndarray | None, line: int, col: int) -> int:
    if lengths is None or line >= len(lengths):
        return col
    return int(lengths[line])


def _block(chunk: np.ndarray, base: int, st: _State, segments, generated, lengths, n_sources: int) -> None:
    codes = _B64[chunk]
    bad = np.flatnonzero(codes == -1)
    if len(bad):
        i = int(bad[0])
        raise MappingsError(f"invalid character {chr(chunk[i])!r} in mappings at byte {base + i}")
    is_digit = codes >= 0
    digit_pos = np.flatnonzero(is_digit)
    digits = codes[digit_pos].astype(np.int64)
    # values: a digit without the continuation bit (32) ends one
    ends = np.flatnonzero((digits & 32) == 0)
    if len(digits) and (len(ends) == 0 or ends[-1] != len(digits) - 1):
        raise MappingsError(f"a value is cut off at the end of mappings (byte {base + len(chunk)})")
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, dtype=np.int64)
    if len(ends) and int((ends - starts).max()) > 12:
        raise MappingsError(f"a value in mappings near byte {base + int(digit_pos[starts[np.argmax(ends - starts)]])} is over 60 bits")
    value_of_digit = np.zeros(len(digits), dtype=np.int32)
    if len(ends):
        value_of_digit[ends[:-1] + 1] = 1
        np.cumsum(value_of_digit, out=value_of_digit)
    shift = (np.arange(len(digits), dtype=np.int64) - starts[value_of_digit]) * 5 if len(digits) else value_of_digit
    raw = np.add.reduceat((digits & 31) << shift, starts) if len(ends) else np.zeros(0, dtype=np.int64)
    del shift, value_of_digit, digits
    values = np.where(raw & 1, -(raw >> 1), raw >> 1)
    del raw
    # a value starts a segment when a separator (or the block's start) comes right before it; its
    # line (relative to the block's first) is the number of semicolons before it
    first_char = digit_pos[starts] if len(starts) else np.zeros(0, dtype=np.int64)
    semi_before = np.cumsum(codes == _SEMI, dtype=np.int32)
    n_semis = int(semi_before[-1]) if len(semi_before) else 0
    if len(values) == 0:
        if n_semis:
            st.flush(segments, generated, lengths, n_sources)
            st.line += n_semis
            st.col = 0
        return
    starts_segment = np.ones(len(values), dtype=bool)
    inner = first_char > 0
    starts_segment[inner] = codes[first_char[inner] - 1] < 0
    del codes, is_digit, digit_pos
    seg_start = np.flatnonzero(starts_segment)  # first value of each segment
    nvals = np.diff(np.append(seg_start, len(values)))
    seg_line = semi_before[first_char[seg_start]].astype(np.int64)  # relative to the block's first line
    col_delta = values[seg_start]
    has_src = nvals >= 4
    src_delta = np.where(has_src, values[np.minimum(seg_start + 1, len(values) - 1)], 0)
    del values, first_char, semi_before
    # generated column: running sum of deltas, restarting on each line (the first line continues st.col)
    new_line = np.diff(seg_line, prepend=-1) != 0
    csum = np.cumsum(col_delta)
    line_first = np.flatnonzero(new_line)
    base_at = np.repeat(csum[line_first] - col_delta[line_first], np.diff(np.append(line_first, len(csum))))
    cols = csum - base_at
    if seg_line[0] == 0:
        cols[seg_line == 0] += st.col
    src = st.src + np.cumsum(src_delta)
    # spans: to the next segment on the same line; a line's last segment to the end of its line
    n = len(cols)
    same_next = np.zeros(n, dtype=bool)
    same_next[:-1] = seg_line[1:] == seg_line[:-1]
    span = np.zeros(n, dtype=np.int64)
    span[:-1] = np.where(same_next[:-1], cols[1:] - cols[:-1], 0)
    last_on_line = ~same_next
    last_on_line[-1] = False  # the block's last segment: its line may go on in the next block
    if lengths is not None:
        abs_line = st.line + seg_line
        idx = np.flatnonzero(last_on_line)
        ll = abs_line[idx]
        known = ll < len(lengths)
        span[idx[known]] = np.maximum(lengths[ll[known]] - cols[idx[known]], 0)
    # the previous block's pending segment ends where this block's first segment starts (same line)
    if st.pending is not None:
        st.flush(segments, generated, lengths, n_sources, int(cols[0]) if seg_line[0] == 0 else None)
    valid = has_src & (src >= 0) & (src < n_sources)
    st.unmapped += int((~has_src).sum())
    st.out_of_range += int((has_src & ~valid).sum())
    segments += np.bincount(src[valid], minlength=n_sources)[:n_sources]
    generated += np.bincount(src[valid], weights=span[valid], minlength=n_sources)[:n_sources].astype(np.int64)
    # carry: the last segment's span is decided by what follows it
    last_line = int(seg_line[-1])
    trailing_semis = n_semis - last_line  # semicolons after the last segment
    st.line += last_line
    st.col = int(cols[-1])
    st.src = int(src[-1])
    st.pending = (int(cols[-1]), int(src[-1]) if has_src[-1] and valid[-1] else -1)
    if trailing_semis > 0:
        st.flush(segments, generated, lengths, n_sources)
        st.line += trailing_semis
        st.col = 0


def map_coverage(pm, generated: bytes | None) -> tuple[list[tuple[int, int] | None] | None, list[str]]:
    """(segments, generated columns) for every source of a parsed map (`sourcemap.ParsedMap`), in
    `flat_sources()` order (None for a source of a section without `mappings`), and the problems
    met. None instead of the list when `mappings` cannot be decoded (coverage unknown: callers
    fall back to other evidence)."""
    parts = pm.top.sections if pm.top.is_index else [pm.top]
    lengths = line_lengths(generated) if generated is not None else None
    out: list[tuple[int, int] | None] = []
    problems: list[str] = []
    known = False
    for n, part in enumerate(parts):
        count = len(part.sources)
        where = f"sections[{n}].map: " if pm.top.is_index else ""
        if not part.has_mappings:
            out.extend(None for _ in range(count))
            continue
        text = part.mappings.encode("ascii", "replace")
        try:
            cov = decode(text, count, lengths, part.offset_line)
        except MappingsError as exc:
            problems.append(f"{where}`mappings` cannot be decoded: {exc}")
            return None, problems
        known = True
        if cov.out_of_range:
            problems.append(f"{where}{cov.out_of_range} mapping segments name a source index outside `sources`")
        out.extend(zip(cov.segments.tolist(), cov.generated.tolist()))
    return (out if known else None), problems


def in_bundle_status(segments: int, literal_status: str) -> str:
    """`map_sources.in_bundle` of a source whose coverage is known: `no` exactly when it has no
    segment; a source with generated code is `yes`, or `partial` when some of its distinctive
    strings are absent from the generated file (string evidence never makes it `no`)."""
    if segments == 0:
        return "no"
    return "partial" if literal_status in ("partial", "no") else "yes"


# -- presence of map-revealed names in the generated file --------------------------------------

QUOTED = re.compile(rb"""(?<=["'`])[^"'`]{1,%d}(?=["'`])""" % 512)
OPTION_END = re.compile(rb"[ \[<=,|]")
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
MEMBER = re.compile(rb"\.([A-Za-z_$][\w$]*)(?![\w$])")
QUOTED_SEARCHES = 200
"""Texts holding a quote character searched for by a scan of the whole file (each costs one pass)."""
PRESENCE_MAX_BYTES = 256 * 1024 * 1024
"""Generated bytes searched per scan at most; names in files past it keep the extraction-based answer."""


def _texts(name: str, name_expr: str | None, description: str | None) -> list[str]:
    """Identifying texts of a map-revealed capability, most specific first: the name as written
    (`--teleport [session]`), the name; the description only for a name of under 3 characters
    (a description may be shared with another capability, a name is what registers this one)."""
    out = []
    if name_expr and len(name_expr) >= 2 and name_expr[0] == name_expr[-1] and name_expr[0] in "\"'`":
        out.append(name_expr[1:-1])
    out.append(name)
    if description and len(name) < 3:
        out.append(description)
    return [t for i, t in enumerate(out) if t and t not in out[:i]]


def find_strings(data: bytes, texts: set[str]) -> dict[str, int]:
    """Byte offset of the first occurrence of each of `texts` as a whole string literal's content
    in `data` (between quote characters), or, for an option name (`--x`), as the start of one
    (`"--x [value]"`); a text `.name` as a member access (`process.env.NAME`, `s.experimental?.name`).
    Texts with characters JSON/JS would escape are also looked for escaped.
    One pass over `data`; only matches are kept. A text holding a quote character is looked for
    anywhere (as written or escaped), for the first QUOTED_SEARCHES such texts."""
    wanted: dict[bytes, str] = {}
    found: dict[str, int] = {}
    quoted = 0
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        esc = json.dumps(t, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass")
        if any(c in t for c in "\"'`"):  # cannot be one quote-delimited segment: a plain search
            quoted += 1
            if quoted <= QUOTED_SEARCHES:
                at = min((i for i in (data.find(b), data.find(esc)) if i >= 0), default=-1)
                if at >= 0:
                    found[t] = at
            continue
        wanted.setdefault(b, t)
        wanted.setdefault(esc, t)
    members = {t[1:].encode(): t for t in texts if t.startswith(".") and IDENTIFIER.fullmatch(t[1:])}
    for name, t in members.items():  # `.name`: a member access in the code (MEMBER's first match of it)
        m = next((m for m in literal_finditer(MEMBER, data, b"." + name) if m.group(1) == name), None)
        if m is not None:
            found[t] = m.start()
    # A QUOTED segment is a whole run of 1-512 bytes other than quotes with a quote on each side, so
    # only the wanted runs need finding: one RE2 pass over an alternation of them (`re` walked every
    # string of a 13 MB bundle in Python: 0.8 s), quote to quote, each next search one byte after a
    # match's start (two runs may share a quote). An option (`--x`) may go on to its run's end after
    # one of OPTION_END's characters.
    plain = sorted((b for b in wanted if len(b) <= 512), key=len, reverse=True)
    options = [b for b in plain if b.startswith(b"-") and OPTION_END.search(b) is None]
    if plain:
        alt = b"|".join(re.escape(b) for b in plain)
        rest = b"|(?:" + b"|".join(re.escape(b) for b in options) + rb""")[ \[<=,|][^"'`]*""" if options else b""
        rx = search_expression(rb"""["'`](?:(?:""" + alt + b")" + rest + rb""")["'`]""")
        for s, e in re2_spans(rx, data, overlapped=True):
            seg = data[s + 1:e - 1]
            if len(seg) > 512:
                continue
            t = wanted.get(seg)
            if t is None and seg[:1] == b"-":
                cut = OPTION_END.search(seg)
                t = wanted.get(seg[:cut.start()]) if cut else None
            if t is not None and t not in found:
                found[t] = s + 1
                if len(found) == len(texts):
                    break
    return found


def record_presence(conn, scan_id: int, texts: list) -> list:
    """Fill `bundle_presence` for scan `scan_id`: for every capability and resolved flag found in a
    source rebuilt from a map whose generated file is in `texts` (`models.BundleText` records),
    whether its identifying text (option string, name, description; flag key) occurs in that file,
    and where. Returns diagnostics (a file that cannot be decompressed, the size budget spent)."""
    from auditor.models import Diagnostic, Severity
    from auditor.store import insert_rows

    by_origin = {t.map_origin: t for t in texts}
    origins = list(by_origin)
    caps = conn.execute(
        """SELECT DISTINCT origin, kind, name, name_expr, description FROM capabilities
           WHERE scan_id = ? AND origin IN (SELECT unnest(?))""", [scan_id, origins]).fetchall()
    flags = conn.execute(
        """SELECT DISTINCT origin, flag_key FROM flag_reads
           WHERE scan_id = ? AND resolved AND origin IN (SELECT unnest(?))""", [scan_id, origins]).fetchall()
    wanted: dict[str, list[tuple[str, str, list[str]]]] = {}
    for origin, kind, name, name_expr, description in caps:
        wanted.setdefault(origin, []).append(("capability", f"{kind}:{name}", _texts(name, name_expr, description)))
    for origin, key in flags:
        texts = [key]
        last = key.rsplit(".", 1)[-1]
        if IDENTIFIER.fullmatch(last):  # read as a member: process.env.KEY, settings.experimental?.key
            texts.append("." + last)
        wanted.setdefault(origin, []).append(("flag", key, texts))
    rows = []
    diagnostics = []
    budget = PRESENCE_MAX_BYTES
    for origin, things in wanted.items():
        bt = by_origin[origin]
        try:
            data = zlib.decompress(bt.data)
        except zlib.error as exc:
            diagnostics.append(Diagnostic(bt.path, "presence-failed", f"cannot decompress the generated file kept for {origin}: {exc}", Severity.WARNING))
            continue
        if len(data) > budget:
            diagnostics.append(Diagnostic(bt.path, "presence-skipped", f"{bt.path} not searched for the names {origin} reveals: "
                                          f"over the {PRESENCE_MAX_BYTES}-byte budget of one scan", Severity.NOTE))
            continue
        budget -= len(data)
        found = find_strings(data, {t for _, _, ts in things for t in ts})
        offsets = sorted({found[t] for _, _, ts in things for t in ts if t in found})
        newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        where = {}
        if offsets:
            arr = np.asarray(offsets, dtype=np.int64)
            lines = np.searchsorted(newlines, arr)
            starts = np.where(lines > 0, newlines[np.maximum(lines - 1, 0)] + 1, 0)
            where = {o: (int(ln) + 1, int(o - s)) for o, ln, s in zip(offsets, lines.tolist(), starts.tolist())}
        for thing, subject, ts in things:
            hit = next((t for t in ts if t in found), None)
            if hit is None:
                rows.append((scan_id, origin, thing, subject, ts[0][:200], bt.path, False, None, None))
            else:
                line, col = where[found[hit]]
                rows.append((scan_id, origin, thing, subject, hit[:200], bt.path, True, line, col))
        del data
    insert_rows(conn, "bundle_presence", ("scan_id", "origin", "thing", "subject", "text", "bundle", "found", "bundle_line", "bundle_col"), rows)
    return diagnostics
