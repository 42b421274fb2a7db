"""The intended-public manifest: what a release is meant to expose.

A manifest is TOML, given with `--manifest FILE`, or inline as `[tool.auditor.manifest]` in
`pyproject.toml` (`[manifest]` in `auditor.toml`), or named there with `manifest = "path.toml"`.
Every table is optional:

```toml
[manifest]
name = "acme-agent"
openfeature = "flags.json"          # OpenFeature flag manifest: its flags are public too

[flags]
public = ["dark-mode", "new-onboarding", "beta_*"]   # keys or globs meant to be public
internal = ["internal-*"]           # known internal-only flags (their gated code must not ship)
builtin_env = true                  # treat common platform variables (HOME, PATH, CI, NODE_ENV…) as public

[capabilities]                      # per kind; a kind listed here is compared (even with [])
tool = ["read_file", "write_*"]
command = ["scan", "mcp", "mcp *", "/help"]   # slash commands start with `/`; subcommands as `parent name`
option = ["--verbose", "--model"]
route = ["GET /health"]
setting = ["ui.*"]

[artifacts]
allow = ["dist/*", "package.json", "README.md"]   # entries a release may contain

[internal]
identifiers = ["otter", "go/"]      # literal strings that must not ship (codenames, internal hosts)
patterns = ['corp\\.example\\.com']  # regular expressions, same purpose

[severity]                          # per-rule overrides: error | warning | note | off
FLG002 = "warning"
CAP003 = "off"

[[suppress]]                        # one finding, by fingerprint, with a reason (required)
fingerprint = "3f2a…"
reason = "voice tool is announced in the 1.5 release notes"
```

Globs: `*` any characters (including `/`), `?` one character, `[abc]` a set; case-sensitive.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from auditor.errors import ManifestError
from auditor.userfiles import read_json

CAPABILITY_KINDS = ("tool", "command", "option", "route", "setting")

COMMON_ENV = (
    "HOME", "PATH", "USER", "USERNAME", "USERPROFILE", "SHELL", "TERM", "TERM_PROGRAM", "TERM_PROGRAM_VERSION",
    "COLORTERM", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP", "TMP", "PWD", "EDITOR", "VISUAL",
    "APPDATA", "LOCALAPPDATA", "ProgramData", "ProgramFiles", "SystemRoot", "COMSPEC", "ComSpec", "windir",
    "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR",
    "NODE_ENV", "NODE_OPTIONS", "NODE_DEBUG", "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED",
    "CI", "DEBUG", "NO_COLOR", "FORCE_COLOR", "NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
    "https_proxy", "ALL_PROXY", "PYTHONPATH", "VIRTUAL_ENV", "DISPLAY", "WAYLAND_DISPLAY", "SSH_TTY", "SSH_CONNECTION",
    "SSH_CLIENT", "BROWSER", "PAGER", "GIT_DIR", "HOSTNAME",
)
"""Platform environment variables no product documents; public unless `builtin_env = false`."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """One finding suppressed by fingerprint."""

    fingerprint: str
    reason: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What is meant to be public (see the module doc for the TOML format)."""

    path: Path | None = None
    """The manifest file; None for an inline `[tool.auditor.manifest]`."""
    name: str | None = None
    sha256: str | None = None
    public_flags: tuple[str, ...] = ()
    internal_flags: tuple[str, ...] = ()
    builtin_env: bool = True
    openfeature: Path | None = None
    openfeature_flags: tuple[str, ...] = ()
    capabilities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Capability kind → public name globs; only listed kinds are compared."""
    artifacts: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    """Rule id → error | warning | note | off."""
    suppress: tuple[Suppression, ...] = ()

    def identifier_scanner(self):
        """A `families.IdentifierScanner` for `[internal]`, or None when it is empty."""
        if not self.identifiers and not self.patterns:
            return None
        from auditor.extract.families import IdentifierScanner

        return IdentifierScanner(list(self.identifiers), list(self.patterns))

    def store(self, conn: duckdb.DuckDBPyConnection, scan_id: int) -> None:
        """Write the manifest's rows for `scan_id` (inside the scan's transaction)."""
        from auditor import store

        conn.execute("INSERT INTO manifests VALUES (?, ?, ?, ?, ?)",
                     [scan_id, str(self.path) if self.path else None, self.name, self.sha256,
                      str(self.openfeature) if self.openfeature else None])
        rows: list[tuple] = []
        rows += [(scan_id, "public_flag", None, p, "manifest") for p in self.public_flags]
        rows += [(scan_id, "public_flag", None, p, "openfeature") for p in self.openfeature_flags]
        if self.builtin_env:
            rows += [(scan_id, "public_flag", None, p, "builtin") for p in COMMON_ENV]
        rows += [(scan_id, "internal_flag", None, p, "manifest") for p in self.internal_flags]
        for kind, pats in self.capabilities.items():
            rows.append((scan_id, "capability_kind", kind, "", "manifest"))
            rows += [(scan_id, "capability", kind, p, "manifest") for p in pats]
        rows += [(scan_id, "artifact", None, p, "manifest") for p in self.artifacts]
        rows += [(scan_id, "identifier", None, p, "manifest") for p in self.identifiers]
        rows += [(scan_id, "pattern", None, p, "manifest") for p in self.patterns]
        store.insert_rows(conn, "manifest_entries", ("scan_id", "section", "kind", "pattern", "source"), rows)
        store.insert_rows(conn, "manifest_overrides", ("scan_id", "rule_id", "severity"),
                          [(scan_id, r, s) for r, s in sorted(self.severity.items())])
        store.insert_rows(conn, "manifest_suppressions", ("scan_id", "fingerprint", "reason"),
                          [(scan_id, s.fingerprint, s.reason) for s in self.suppress])

    def apply(self, conn: duckdb.DuckDBPyConnection, scan_id: int) -> None:
        """Apply severity overrides and suppressions to the findings of `scan_id`."""
        for rule_id, sev in self.severity.items():
            if sev == "off":
                conn.execute(
                    "UPDATE findings SET suppressed = true, suppression_reason = 'rule turned off in the manifest' "
                    "WHERE scan_id = ? AND rule_id = ?", [scan_id, rule_id])
            else:
                conn.execute("UPDATE findings SET severity = ? WHERE scan_id = ? AND rule_id = ?", [sev, scan_id, rule_id])
        for s in self.suppress:
            conn.execute(
                "UPDATE findings SET suppressed = true, suppression_reason = ? WHERE scan_id = ? AND fingerprint = ?",
                [s.reason, scan_id, s.fingerprint])


def _strings(value: object, where: str, src: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ManifestError(f"{src}: {where}: expected a list of non-empty strings")
    return tuple(value)


def openfeature_flags(path: Path) -> tuple[str, ...]:
    """Flag keys of an OpenFeature flag manifest (`{"flags": {"key": {"flagType": …}}}`), sorted.

    The OpenFeature CLI's manifest keeps flags in an object keyed by flag key; a list of
    `{"key": …}` objects is accepted too. Raises ManifestError when the file is not such a manifest.
    """
    data = read_json(path, "OpenFeature manifest", ManifestError)
    flags = data.get("flags") if isinstance(data, dict) else None
    if isinstance(flags, dict):
        return tuple(sorted(str(k) for k in flags))
    if isinstance(flags, list):
        keys = [f.get("key") for f in flags if isinstance(f, dict)]
        if all(isinstance(k, str) for k in keys):
            return tuple(sorted(keys))
    raise ManifestError(f"{path}: an OpenFeature flag manifest needs a `flags` object keyed by flag key")


_KNOWN_TABLES = {"manifest", "flags", "capabilities", "artifacts", "internal", "severity", "suppress"}


def parse_manifest(data: dict, src: str, base: Path, path: Path | None = None, sha256: str | None = None) -> Manifest:
    """Build a Manifest from parsed TOML. `src` names it in errors; `base` resolves relative paths."""
    unknown = set(data) - _KNOWN_TABLES - {"name", "openfeature"}
    if unknown:
        raise ManifestError(f"{src}: unknown table or key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_KNOWN_TABLES))})")
    meta = data.get("manifest", {})
    if not isinstance(meta, dict):
        raise ManifestError(f"{src}: [manifest] must be a table")
    name = meta.get("name", data.get("name"))
    of = meta.get("openfeature", data.get("openfeature"))
    flags = data.get("flags", {})
    caps = data.get("capabilities", {})
    arts = data.get("artifacts", {})
    internal = data.get("internal", {})
    severity = data.get("severity", {})
    for tname, t in (("flags", flags), ("capabilities", caps), ("artifacts", arts), ("internal", internal), ("severity", severity)):
        if not isinstance(t, dict):
            raise ManifestError(f"{src}: [{tname}] must be a table")
    for k in caps:
        if k not in CAPABILITY_KINDS:
            raise ManifestError(f"{src}: capabilities.{k}: unknown capability kind (known: {', '.join(CAPABILITY_KINDS)})")
    from auditor.rules import all_rules

    rules = all_rules()
    sev: dict[str, str] = {}
    for rid, level in severity.items():
        if rid.upper() not in rules:
            raise ManifestError(f"{src}: severity.{rid}: no such rule (`auditor rules` lists them)")
        if level not in ("error", "warning", "note", "off"):
            raise ManifestError(f"{src}: severity.{rid}: expected error, warning, note or off, got {level!r}")
        sev[rid.upper()] = level
    supp = []
    raw_supp = data.get("suppress", [])
    if not isinstance(raw_supp, list):
        raise ManifestError(f"{src}: suppress must be an array of tables ([[suppress]])")
    for i, s in enumerate(raw_supp):
        if not isinstance(s, dict) or not isinstance(s.get("fingerprint"), str) or not re.fullmatch(r"[0-9a-f]{8,64}", s["fingerprint"]):
            raise ManifestError(f"{src}: suppress[{i}]: needs `fingerprint` (hex, from `auditor findings` or SARIF partialFingerprints)")
        if not isinstance(s.get("reason"), str) or not s["reason"].strip():
            raise ManifestError(f"{src}: suppress[{i}]: needs a `reason`")
        supp.append(Suppression(s["fingerprint"], s["reason"].strip()))
    patterns = _strings(internal.get("patterns"), "internal.patterns", src)
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ManifestError(f"{src}: internal.patterns: {p!r} is not a valid regular expression: {exc}") from exc
    of_path = None
    of_flags: tuple[str, ...] = ()
    if of is not None:
        if not isinstance(of, str):
            raise ManifestError(f"{src}: openfeature: expected a path")
        of_path = (base / of).resolve()
        of_flags = openfeature_flags(of_path)
    builtin_env = flags.get("builtin_env", True)
    if not isinstance(builtin_env, bool):
        raise ManifestError(f"{src}: flags.builtin_env: expected true or false")
    return Manifest(
        path=path, name=name if isinstance(name, str) else None, sha256=sha256,
        public_flags=_strings(flags.get("public"), "flags.public", src),
        internal_flags=_strings(flags.get("internal"), "flags.internal", src),
        builtin_env=builtin_env, openfeature=of_path, openfeature_flags=of_flags,
        capabilities={k: _strings(v, f"capabilities.{k}", src) for k, v in caps.items()},
        artifacts=_strings(arts.get("allow"), "artifacts.allow", src),
        identifiers=_strings(internal.get("identifiers"), "internal.identifiers", src),
        patterns=patterns, severity=sev, suppress=tuple(supp),
    )


def load_manifest(path: Path) -> Manifest:
    """Read a manifest file: TOML as described in the module doc, or an OpenFeature flag manifest (JSON).

    Raises ManifestError (one line, naming the file) when it is missing or malformed.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ManifestError(f"manifest not found: {path}") from exc
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    sha = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".json":
        flags = openfeature_flags(path)
        return Manifest(path=path, sha256=sha, openfeature=path, openfeature_flags=flags)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: invalid TOML: {exc}") from exc
    return parse_manifest(data, str(path), path.parent, path, sha)


def manifest_from_config(config) -> Manifest | None:
    """The manifest a project configuration names (`manifest = "file"`) or holds inline, else None."""
    value = config.extra.get("manifest") if config is not None else None
    if value is None:
        return None
    base = config.path.parent if config.path else Path.cwd()
    if isinstance(value, str):
        return load_manifest((base / value).resolve())
    if isinstance(value, dict):
        return parse_manifest(value, f"{config.path}: [manifest]", base)
    raise ManifestError(f"{config.path}: manifest: expected a file name or a table")
