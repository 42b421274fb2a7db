"""Records passed between pipeline stages.

Every record is a frozen, slotted dataclass so that stages cannot mutate each other's data and
records pickle cheaply across worker processes. Lines are 1-based, columns 0-based byte offsets
(tree-sitter's convention), so a span can be cut out of the file's bytes directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from enum import StrEnum


class Severity(StrEnum):
    """Finding and diagnostic severity, named after SARIF 2.1.0 `result.level` values (§3.27.10)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        """Order for `--fail-on` comparisons: error 3 > warning 2 > note 1."""
        return {"error": 3, "warning": 2, "note": 1}[self.value]


class Confidence(StrEnum):
    """How sure the extractor is that a call is a read of the named provider's SDK.

    `high`: the call traces to an import of the SDK's package in the same file, a configured
    wrapper, or syntax that cannot mean anything else (`process.env.X`). `inferred`: a call of an
    in-house flag API found by inference (`auditor.infer`), provider `inferred:<module>.<function>`.
    `low`: only the method name matched (provider `unknown`: a name never claims an SDK).
    """

    HIGH = "high"
    INFERRED = "inferred"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file handed to extraction."""

    path: str
    """Display path, POSIX separators, relative to the target (or the artifact root)."""
    data: bytes
    """The file's bytes (possibly truncated to the configured maximum, see `truncated`)."""
    origin: str = ""
    """Where the file came from when it is not a plain file, e.g. `source map: dist/cli.js.map`."""
    size: int = -1
    """Original size in bytes (before any truncation); -1 means `len(data)`."""
    truncated: bool = False
    """True when `data` holds only the first `max_file_bytes` of the file."""
    secrets: str = ""
    """`text` or `bundle`: search `data` for secrets first (detect-secrets, see
    `sources/secrets.py`; `bundle` uses the pattern detectors only). Extraction still sees the original
    bytes: what is stored is redacted by the store (`auditor.redact`).
    Done where the file is extracted, so it runs in the worker processes too. '' for no search."""
    extract: bool = True
    """False: only the secret search (an archive entry no grammar parses); the result has no records."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem met while scanning: the scan goes on and the problem is stored and counted."""

    path: str
    """File (or target) the problem belongs to."""
    code: str
    """Stable kebab-case code, e.g. `syntax-error`, `binary-file`, `not-utf8`, `unreadable`."""
    message: str
    """One line for humans."""
    severity: Severity = Severity.WARNING
    line: int | None = None
    """1-based line where the problem starts, when known."""
    origin: str = ""


class FailureCodes:
    """The diagnostic codes that make an audit *incomplete*: an internal error a safety net caught
    (the item it hit was not audited, or only in part). An incomplete audit is never a pass (exit 2,
    SARIF `executionSuccessful: false`, see docs/robustness.md).

    The one definition, used by the scan (not caching such results), the reports (the verdict) and
    the database reads (`sql`): a code ending in one of `SUFFIXES` (`extract-failed`,
    `artifact-failed`, `secret-scan-failed`, `extract-crashed` — a worker died on the file — and
    any `…-failed` a reader adds), or one of `CODES` (`file-budget-exceeded`: a file's extraction
    stopped at its work budget, what it found before is kept). `code in FAILURE_CODES` tests one."""

    SUFFIXES: tuple[str, ...] = ("-failed", "-crashed")
    CODES: frozenset[str] = frozenset({"file-budget-exceeded"})

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (code in self.CODES or code.endswith(self.SUFFIXES))

    def sql(self, column: str = "code") -> str:
        """A SQL condition on `column` (a trusted column name) true for these codes."""
        likes = [f"{column} LIKE '%{s}'" for s in self.SUFFIXES]
        codes = ", ".join(f"'{c}'" for c in sorted(self.CODES))
        return "(" + " OR ".join([*likes, f"{column} IN ({codes})"]) + ")"


