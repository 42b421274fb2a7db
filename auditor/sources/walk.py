"""The walk over one release artifact for `ArtifactSource.iter_files` (see `auditor.sources.artifact`):
its entries, the archives nested in it and its source maps, read through the reader of each format
(`tarball`, `ziparchive`, `bundle`). It records facts (entries, maps, coverage, refusals, secret
hits, bundler metadata) and decides no rule: the ART rules (`auditor/rules/ART*`) do, from the
stored rows. Imports no module that imports it."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import posixpath
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from auditor import cache
from auditor.languages import language_for
from auditor.models import (
    Artifact,
    BundleText,
    Diagnostic,
    Entry,
    BundlerMetadataFile,
    EntryFact,
    MapCoverage,
    MapProblem,
    MapRef,
    Refusal,
    SecretHit,
    MapSource,
    Severity,
    SourceFile,
    SourceMapInfo,
)
from auditor.sources import bundler_meta, classify, mappings, sourcemap
from auditor.sources.archive import Budget, Member, Reader, ReadFailed, show_name
from auditor.sources.bundle import FileReader
from auditor.sources.formats import ZIP_SUFFIXES
from auditor.sources.interface import ArtifactItem
from auditor.sources.limits import Limits
from auditor.sources.npm import NpmCoverage, parse_package_json
from auditor.sources.pypkg import WheelCoverage, parse_metadata, top_level_names
from auditor.sources.secrets import SecretScanner, detect_secrets_version, evidence_of, scan_mode
from auditor.sources.tarball import TarReader
from auditor.sources.ziparchive import ZipReader

REFUSAL_TEXT = {
    "path-traversal": "its path leaves the archive root (`..`)",
    "absolute-path": "its path is absolute",
    "empty-name": "its name is empty",
    "member-failed": "an internal error occurred while reading its header",
    "link-outside": "it is a link pointing outside the archive",
    "special-file": "it is a device, FIFO or other special file",
    "duplicate-name": "an earlier entry has the same name (unpacking would silently replace it)",
    "non-utf8-name": "its name is not valid UTF-8",
    "unsafe-member": "the tar `data` filter rejects it",
    "compression-ratio": "its compression ratio is beyond the limit",
    "nested-too-deep": "it is an archive nested deeper than the limit",
    "too-large": "the artifact's uncompressed total is over the limit",
    "unreadable": "its bytes cannot be read",
}

@dataclass(slots=True)
class ArtifactWalk:
    """State of the walk over one target (shared by the artifact and the archives nested in it)."""

    target: str
    """The target as given on the command line: names the artifact in every row."""
    fmt: str
    """tar, zip, bundle or source-map."""
    limits: Limits
    max_file_bytes: int
    """Bytes of a file handed to extraction at most (the rest is cut off)."""
    path: Path
    """The artifact file."""
    sha: str
    """Its hex SHA-256."""
    workdir: str
    """A private temp dir (tar streams spool there)."""
    budget: Budget = field(init=False)
    """Uncompressed bytes and entries left, shared with the archives nested in the artifact."""
    secrets_memo: SimpleNamespace | None = field(init=False, default=None)
    """The running scan's memo of secret searches (`auditor.cache.memo`), set with the scanner."""
    _scanner: SecretScanner | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.budget = Budget(self.limits.max_total_bytes, self.limits.max_entries)

    @property
    def scanner(self) -> SecretScanner | None:
        """The secret scanner for searches in this process (entries over the extraction limit,
        sources rebuilt from maps), built on first use: detect-secrets takes 0.4 s to import and
        set up, and most entries are searched in the extraction workers. None when the
        artifact limits turn secrets off."""
        if self._scanner is None and self.limits.secrets:
            self._scanner = SecretScanner()
            self.secrets_memo = cache.memo("secrets", detect_secrets_version())
        return self._scanner

    def run(self) -> Iterator[ArtifactItem]:
        """Everything read from the artifact, in a deterministic order (see `auditor.sources.artifact`)."""
        st = self.path.stat()
        fmt = self.fmt
        reader: Reader
        if fmt == "tar":
            reader = TarReader(self.path, self.limits, self.budget, self.workdir, st.st_size)
        elif fmt == "zip":
            reader = ZipReader(self.path, self.limits, self.budget)
        else:
            reader = FileReader(self.path)
        try:
            yield from _ArchiveWalk(self, reader, fmt, self.target, None, 0, "", st.st_size, self.sha, self.path.name).run()
        finally:
            reader.close()


