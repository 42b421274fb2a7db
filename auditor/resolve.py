"""Key resolution across files, flag definitions and drift.

A read's key is resolved, in order, through: the literal itself; a constant, enum member or object
member of the same file; a name imported from another scanned file (`import { X } from './flags'`,
`import * as F`, `from .flags import X`, `export { X } from`, `export * from`), up to 8 hops.
LaunchDarkly React keys arrive camelCased (`useFlags().fooBar`); they are mapped back to a
kebab/snake key that a definition or another read has (LaunchDarkly docs, "Flag keys" in the React
SDK reference: keys are camelCased with lodash `camelCase`).

Definitions: every symbol a resolved read points to; when that symbol is a member of an enum,
class or object, every string member of that container (the container is a flag registry); and
every key of a registry named in config.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass

from auditor.models import Confidence, FileResult, FlagDefinition, FlagRead, Import, Symbol

MAX_HOPS = 8
_JS_EXTS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs", ".d.ts")


@dataclass(frozen=True, slots=True)
class ResolvedRead:
    """A flag read with its key resolved (or not)."""

    read: FlagRead
    flag_key: str | None
    """The resolved key; None when it could not be resolved (see `read.key.text`)."""
    definition: Symbol | None = None
    """The symbol the key expression points to, when it went through one."""


def camel_case(key: str) -> str:
    """lodash `camelCase`: `my-flag_key` → `myFlagKey`, `FOO_BAR` → `fooBar`."""
    words = re.findall(r"[A-Z]{2,}(?=[A-Z][a-z]+[0-9]*|[^A-Za-z0-9]|$)|[A-Z]?[a-z]+[0-9]*|[A-Z]+|[0-9]+", key)
    if not words:
        return key
    return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])


_PLAUSIBLE_KEY = re.compile(r"^(?=.*[A-Za-z])[\w.:/@-]{1,128}$")


def plausible_key(key: str) -> bool:
    """Could `key` be a flag key? Letters, digits and `_ - . : / @`, at least one letter, at most
    128 characters. Applied to low-confidence reads only: an SDK call is trusted as written."""
    return bool(_PLAUSIBLE_KEY.match(key))


class Resolver:
    """Symbol tables of every scanned file, for resolving references across files."""

    def __init__(self, results: list[FileResult]):
        self.symbols: dict[str, dict[tuple[str, ...], Symbol]] = {}
        self.containers: dict[tuple[str, str], list[Symbol]] = defaultdict(list)
        self.imports: dict[str, dict[str, Import]] = {}
        self.star: dict[str, list[Import]] = defaultdict(list)
        self.paths: set[str] = set()
        self.py_modules: dict[str, str] = {}
        for r in results:
            self.paths.add(r.path)
            table = self.symbols.setdefault(r.path, {})
            for s in r.symbols:
                table.setdefault(s.name, s)
                if len(s.name) == 2:
                    self.containers[(r.path, s.name[0])].append(s)
            imps = self.imports.setdefault(r.path, {})
            for imp in r.imports:
                if imp.local == "*":
                    self.star[r.path].append(imp)
                elif imp.local:
                    imps.setdefault(imp.local, imp)
            if r.path.endswith(".py"):
                mod = r.path[:-3]
                if mod.endswith("/__init__"):
                    mod = mod[: -len("/__init__")]
                parts = mod.split("/")
                for i in range(len(parts)):
                    self.py_modules.setdefault(".".join(parts[i:]), r.path)

    # -- modules --------------------------------------------------------------------------------
    def module_path(self, importer: str, module: str) -> str | None:
        """The scanned file an import specifier refers to, or None (third-party or not scanned)."""
        if importer.endswith(".py"):
            return self._py_module(importer, module)
        if not module.startswith("."):
            return None
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), module))
        stem = re.sub(r"\.(m|c)?js$", "", base)
        candidates = [base] + [stem + e for e in _JS_EXTS] + [base + "/index" + e for e in _JS_EXTS]
        return next((c for c in candidates if c in self.paths), None)

    def _py_module(self, importer: str, module: str) -> str | None:
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            base = posixpath.dirname(importer)
            for _ in range(dots - 1):
                base = posixpath.dirname(base)
            rest = module[dots:].replace(".", "/")
            stem = posixpath.join(base, rest) if rest else base
            for cand in (stem + ".py", stem + "/__init__.py"):
                if cand in self.paths:
                    return cand
            return None
        found = self.py_modules.get(module)
        if found is None and "." in module and "__init__.py" in self.paths:
            # the scan's root is itself a package (`auditor scan agentpkg/`): its own absolute
            # imports (`from agentpkg.tools import x`) name it, its paths do not
            found = self.py_modules.get(module.split(".", 1)[1])
        return found

    # -- references -----------------------------------------------------------------------------
    def lookup(self, path: str, ref: tuple[str, ...], hops: int = 0) -> Symbol | None:
        """The symbol `ref` names when seen from file `path`, following imports; None if unknown."""
        if hops > MAX_HOPS or not ref:
            return None
        table = self.symbols.get(path, {})
        sym = table.get(ref)
        if sym is None and hops > 0 and not path.endswith(".py"):
            sym = table.get(("exports", *ref))  # CommonJS: `exports.X = …` / `module.exports = {X: …}`
        if sym is not None:
            return sym
        imps = self.imports.get(path, {})
        imp = imps.get(ref[0])
        rest = ref[1:]
        if imp is None and len(ref) > 1:  # `import superset.flags` then `superset.flags.X`
            for i in range(len(ref) - 1, 1, -1):
                imp = imps.get(".".join(ref[:i]))
                if imp is not None:
                    rest = ref[i:]
                    break
        if imp is not None:
            target = self.module_path(path, imp.module)
            if target is None:
                # `from pkg import flags` where `flags` is a module
                if path.endswith(".py") and imp.name not in ("*", "default"):
                    target = self._py_module(path, f"{imp.module}.{imp.name}" if not imp.module.endswith(".") else imp.module + imp.name)
                    if target is not None:
                        return self.lookup(target, rest, hops + 1)
                return None
            if imp.name == "*":
                return self.lookup(target, rest, hops + 1)
            if imp.name == "default":  # ESM `export default {…}`, else CommonJS `module.exports`
                found = self.lookup(target, ("default", *rest), hops + 1)
                if found is None and rest:
                    found = self.symbols.get(target, {}).get(("exports", *rest))
                return found
            found = self.lookup(target, (imp.name, *rest), hops + 1)
            if found is None and path.endswith(".py"):
                sub = self._py_module(path, f"{imp.module}.{imp.name}" if not imp.module.endswith(".") else imp.module + imp.name)
                if sub is not None:
                    return self.lookup(sub, rest, hops + 1)
            return found
        for st in self.star.get(path, []):
            target = self.module_path(path, st.module)
            if target is not None and target != path:
                found = self.lookup(target, ref, hops + 1)
                if found is not None:
                    return found
        return None

    def container_members(self, sym: Symbol) -> list[Symbol]:
        """Every string member of the enum/class/object `sym` belongs to (just `sym` for constants)."""
        if len(sym.name) != 2:
            return [sym]
        return self.containers.get((sym.path, sym.name[0]), [sym])


@dataclass(slots=True)
class Inference:
    """Options and output of flag-API inference during `resolve` (see `auditor.infer`)."""

    enabled: bool = True
    known_methods: frozenset[str] = frozenset()
    """Configured wrapper names: a function passing its key to one of them forwards."""
    apis: list = None  # type: ignore[assignment]
    """Filled by `resolve`: every `infer.InferredApi` considered, best first."""
    records: list = None  # type: ignore[assignment]
    """Filled by `resolve`: the `flag_apis` rows (`infer.FlagApi`) worth storing."""


def resolve(results: list[FileResult], inference: Inference | None = None) -> tuple[list[ResolvedRead], list[FlagDefinition]]:
    """Resolve every read's key and derive flag definitions.

    With `inference` enabled (default: on), the call sites of in-house flag APIs found by
    `auditor.infer` become reads of confidence `inferred`; a low-confidence read at the same place
    gives way to the inferred one. `inference.apis` then lists every API considered.

    Low-confidence reads (method name only) are weak evidence: one whose key does not resolve to
    a plausible flag key (`plausible_key`) is dropped — a generic method such as `getValue(x)`
    with an opaque key, or `getValue('Invalid Date')` in a minified bundle, is not a flag read —
    and they never make definitions. Returns reads in file order, definitions sorted by
    (key, path, line).
    """
    resolver = Resolver(results)
    resolved: list[ResolvedRead] = []
    defs: dict[tuple, FlagDefinition] = {}

    def define(sym: Symbol, provider: str) -> None:
        for member in resolver.container_members(sym):
            k = (member.value, member.path, member.name)
            if k not in defs:
                defs[k] = FlagDefinition(
                    key=member.value, provider=provider, kind=member.kind, symbol=".".join(member.name),
                    path=member.path, span=member.span, origin=member.origin,
                )

    for r in results:
        for read in r.reads:
            key = read.key
            low = read.confidence is Confidence.LOW
            if key.value is not None:
                if not low or plausible_key(key.value):
                    resolved.append(ResolvedRead(read, key.value))
                continue
            sym = resolver.lookup(read.path, key.ref) if key.ref else None
            if sym is None:
                if not low:
                    resolved.append(ResolvedRead(read, None))
                continue
            if low:
                if plausible_key(sym.value):
                    resolved.append(ResolvedRead(read, sym.value, sym))
                continue
            define(sym, read.provider)
            resolved.append(ResolvedRead(read, sym.value, sym))
        for entry in r.registries:
            k = (entry.key, entry.path, (entry.registry, entry.key))
            defs.setdefault(k, FlagDefinition(
                key=entry.key, provider=entry.provider, kind="registry", symbol=entry.registry,
                path=entry.path, span=entry.span, default=entry.default, origin=entry.origin,
            ))

    inference = inference if inference is not None else Inference()
    inference.apis, inference.records = [], []
    if inference.enabled:
        _infer(results, resolver, resolved, inference, define)

    # LaunchDarkly camelCased keys → the key as defined or read elsewhere
    camel_reads = [i for i, rr in enumerate(resolved) if rr.read.key_style == "camel" and rr.flag_key]
    if camel_reads:
        known = {d.key for d in defs.values()} | {rr.flag_key for rr in resolved if rr.flag_key and rr.read.key_style != "camel"}
        by_camel: dict[str, str] = {}
        for k in sorted(known):
            by_camel.setdefault(camel_case(k), k)
        for i in camel_reads:
            rr = resolved[i]
            mapped = by_camel.get(rr.flag_key)  # type: ignore[arg-type]
            if mapped is not None and mapped != rr.flag_key:
                resolved[i] = ResolvedRead(rr.read, mapped, rr.definition)
    definitions = sorted(defs.values(), key=lambda d: (d.key, d.path, d.span.line, d.symbol))
    return resolved, definitions


def _infer(results: list[FileResult], resolver: Resolver, resolved: list[ResolvedRead], inference: Inference, define) -> None:
    """Add the reads of inferred flag APIs to `resolved` (in place), replacing low-confidence reads
    of the same call; definitions for keys resolved through symbols."""
    from auditor import infer

    taken = {(rr.read.path, rr.read.span.line, rr.read.span.col) for rr in resolved if rr.read.confidence is not Confidence.LOW}
    known = set(inference.known_methods) | {rr.read.method for rr in resolved if rr.read.confidence is Confidence.HIGH}
    apis, reads = infer.infer(results, resolver.lookup, known, taken, plausible_key)
    inference.apis = apis
    inference.records = infer.api_records(apis, resolver.lookup)
    if not reads:
        return
    spots = {(fr.path, fr.span.line, fr.span.col) for fr, _, _ in reads}
    resolved[:] = [rr for rr in resolved if not (rr.read.confidence is Confidence.LOW and (rr.read.path, rr.read.span.line, rr.read.span.col) in spots)]
    for fr, key, sym in reads:
        if sym is not None:
            define(sym, fr.provider)
        resolved.append(ResolvedRead(fr, key, sym))
    order = {r.path: i for i, r in enumerate(results)}
    resolved.sort(key=lambda rr: (order.get(rr.read.path, 0), rr.read.span.line, rr.read.span.col))