FAILURE_CODES = FailureCodes()
"""See `FailureCodes`."""


@dataclass(frozen=True, slots=True)
class KeyExpr:
    """A flag key as written at the call site, before cross-file resolution.

    `value` is set when the key is a literal; otherwise `ref` holds the dotted reference
    (`("FeatureFlag", "TaggingSystem")`) to look up through constants, enums and imports.
    """

    text: str
    """Source text of the key expression (truncated to 200 characters)."""
    value: str | None = None
    ref: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Span:
    """A source span: 1-based lines, 0-based byte columns."""

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True, slots=True)
class FlagRead:
    """One call (or property access) that reads a feature flag."""

    path: str
    provider: str
    """Provider label: launchdarkly, unleash, growthbook, statsig, openfeature, flagsmith, posthog,
    split, configcat, waffle, bundler, env, or a configured wrapper's label."""
    method: str
    """SDK method or accessor, e.g. `boolVariation`, `process.env`."""
    key: KeyExpr
    span: Span
    function: str
    """Enclosing function (`Class.method`, `handler`), or `<module>`."""
    default: str | None
    """Source text of the default/fallback argument, when the call has one."""
    snippet: str
    """One line of code around the read, at most 200 characters."""
    confidence: Confidence
    origin: str = ""
    key_style: str = ""
    """`camel` when the SDK delivers camelCased keys (LaunchDarkly React), so resolution may map
    the key back to a kebab/snake key known elsewhere."""
    pack: str = ""
    """Query pack (or `config:wrappers`) that produced the read."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """A named string value a key may refer to: a constant, an enum member, an object member."""

    path: str
    """File declaring the symbol (as `SourceFile.path`)."""
    name: tuple[str, ...]
    """`("X",)` for a constant, `("FeatureFlag", "TaggingSystem")` for a member."""
    value: str
    """The string literal's value."""
    kind: str
    """`constant`, `enum_member`, `object_member`, `class_attribute`."""
    span: Span
    """Span of the symbol's name in the declaration."""
    origin: str = ""
    """The declaring file's `SourceFile.origin`."""


@dataclass(frozen=True, slots=True)
class Import:
    """A name bound by an import statement."""

    path: str
    """File holding the import statement (as `SourceFile.path`)."""
    local: str
    """Local binding name."""
    module: str
    """Module specifier as written (`./flags`, `superset.utils`, `.flags`)."""
    name: str
    """Imported name; `*` for namespace imports (`import * as F`, `import mod`), `default`."""


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """A key of a configured flag registry (dict / object literal named in config)."""

    path: str
    """File holding the registry (as `SourceFile.path`)."""
    registry: str
    """The registry's name as configured; for a registry of calls, the callee (`manager.add`)."""
    key: str
    """The flag key: a member name, a string key or value, or a call's key argument."""
    default: str | None
    """Source text of the value the registry gives the key (at most 120 characters), if any."""
    span: Span
    """Span of the key in the registry."""
    provider: str
    """Provider label of the registry's pack or configuration (`custom` when neither names one)."""
    origin: str = ""
    """The file's `SourceFile.origin`."""


@dataclass(frozen=True, slots=True)
class FlagDefinition:
    """A declaration that defines a flag key: a symbol a resolved read points to, or a registry key."""

    key: str
    """The flag key defined (the symbol's value, or the registry's key)."""
    provider: str
    """Provider of the read that resolved to the symbol, or the registry's provider."""
    kind: str
    """`enum_member`, `constant`, `object_member`, `class_attribute`, `registry`."""
    symbol: str
    """Dotted symbol name, or the registry name."""
    path: str
    """File holding the definition (as `SourceFile.path`)."""
    span: Span
    """Span of the symbol's name, or of the registry's key."""
    default: str | None = None
    """A registry's value for the key (`RegistryEntry.default`); None for a symbol."""
    origin: str = ""
    """The file's `SourceFile.origin`."""


