"""Record families beyond flag reads: gates, capabilities and internal-identifier hits.

`Extractor` hands this module the matches of the `@capability…` patterns of one file and a function
that runs the `@gate` patterns around byte ranges (after the file's flag reads are known); the
records go to `FileResult.extra`, keyed by table name. After cross-file resolution, `collect` turns every file's records into the flat rows
`store.insert_records` writes (capability names given as references are resolved here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import tree_sitter

from auditor import links
from auditor.extract import capabilities, gates
from auditor.models import FileResult, SourceFile


def is_family_match(caps: dict) -> bool:
    """True for matches of gate and capability patterns."""
    return any(k == "gate" or k.startswith("capability.") for k in caps)


def extract(gate_matches: gates.GateMatcher, cap_matches: list[tuple[dict, dict]], root: tree_sitter.Node, data: bytes,
            src: SourceFile, result: FileResult, ancestry=None) -> None:
    """Gates and capabilities of one file into `result.extra` (`gates`, `gate_reads`, `capabilities`, `capability_gates`).

    `gate_matches(ranges)`: the (captures, settings) of `@gate` pattern matches overlapping byte ranges."""
    capabilities.begin_file(root)
    try:
        _extract(gate_matches, cap_matches, root, data, src, result, ancestry)
    finally:
        capabilities.forget_file()


def _extract(gate_matches, cap_matches, root, data, src, result, ancestry) -> None:
    index = gates.extract(gate_matches, result.reads, root, data, src.path, src.origin, ancestry)
    if index.gates:
        result.extra.setdefault("gates", []).extend(index.gates)
        result.extra.setdefault("gate_reads", []).extend(index.reads)
    if index.exceeded is not None:  # the file's work budget ran out: the gates built so far are kept
        raise index.exceeded
    caps: list = []
    paths = None
    if cap_matches:
        caps, cap_gates, notes, paths = capabilities.extract(cap_matches, index, data, src.path, src.origin, result.reads)
        if caps:
            result.extra.setdefault("capabilities", []).extend(caps)
        if cap_gates:
            result.extra.setdefault("capability_gates", []).extend(cap_gates)
        if notes:
            result.extra.setdefault(links.NOTES, []).extend(notes)
    if paths is None:
        paths = capabilities.CommandPaths(data)
    uses = links.collect_uses(root, data, src.path, result, index, caps, paths.receiver_path)
    if uses:
        result.extra.setdefault(links.USES, []).extend(uses)


@dataclass(frozen=True, slots=True)
class IdentifierHit:
    """An internal identifier (manifest `[internal]`) found in a scanned file's text."""

    TABLE: ClassVar[str] = "identifier_hits"
    path: str
    identifier: str
    """The manifest entry that matched (literal or pattern, as written in the manifest)."""
    match: str
    """The text that matched (at most 120 characters)."""
    line: int
    col: int
    snippet: str
    origin: str = ""


class IdentifierScanner:
    """Searches file text for the manifest's internal identifiers (codenames, internal hosts, `go/` links).

    Literals match as substrings (case-sensitive); patterns are Python regular expressions. At most
    `per_file` hits per identifier and file are kept.
    """

    def __init__(self, literals: list[str], patterns: list[str], per_file: int = 20):
        self.entries: list[tuple[str, re.Pattern[bytes]]] = []
        for lit in literals:
            self.entries.append((lit, re.compile(re.escape(lit.encode("utf-8")))))
        for pat in patterns:
            self.entries.append((pat, re.compile(pat.encode("utf-8"))))
        self.per_file = per_file

    def __bool__(self) -> bool:
        return bool(self.entries)

    def scan(self, src: SourceFile, result: FileResult) -> None:
        """Append `IdentifierHit`s for `src` to `result.extra['identifier_hits']`."""
        data = src.data
        hits = []
        for ident, rx in self.entries:
            for n, m in enumerate(rx.finditer(data)):
                if n >= self.per_file:
                    break
                start = m.start()
                line_start = data.rfind(b"\n", 0, start) + 1
                line_end = data.find(b"\n", start)
                line_end = len(data) if line_end < 0 else line_end
                lo = max(line_start, start - 60)
                hi = min(line_end, max(m.end(), lo + 160))
                snippet = data[lo:hi].decode("utf-8", "replace").strip()
                hits.append(IdentifierHit(
                    src.path, ident, m.group(0)[:120].decode("utf-8", "replace"),
                    data.count(b"\n", 0, start) + 1, start - line_start, snippet, src.origin,
                ))
        if hits:
            result.extra.setdefault("identifier_hits", []).extend(hits)


def _passed_along(cap) -> bool:
    """`registry.registerTool(tool)`: a local variable handed on by generic registry code, not a
    registration of a tool of its own (its name cannot be known statically); likewise an object or
    class named after a variable that did not resolve (`{ name: tool.name, parameters }` converts a
    tool, it does not declare one; `{ name: e }` in minified code); and `registerTool(new
    DiscoveredTool(…))` of a class that names no tool statically (its name comes from its
    constructor's arguments at run time: a tool discovered or proxied, not a tool of the release);
    and `registerTool(t.clone())`, `addTool(wrap(call))`: a value computed at run time."""
    if cap.resolved:
        return False
    if not cap.name_ref:  # `registerTool(t.clone())`, `addTool(wrap(call))`: a value computed at run time
        return cap.framework == "registry"
    if cap.framework == "registry":
        return cap.name_ref[0][:1].islower() or len(cap.name_ref[0]) < 3 or cap.name_ref[-1] == "Name"
    if cap.framework in ("object", "class"):
        return cap.name_ref[0][:1].islower() or len(cap.name_ref[0]) < 3
    return False


TABLE_ORDER = ("gates", "gate_reads", "capabilities", "capability_gates", "identifier_hits")


def collect(results: list[FileResult], reads=()) -> list:
    """Every file's family records, flat, with capability names resolved across files and the
    capabilities linked to the gates of other files (`auditor.links`; `reads`: the resolved reads)."""
    from auditor.resolve import Resolver

    out: list = []
    need = any(not c.resolved and c.name_ref for r in results for c in r.extra.get("capabilities", ()))
    lookup = None
    if need:
        resolver = Resolver(results)

        def lookup(path: str, ref: tuple[str, ...]) -> str | None:
            sym = resolver.lookup(path, ref)
            return sym.value if sym is not None else None

    if lookup is not None:
        for r in results:
            if r.extra.get("capabilities"):
                r.extra["capabilities"] = capabilities.resolve_names(r.extra["capabilities"], lookup)
    linked_caps, linked_gates = links.link(results, reads)
    by_path: dict[str, list] = {}
    for c in linked_caps:
        by_path.setdefault(c.path, []).append(c)
    gates_by_path: dict[str, list] = {}
    for g in linked_gates:
        gates_by_path.setdefault(g.path, []).append(g)
    for r in results:
        kept: set[int] = set()
        for table in TABLE_ORDER:
            if table == "capabilities":
                recs = [c for c in by_path.get(r.path, ()) if not _passed_along(c)]
                kept = {c.cap_no for c in recs}
            elif table == "capability_gates":  # not the gates of a capability passed along
                recs = [g for g in gates_by_path.pop(r.path, []) if g.cap_no in kept]
            else:
                recs = r.extra.get(table)
            if recs:
                out.extend(recs)
        by_path.pop(r.path, None)
    return out