class _ArchiveWalk:
    """One artifact: a top-level target or an archive nested in one."""

    def __init__(self, audit: ArtifactWalk, reader: Reader, fmt: str, key: str, parent: str | None, depth: int, shown_prefix: str,
                 compressed: int, sha: str, filename: str):
        self.a = audit
        self.reader = reader
        self.fmt = fmt
        self.key = key
        self.parent = parent
        self.depth = depth
        self.shown_prefix = shown_prefix
        """Prefix of display paths (`vendor/inner.tgz!/` inside a nested archive)."""
        self.compressed = compressed
        self.sha = sha
        self.filename = filename
        self.by_path: dict[str, Member] = {}
        self.kind_of: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.refused = 0
        self.total = 0
        self.entry_count = 0
        self.union_index: sourcemap.BundleIndex | None = None
        self.done_maps: set[str] = set()
        self.entries: list[Entry] = []
        """Entry rows, yielded last so a JavaScript file can be re-kinded once its map is known."""
        self.bundles: set[str] = set()
        """Generated files of maps with two or more sources: bundles whatever their size."""
        self.prefix = ""
        self.label = filename
        self.failed = 0
        """Items lost to an internal error (each a `*-failed` diagnostic)."""
        self.meta_problems: list[Diagnostic] = []
        """Problems with the package's own metadata (package.json, ignore files), yielded by `run`."""

    # -- the walk --------------------------------------------------------------------------------
    def run(self) -> Iterator:
        members = list(self.reader.members())
        for m in members:
            while m.name.startswith("./"):
                m.name = m.name[2:]
        prefix = _root_prefix(members) if self.fmt == "tar" else ""
        kind = self._kind(members, prefix)
        if kind not in ("npm", "sdist"):
            prefix = ""
        self.prefix = prefix
        name = version = None
        coverage = None
        try:
            name, version, coverage = self._metadata(kind, members)
        except ReadFailed as exc:
            self.meta_problems.append(Diagnostic(self.shown_prefix + "package metadata", "unreadable", f"package metadata cannot be read: {exc}", Severity.WARNING))
        except Exception as exc:  # noqa: BLE001 - failure isolation: the metadata is lost, not the artifact
            self.failed += 1
            self.meta_problems.append(Diagnostic(self.shown_prefix + "package metadata", "metadata-failed",
                                                 f"internal error while reading the package metadata: {type(exc).__name__}: {str(exc)[:300]}", Severity.ERROR))
        yield from self.meta_problems
        self.label = name or (self.shown_prefix[:-2] if self.shown_prefix else self.filename)
        """Names the artifact in diagnostics that have no path of their own (the `artifact_labels` view's `label`)."""
        refs: list[tuple[str, sourcemap.Ref]] = []
        seen: set[str] = set()
        over_total = False
        for m in members:
            p = self.rel(m)
            refusal, detail = m.problem, m.detail
            if refusal is None and m.bad_name:
                refusal = "non-utf8-name"
            if m.type == "dir":
                if refusal is not None:
                    self.entry_count += 1
                    yield from self.refuse(p, m, refusal, detail)
                continue
            self.entry_count += 1
            norm = posixpath.normpath(m.name.replace("\\", "/")).lstrip("/")
            if refusal is None:
                if norm in seen:
                    refusal = "duplicate-name"
                seen.add(norm)
            if refusal is None and m.type == "file" and m.size > self.a.budget.bytes_left:
                refusal = "too-large"
                if over_total:
                    self.refused += 1
                    self.add(Entry(self.key, p, m.size, m.compressed_size, None, classify.entry_kind(p), m.type, refused=refusal))
                    continue
                over_total = True
                detail = f"over the limit of {self.a.limits.max_total_bytes} uncompressed bytes; this and later large entries were not read"
            if refusal is not None:
                yield from self.refuse(p, m, refusal, detail)
                continue
            covered, why = coverage.covered(p) if coverage is not None else (None, "")
            if m.type in ("symlink", "hardlink"):
                self.add(Entry(self.key, p, 0, None, None, classify.entry_kind(p), m.type, m.link_target, covered, why))
                continue
            yield from self.guarded(self.entry(m, p, covered, why, refs), self.shown_prefix + p, "entry-failed", f"entry {p!r}")
        for problem in self.reader.problems:
            yield Diagnostic(self.key, problem.code, problem.message, Severity.ERROR)
            yield Refusal(self.key, self.a.target, None, problem.code, f"{self.filename}: {problem.message}")
        yield from self.guarded(self.resolve_refs(refs), self.shown_prefix + (refs[0][0] if refs else self.label), "map-refs-failed", "sourceMappingURL comments")
        for p in sorted(self.kind_of):
            if self.kind_of[p] == "source-map" and p not in self.done_maps:
                yield from self.guarded(self.external_map(p, referrer=None), self.shown_prefix + p, "map-failed", f"source map {p!r}")
        for e in self.entries:
            if e.path in self.bundles and e.kind == "source" and e.refused is None:
                e = dataclasses.replace(e, kind="bundle")
            yield e
        status = "ok"
        if any(pr.code in ("corrupt", "truncated") for pr in self.reader.problems):
            status = "corrupt"
        elif self.refused or self.reader.problems or self.failed:
            status = "partial"
        yield Artifact(self.key, self.a.target, kind, self.parent, name, version, prefix, self.entry_count, self.total,
                       self.compressed, self.sha, self.refused, status)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)

    def guarded(self, items: Iterator, path: str, code: str, what: str) -> Iterator:
        """Yield from `items`; an internal error (a bug met on hostile bytes) loses only what was
        left of them and becomes one `code` diagnostic (error severity) naming `what` and the cause."""
        try:
            yield from items
        except Exception as exc:  # noqa: BLE001 - failure isolation: one item lost, never the artifact
            self.failed += 1
            yield Diagnostic(path, code, f"internal error while reading {what}: {type(exc).__name__}: {str(exc)[:300]}", Severity.ERROR)

    def rel(self, m: Member) -> str:
        name = m.name
        if self.prefix and name.startswith(self.prefix):
            name = name[len(self.prefix):]
        return show_name(name)

    def _kind(self, members: list[Member], prefix: str) -> str:
        names = {m.name for m in members}
        if self.fmt == "tar":
            if prefix and prefix + "package.json" in names:
                return "npm"
            if prefix and prefix + "PKG-INFO" in names:
                return "sdist"
            return "tar"
        if self.fmt == "zip":
            if self.filename.lower().endswith(".whl") or any(n.count("/") == 1 and n.endswith(".dist-info/WHEEL") for n in names):
                return "wheel"
            return "zip"
        return self.fmt

    def _metadata(self, kind: str, members: list[Member]):
        by_name = {m.name: m for m in members if m.type == "file" and m.problem is None}
        if kind == "npm":
            pj = by_name.get(self.prefix + "package.json")
            problems: list[str] = []
            pkg = parse_package_json(self.reader.read(pj, 4 * 1024 * 1024), problems) if pj else None
            for why in problems:
                self.meta_problems.append(Diagnostic(self.shown_prefix + "package.json", "invalid-package-json", why, Severity.WARNING))
            if pkg is None:
                return None, None, None
            ignores = {}
            for n, m in by_name.items():
                if n.startswith(self.prefix) and posixpath.basename(n) == ".npmignore":
                    d = posixpath.dirname(n[len(self.prefix):])
                    ignores[d + "/" if d else ""] = self.reader.read(m, 1024 * 1024).decode("utf-8", "replace").splitlines()
            coverage = NpmCoverage(pkg, ignores)
            for where, why in coverage.problems:
                self.meta_problems.append(Diagnostic(self.shown_prefix + where, "invalid-ignore-pattern", f"{where} {why}", Severity.WARNING))
            return pkg.name, pkg.version, coverage
        if kind == "wheel":
            meta = next((m for n, m in by_name.items() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")), None)
            top = next((m for n, m in by_name.items() if n.count("/") == 1 and n.endswith(".dist-info/top_level.txt")), None)
            name, version = parse_metadata(self.reader.read(meta, 1024 * 1024)) if meta else (None, None)
            tops = top_level_names(self.reader.read(top, 1024 * 1024)) if top else None
            return name, version, WheelCoverage(tops)
        if kind == "sdist":
            pkginfo = by_name.get(self.prefix + "PKG-INFO")
            name, version = parse_metadata(self.reader.read(pkginfo, 1024 * 1024)) if pkginfo else (None, None)
            return name, version, None
        return None, None, None

    def refuse(self, p: str, m: Member, code: str, detail: str = "") -> Iterator:
        self.refused += 1
        why = REFUSAL_TEXT.get(code, code)
        msg = f"entry {p!r} refused: {why}" + (f" ({detail})" if detail else "")
        shown = self.shown_prefix + p
        yield Diagnostic(shown, code, msg, Severity.ERROR)
        yield Refusal(self.key, self.a.target, shown, code, msg)
        self.add(Entry(self.key, p, m.size, m.compressed_size, None, classify.entry_kind(p), m.type, m.link_target, refused=code))

    # -- one entry -------------------------------------------------------------------------------
    def entry(self, m: Member, p: str, covered: bool | None, why: str, refs: list) -> Iterator:
        a = self.a
        shown = self.shown_prefix + p
        inspect_limit = max(self.a.max_file_bytes, a.limits.max_map_bytes, a.limits.max_secret_scan_bytes)
        a.budget.bytes_left -= m.size
        try:
            if m.size > inspect_limit:
                sha, size = self._hash_stream(m)
                data = None
            else:
                data = self.reader.read(m, m.size + 1)
                sha, size = hashlib.sha256(data).hexdigest(), len(data)
        except ReadFailed as exc:
            if self.reader.damage:  # cut off with the stream: covered by the archive-level finding
                self.refused += 1
                yield Diagnostic(self.shown_prefix + p, self.reader.damage, f"entry {p!r} not read: the archive stream ends before it", Severity.WARNING)
                self.add(Entry(self.key, p, m.size, m.compressed_size, None, classify.entry_kind(p), m.type, refused=self.reader.damage))
                return
            yield from self.refuse(p, m, "unreadable", str(exc))
            return
        self.total += size
        self.sizes[p] = size
        self.by_path[p] = m
        if data is None:
            kind = classify.entry_kind(p)
            self.kind_of[p] = kind
            yield Diagnostic(shown, "entry-not-inspected", f"entry is {size} bytes, over every inspection limit; only hashed", Severity.NOTE)
            self.add(Entry(self.key, p, size, m.compressed_size, sha, kind, m.type, None, covered, why))
            return
        head = data[:8192]
        low = p.lower()
        entry_refs = sourcemap.find_refs(data) if low.endswith(classify.JS_SUFFIXES + (".css",)) else []
        minified = classify.is_minified(p, data)
        kind = classify.entry_kind(p, head, minified or classify.looks_bundled(p, data), bool(entry_refs), size)
        self.kind_of[p] = kind
        yield EntryFact(self.key, p, "inspected")
        if kind == "key" and classify.is_private_key(p, head):
            yield EntryFact(self.key, p, "private-key")
        if bundler_meta.is_candidate(p):
            meta = bundler_meta.read_metadata(p, data)
            if meta is not None:
                yield BundlerMetadataFile(self.key, a.target, shown, meta.tool, meta.files, meta.first_party, meta.input_bytes, meta.examples)
        if kind == "archive":
            outcome = yield from self.nested(m, p, data)
            if outcome != "not opened":
                self.add(Entry(self.key, p, size, m.compressed_size, sha, kind, m.type, None, covered, why,
                               refused="nested-too-deep" if outcome == "refused" else None))
                return
        language = language_for(p)
        scanned = bool(language) and not classify.is_third_party(p) and kind != "source-map"
        secrets = []
        mode = ""
        if a.limits.secrets and kind in classify.TEXT_KINDS and size <= a.limits.max_secret_scan_bytes and b"\x00" not in head:
            mode = scan_mode(p, kind == "bundle" or minified)
            if mode and scanned and size > a.max_file_bytes:  # extraction sees a prefix; the search, all of it
                secrets = a.scanner.scan(p, data.decode("utf-8", "replace"), bundle=mode == "bundle", memo=a.secrets_memo)
                yield from self.secret_hits(secrets, shown)
                mode = ""
            elif mode and not scanned:  # searched where files are extracted (in parallel), not extracted
                yield SourceFile(shown, data, size=size, secrets=mode, extract=False)
        for ref in entry_refs:
            refs.append((p, ref))
            if ref.kind == "inline":
                yield from self.inline_map(p, ref, data)
        if scanned:
            yield SourceFile(shown, data[:a.max_file_bytes], size=size, truncated=size > a.max_file_bytes, secrets=mode)
        self.add(Entry(self.key, p, size, m.compressed_size, sha, kind, m.type, None, covered, why,
                       language if scanned else None, scanned, minified))

    def secret_hits(self, secrets: list, path: str, origin: str = "") -> Iterator:
        """One `SecretHit` per secret found in the file at display path `path`: detector and line, never the value."""
        for s in secrets:
            yield SecretHit(self.a.target, path, s.line, s.type, evidence_of(s.type), origin)

    def _hash_stream(self, m: Member) -> tuple[str, int]:
        h = hashlib.sha256()
        n = 0
        with self.reader.open(m) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                n += len(chunk)
        return h.hexdigest(), n

    def nested(self, m: Member, p: str, data: bytes):
        """Open an archive entry one level down (a generator; returns `opened`, `refused` or `not opened`)."""
        a = self.a
        shown = self.shown_prefix + p
        low = p.lower()
        fmt = "zip" if low.endswith(ZIP_SUFFIXES) else "tar"
        if self.depth + 1 > a.limits.max_depth:
            self.refused += 1
            msg = f"nested archive {shown!r} not opened: archives nested deeper than {a.limits.max_depth} level(s) are refused"
            yield Diagnostic(shown, "nested-too-deep", msg, Severity.ERROR)
            yield Refusal(self.key, a.target, shown, "nested-too-deep", msg)
            return "refused"
        if len(data) > a.limits.max_nested_bytes:
            yield Diagnostic(shown, "nested-too-large", f"nested archive is {len(data)} bytes; not opened (limit {a.limits.max_nested_bytes})", Severity.WARNING)
            return "not opened"
        if fmt == "tar":
            reader = TarReader(io.BytesIO(data), a.limits, a.budget, a.workdir, len(data))
        else:
            reader = ZipReader(io.BytesIO(data), a.limits, a.budget)
        try:
            key = f"{self.key}!/{p}"
            yield from _ArchiveWalk(a, reader, fmt, key, self.key, self.depth + 1, shown + "!/", len(data),
                                      hashlib.sha256(data).hexdigest(), posixpath.basename(p)).run()
        finally:
            reader.close()
        return "opened"

    # -- source maps -----------------------------------------------------------------------------
    def resolve_refs(self, refs: list) -> Iterator:
        for p, ref in refs:
            if ref.kind == "inline":
                yield MapRef(self.key, p, ref.line, sourcemap.show_url(ref.url), "inline", None, "ok")
                continue
            if ref.kind == "remote":
                yield MapRef(self.key, p, ref.line, sourcemap.show_url(ref.url), "remote", None, "remote")
                continue
            target = sourcemap.resolve_url(p, ref.url)
            found = target is not None and self._lookup(target) is not None
            yield MapRef(self.key, p, ref.line, sourcemap.show_url(ref.url), "external", target if found else None, "ok" if found else "missing")
            if found and target not in self.done_maps:
                yield from self.guarded(self.external_map(target, referrer=p), self.shown_prefix + target, "map-failed", f"source map {target!r}")

    def _lookup(self, p: str) -> Member | None:
        m = self.by_path.get(p)
        if m is None and isinstance(self.reader, FileReader):
            m = self.reader.sibling(p)
            if m is not None:
                self.by_path[p] = m
                self.kind_of.setdefault(p, classify.entry_kind(p))
        return m

    def external_map(self, map_path: str, referrer: str | None) -> Iterator:
        self.done_maps.add(map_path)
        m = self._lookup(map_path)
        if m is None:
            return
        shown = self.shown_prefix + map_path
        if m.size > self.a.limits.max_map_bytes:
            msg = f"source map is {m.size} bytes, over the limit of {self.a.limits.max_map_bytes}; not parsed"
            yield Diagnostic(shown, "source-map-too-large", msg, Severity.WARNING)
            yield MapProblem(self.key, self.a.target, shown, None, "too-large", f"{shown}: {msg}")
            return
        try:
            raw = self.reader.read(m, m.size + 1)
        except ReadFailed as exc:
            yield Diagnostic(shown, "unreadable", f"cannot read source map: {exc}", Severity.ERROR)
            return
        if map_path not in self.sizes:  # a sibling of a single-file target: an entry of that artifact too
            self.sizes[map_path] = len(raw)
            self.total += len(raw)
            self.entry_count += 1
            self.add(Entry(self.key, map_path, len(raw), None, hashlib.sha256(raw).hexdigest(), "source-map"))
        yield from self.process_map(map_path, raw, "external", referrer, None)

    def inline_map(self, p: str, ref: sourcemap.Ref, bundle: bytes) -> Iterator:
        shown = self.shown_prefix + p
        map_path = p + "#inline"
        try:
            raw = sourcemap.decode_data_url(ref.url)
        except ValueError as exc:
            msg = f"inline source map in {shown} line {ref.line} cannot be decoded: {exc}"
            yield Diagnostic(shown, "malformed-source-map", msg, Severity.WARNING, ref.line)
            yield MapProblem(self.key, self.a.target, shown, ref.line, "inline", msg)
            return
        yield from self.process_map(map_path, raw, "inline", p, bundle)

    def process_map(self, map_path: str, raw: bytes, kind: str, referrer: str | None, bundle: bytes | None) -> Iterator:
        """Parse one map and yield its rows, findings and rebuilt sources (an internal error loses
        only the rest of this map: a `map-failed` diagnostic)."""
        yield from self.guarded(self._process_map(map_path, raw, kind, referrer, bundle), self.shown_prefix + map_path,
                                "map-failed", f"source map {map_path!r}")

    def _process_map(self, map_path: str, raw: bytes, kind: str, referrer: str | None, bundle: bytes | None) -> Iterator:
        a = self.a
        shown = self.shown_prefix + map_path
        origin = f"source map: {shown}"
        try:
            pm = sourcemap.parse_map(raw)
        except sourcemap.MapError as exc:
            msg = f"malformed source map {shown}: {exc}"
            yield Diagnostic(shown, "malformed-source-map", msg, Severity.WARNING)
            yield MapProblem(self.key, a.target, shown, None, "malformed", msg)
            yield SourceMapInfo(self.key, map_path, kind, referrer, referrer is not None, len(raw), None, False, 0, 0, 0, 0, 0, 0.0, 0, 0, "malformed")
            return
        for problem in pm.problems:
            yield Diagnostic(shown, "source-map-problem", problem, Severity.WARNING)
        if pm.problems:
            yield MapProblem(self.key, a.target, shown, None, "problems",
                             f"source map {shown}: {pm.problems[0]}" + (f" (+{len(pm.problems) - 1} more)" if len(pm.problems) > 1 else ""))
        generated = referrer
        if generated is None and pm.top.file:
            generated = sourcemap.resolve_url(map_path, pm.top.file)
        if generated is None and map_path.endswith(".map"):
            generated = map_path[:-4]
        gen_member = self._lookup(generated) if generated and bundle is None else None
        shipped = bundle is not None or gen_member is not None
        index = None
        gen_data: bytes | None = bundle

        def generated_bytes() -> bytes | None:
            nonlocal gen_data
            if gen_data is None and gen_member is not None:
                try:
                    gen_data = self.reader.read(gen_member, gen_member.size + 1)
                except ReadFailed:
                    gen_data = b""
            return gen_data or None

        def bundle_index() -> sourcemap.BundleIndex:
            nonlocal index
            if index is None:
                if shipped:
                    data = generated_bytes()
                    index = sourcemap.BundleIndex([data] if data else [])
                else:
                    index = self._union()
            return index

        sources = pm.flat_sources()
        # coverage decides ART010 for sources the map ships the content of: a map without any
        # (tsc's, 890 of them in gemini-cli-core) is not decoded (0.55 s of the reading process)
        if any(pm.content(src) is not None for src in sources):
            coverage, cov_problems = mappings.map_coverage(pm, generated_bytes() if shipped else None)
        else:
            coverage, cov_problems = None, []
        for problem in cov_problems:
            yield Diagnostic(shown, "source-map-problem", problem, Severity.WARNING)
        shown_generated = self.shown_prefix + generated if generated else "any shipped bundle"
        with_content = content_bytes = third_bytes = third = rebuilt = map_only = 0
        def one(src: sourcemap.Source) -> Iterator:
            nonlocal with_content, content_bytes, third_bytes, third, rebuilt, map_only
            if src.source is None or not isinstance(src.source, str):
                return
            path, is_third = sourcemap.normalize_source(src.source, src.root, map_path)
            third += is_third
            text = pm.content(src)
            nbytes = len(text.encode("utf-8")) if text is not None else 0
            if text is not None:
                with_content += 1
                content_bytes += nbytes
                third_bytes += nbytes if is_third else 0
            rebuild = text is not None and (not is_third or a.limits.rebuild_third_party) and nbytes <= a.max_file_bytes
            cov = coverage[src.idx] if coverage is not None and src.idx < len(coverage) else None
            if cov is not None:
                yield MapCoverage(self.key, map_path, src.idx, path, generated, cov[0], cov[1])
            lits_n = present_n = 0
            status = "unknown"
            missing: tuple[str, ...] = ()
            secrets = []
            if rebuild:
                if a.limits.secrets:
                    secrets = a.scanner.scan(path, text, memo=a.secrets_memo)
                    yield from self.secret_hits(secrets, self.shown_prefix + path, origin)
                lits = sourcemap.literals(text, path)
                if lits:
                    idx = bundle_index()
                    absent = sorted(x for x in lits if not idx.contains(x))
                    lits_n, present_n = len(lits), len(lits) - len(absent)
                    status = "no" if present_n == 0 else "yes" if not absent else "partial"
                    secret_values = {s.value for s in secrets}
                    missing = tuple(x[:200] for x in absent if sourcemap.showable(x) and not any(v in x for v in secret_values))[:200]
                if language_for(path):
                    data = text.encode("utf-8")
                    yield SourceFile(self.shown_prefix + path, data, origin=origin)
                    rebuilt += 1
            if cov is not None and shipped:  # the mappings decide: generated code from it, or none
                status = mappings.in_bundle_status(cov[0], status)
                only = cov[0] == 0 and text is not None and (not is_third or a.limits.rebuild_third_party)
            else:
                only = status == "no"
            if only:
                status = "no"
                map_only += 1
            yield MapSource(self.key, map_path, src.idx, src.source[:500], path, text is not None, nbytes, is_third, rebuild and bool(language_for(path)),
                            lits_n, present_n, status, missing)

        for src in sources:  # one source lost to an internal error loses only itself
            yield from self.guarded(one(src), shown, "map-source-failed", f"sources[{src.idx}] of source map {shown}")
        if rebuilt and shipped and generated_bytes():
            yield BundleText(self.key, origin, shown_generated, zlib.compress(generated_bytes(), 1))
        n = sum(1 for s in sources if isinstance(s.source, str))
        if generated and n >= 2:
            self.bundles.add(generated)
        share = (third_bytes / content_bytes) if content_bytes else (third / n if n else 0.0)
        yield SourceMapInfo(self.key, map_path, kind, generated, shipped, len(raw), pm.top.version, pm.top.is_index, len(pm.top.sections),
                            n, with_content, content_bytes, third, round(share, 4), rebuilt, map_only, "ok")

    def _union(self) -> sourcemap.BundleIndex:
        if self.union_index is None:
            chunks = []
            for p, kind in self.kind_of.items():
                if kind in ("bundle", "source") and p.lower().endswith(classify.JS_SUFFIXES):
                    try:
                        m = self.by_path[p]
                        chunks.append(self.reader.read(m, m.size + 1))
                    except (ReadFailed, KeyError):
                        continue
            self.union_index = sourcemap.BundleIndex(chunks)
            self.union_index.chunks = []  # keep the hashes only; substring fallbacks then answer "absent"
        return self.union_index

def _root_prefix(members: list[Member]) -> str:
    """The single top-level directory every member is under (`package/`), or ''."""
    first = None
    for m in members:
        if m.problem is not None:
            continue
        name = m.name
        head, sep, _ = name.partition("/")
        if not sep:
            if m.type == "dir":
                head = name
            else:
                return ""
        if first is None:
            first = head
        elif head != first:
            return ""
    return f"{first}/" if first else ""