@dataclass(slots=True)
class FileResult:
    """Everything extracted from one file; produced by a worker, consumed by resolution."""

    path: str
    """As `SourceFile.path`."""
    language: str
    """Grammar for the file's extension (`typescript`, `tsx`, `javascript`, `python`); '' for none
    or for a secret search only."""
    size: int
    """Size in bytes of the file (before any truncation, as `SourceFile.size`)."""
    sha256: str
    """Hex SHA-256 of the bytes read (`SourceFile.data`); '' for a secret search only."""
    origin: str = ""
    """As `SourceFile.origin`."""
    reads: list[FlagRead] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    registries: list[RegistryEntry] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    extra: dict[str, list] = field(default_factory=dict)
    """Records of later extraction families (gates, capabilities), keyed by table name."""
    secrets: list[tuple[str, int]] = field(default_factory=list)
    """(detector name, line) of each secret found when the SourceFile asked for a search; values
    never leave the process that found them."""
    extracted: bool = True
    """False for a secret search only (`SourceFile.extract`): not a scanned file, no `files` row."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that fired: what a rule's logic returns (`auditor.rules`; a SQL rule's rows become
    these), stored in `findings`. Readers never make one: they record facts the rules read."""

    rule_id: str
    """The rule's id (`ART001`)."""
    subject: str
    """What the finding is about (flag key, entry path, capability name); part of the fingerprint."""
    message: str
    """One line; must never contain a secret's value."""
    path: str | None = None
    """File or entry (display path), when the finding points at one."""
    line: int | None = None
    end_line: int | None = None
    origin: str = ""
    """`source map: <map path>` for a finding in a source rebuilt from a map, else ''."""
    target: str = ""
    severity: Severity | None = None
    """This finding's severity when it is not the rule's (ART006: error for a credential format,
    warning for a keyword or entropy hit); None: the rule's."""


# -- release artifacts (rows of the tables created by schema/003_artifacts.sql) -------------------
# A Source yields these alongside SourceFile/Diagnostic (`sources.interface.ArtifactRow`); `scan.py`
# stores each in the table named by its `TABLE`, with the dataclass fields as columns (plus `scan_id`).


@dataclass(frozen=True, slots=True)
class Artifact:
    """One release artifact read as a target (or nested one level inside another)."""

    TABLE: ClassVar[str] = "artifacts"
    artifact: str
    """Artifact key: the target as given, or `outer!/inner/path` for a nested archive."""
    target: str
    """The target (command-line string) the artifact belongs to."""
    kind: str
    """npm, wheel, sdist, tar, zip, bundle, source-map."""
    parent: str | None = None
    """Key of the enclosing artifact for a nested archive."""
    package_name: str | None = None
    package_version: str | None = None
    root_prefix: str = ""
    """Common top-level directory stripped from entry paths (`package/` in npm tarballs)."""
    entry_count: int = 0
    total_bytes: int = 0
    """Uncompressed bytes of the entries read (refused ones excluded)."""
    compressed_bytes: int = 0
    """Size of the artifact file itself."""
    sha256: str = ""
    refused_count: int = 0
    """Entries refused as unsafe or over a limit."""
    status: str = "ok"
    """ok, partial (some entries refused or unreadable), corrupt (reading stopped early)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One file inside an artifact."""

    TABLE: ClassVar[str] = "entries"
    artifact: str
    path: str
    """Path relative to the artifact root (root prefix stripped); non-UTF-8 bytes shown as `\\xNN`."""
    size: int
    compressed_size: int | None
    sha256: str | None
    """None when the entry was refused or could not be read."""
    kind: str
    """source, bundle, source-map, declaration, test, debug, docs, dotfile, env-file, key,
    credentials, archive, binary, image, other."""
    member_type: str = "file"
    """file, symlink, hardlink, device, fifo, other."""
    link_target: str | None = None
    covered: bool | None = None
    """Inside the package's own allowlist (npm `files`/.npmignore, wheel top-level packages); None when the artifact has none."""
    coverage: str = ""
    """Why `covered` is what it is, e.g. `files: dist/`, `always included`, `not in files`."""
    language: str | None = None
    """Grammar used when the entry was handed to extraction."""
    scanned: bool = False
    minified: bool = False
    refused: str | None = None
    """Refusal code (path-traversal, absolute-path, link-outside, special-file, duplicate-name, ...)."""


@dataclass(frozen=True, slots=True)
class SourceMapInfo:
    """One source map found in an artifact (an external `.map` entry or an inline data URL)."""

    TABLE: ClassVar[str] = "source_maps"
    artifact: str
    path: str
    """Map entry path, or `<bundle path>#inline` for an inline map."""
    kind: str
    """external or inline."""
    generated: str | None
    """Entry the map describes (its `file`, the entry referencing it, or the map path minus `.map`)."""
    generated_shipped: bool
    size: int
    version: int | None
    index_map: bool
    sections: int
    sources: int
    with_content: int
    """Sources whose `sourcesContent` is a string."""
    content_bytes: int
    third_party: int
    """Sources under `node_modules/` or the webpack runtime."""
    third_party_share: float
    """Third-party share of `sourcesContent` bytes (of sources when there is no content)."""
    rebuilt: int
    """Sources rebuilt as virtual files and handed to extraction."""
    map_only: int
    """Sources with content and no generated code: no segment in the decoded `mappings` (or, when
    those cannot be decoded, none of their distinctive literals in the generated file)."""
    status: str = "ok"
    """ok, or malformed (see diagnostics)."""


@dataclass(frozen=True, slots=True)
class MapSource:
    """One entry of a source map's `sources`."""

    TABLE: ClassVar[str] = "map_sources"
    artifact: str
    map: str
    idx: int
    source: str
    """As written in the map (truncated to 500 characters)."""
    path: str
    """Normalized path (webpack://, sourceRoot and ../ resolved against the map's directory)."""
    has_content: bool
    content_bytes: int
    third_party: bool
    rebuilt: bool
    literals: int
    """Distinctive string literals in the rebuilt source."""
    literals_in_bundle: int
    in_bundle: str
    """yes, partial, no (only in the map: no mapping segment), unknown (nothing to compare)."""
    missing: tuple[str, ...] = ()
    """Literals absent from the generated file (at most 200, each at most 200 characters, secrets dropped)."""


@dataclass(frozen=True, slots=True)
class MapRef:
    """A `sourceMappingURL` comment in an entry."""

    TABLE: ClassVar[str] = "map_refs"
    artifact: str
    path: str
    line: int
    url: str
    """As written; a data URL is shortened to its media type and size."""
    kind: str
    """external, inline or remote."""
    resolved: str | None
    """Entry path the URL points to (external), None otherwise."""
    status: str
    """ok, missing, remote, malformed."""


@dataclass(frozen=True, slots=True)
class MapCoverage:
    """How much generated code one source of a map accounts for, from the map's `mappings`."""

    TABLE: ClassVar[str] = "map_coverage"
    artifact: str
    map: str
    idx: int
    """Position in `sources` (running over sections), as `MapSource.idx`."""
    path: str
    """Normalized source path, as `MapSource.path`."""
    generated_file: str | None
    """Entry the map describes (`SourceMapInfo.generated`)."""
    segments: int
    """Mapping segments that map generated code to this source (0: the source has no generated code)."""
    generated_bytes: int
    """Generated columns those segments span (UTF-16 code units; bytes for ASCII code)."""


@dataclass(frozen=True, slots=True)
class BundleText:
    """The bytes of a generated file a map with rebuilt sources describes, zlib-compressed: read
    after extraction to test whether a map-revealed name occurs in what ships
    (`auditor.sources.mappings.presence_rows`). Not a table row."""

    artifact: str
    map_origin: str
    """`source map: <map path>`, the origin of the files rebuilt from that map."""
    path: str
    """Display path of the generated file."""
    data: bytes
    """zlib-compressed bytes of the generated file."""


# -- facts the readers record for the rules (tables of schema/009_reader_facts.sql) ------------------
# A reader decides no rule: it records these (`sources.interface.FactRow`), stored as the artifact
# rows are, and each ART rule (auditor/rules/ARTnnn.*) turns them into findings.


@dataclass(frozen=True, slots=True)
class Refusal:
    """Something an artifact reader refused or could not read: an entry (path set) or the
    archive as a whole (path None: a corrupt or truncated stream, a limit reached)."""

    TABLE: ClassVar[str] = "refusals"
    artifact: str
    """Artifact key (`artifacts.artifact`)."""
    target: str
    """The command-line target the artifact belongs to."""
    path: str | None
    """Display path of the entry (`inner.tgz!/x` inside a nested archive); None for the archive."""
    code: str
    """path-traversal, absolute-path, empty-name, link-outside, special-file, duplicate-name,
    non-utf8-name, unsafe-member, member-failed, too-many-entries, too-large, compression-ratio,
    nested-too-deep, corrupt, truncated, unreadable."""
    message: str
    """One line saying what was refused and why (as the diagnostic says it)."""


@dataclass(frozen=True, slots=True)
class SecretHit:
    """A secret detector's hit in a file: where and which detector, never the value."""

    TABLE: ClassVar[str] = "secret_hits"
    target: str
    """The command-line target the file belongs to (a directory or an artifact)."""
    path: str
    """Display path of the file (an entry, a source rebuilt from a map, a file of a tree)."""
    line: int
    """1-based line of the hit."""
    secret_type: str
    """Detector name (`AWS Access Key`, `Secret Keyword`, ...)."""
    evidence: str
    """`format` (a credential format the detector verifies by shape) or `context` (a
    secret-named key, or entropy alone)."""
    origin: str = ""
    """`source map: <map path>` for a source rebuilt from a map, else ''."""


@dataclass(frozen=True, slots=True)
class MapProblem:
    """A source map that could not be read whole: too large, undecodable (inline), malformed JSON,
    or parsed with problems."""

    TABLE: ClassVar[str] = "map_problems"
    artifact: str
    """Artifact key (`artifacts.artifact`)."""
    target: str
    path: str
    """Display path of the map's entry, or of the bundle holding an inline map."""
    line: int | None
    """Line of the `sourceMappingURL` comment of an inline map, else None."""
    code: str
    """too-large, inline (a data: URL that cannot be decoded), malformed, problems."""
    message: str
    """One line: what is wrong (for `problems`: the first problem and how many more)."""


@dataclass(frozen=True, slots=True)
class BundlerMetadataFile:
    """A shipped bundler metadata file (esbuild metafile, webpack stats, Vite manifest,
    `.tsbuildinfo`) and what it reveals (`auditor.sources.bundler_meta`)."""

    TABLE: ClassVar[str] = "bundler_metadata"
    artifact: str
    target: str
    path: str
    """Display path of the entry."""
    tool: str
    """esbuild, webpack, vite or typescript."""
    files: int
    """Original files it lists."""
    first_party: int
    """Of those, not under node_modules/."""
    input_bytes: int | None
    """Sum of the sizes it gives for them (None when it gives none)."""
    examples: tuple[str, ...]
    """A few first-party paths (at most 5)."""


@dataclass(frozen=True, slots=True)
class EntryFact:
    """A fact about an entry's content that the `entries` row does not hold."""

    TABLE: ClassVar[str] = "entry_facts"
    artifact: str
    path: str
    """`entries.path`."""
    fact: str
    """`inspected` (its content was read and classified: a file neither refused nor only hashed)
    or `private-key` (a private key by name or PEM header)."""

