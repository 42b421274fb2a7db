"""Project configuration: `auditor.toml`, or `[tool.auditor]` in `pyproject.toml`.

Looked up upward from the first target (or given with `--config`). Everything a user adds here is
data: wrappers and registries become generated query patterns; extra query directories add packs.

```toml
[tool.auditor]                      # top level in auditor.toml
exclude = ["**/generated/**"]       # gitignore-style patterns, on top of .gitignore
query_dirs = ["audit-queries"]      # extra packs, laid out like the built-in queries/ dir
max_file_bytes = 67108864           # larger files are scanned up to this many bytes

[[tool.auditor.wrappers]]           # in-house flag helpers
name = "is_feature_enabled"         # function or method name
key_arg = 0                         # index of the key argument
provider = "superset"               # provider label for the reads
default_arg = 1                     # optional: index of the default value
language = "python"                 # optional: python, ecma (JS/TS) or all (default)

[[tool.auditor.registries]]         # dicts / object literals whose keys are flags
name = "DEFAULT_FEATURE_FLAGS"
provider = "superset"
```
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import ConfigError
from auditor.queries import DIR_LANGUAGES, Pack

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Wrapper:
    """An in-house function that reads a flag: `name(key, ...)` or `obj.name(key, ...)`."""

    name: str
    key_arg: int = 0
    provider: str = "custom"
    default_arg: int | None = None
    language: str = "all"
    """`python`, `ecma` (JavaScript and TypeScript) or `all`."""


@dataclass(frozen=True, slots=True)
class Registry:
    """A dict (Python) or object literal (JS/TS), by variable name, whose keys are flag keys."""

    name: str
    provider: str = "custom"


@dataclass(frozen=True, slots=True)
class Config:
    """Effective configuration of a scan."""

    path: Path | None = None
    """File the configuration came from; None for defaults."""
    exclude: tuple[str, ...] = ()
    query_dirs: tuple[Path, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    registries: tuple[Registry, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    infer: bool = True
    """Infer in-house flag APIs (`auditor.infer`); `infer = false` or `--no-infer` turns it off."""
    extra: dict = field(default_factory=dict)
    """Other `[tool.auditor]` tables (for example `manifest`), kept for later stages."""

    def generated_packs(self) -> list[Pack]:
        """Query packs generated from wrappers and registries (name `config/...`)."""
        packs: list[Pack] = []
        for lang_dir, call, fn_alts, args in (
            ("ecma", "call_expression", "[(identifier) @flag.method (member_expression property: (property_identifier) @flag.method)]", "arguments"),
            ("python", "call", "[(identifier) @flag.method (attribute attribute: (identifier) @flag.method)]", "argument_list"),
        ):
            patterns = []
            for w in self.wrappers:
                if w.language not in ("all", lang_dir):
                    continue
                settings = f'(#set! provider "{w.provider}") (#set! key_arg "{w.key_arg}") (#set! confidence "high")'
                if w.default_arg is not None:
                    settings += f' (#set! default_arg "{w.default_arg}")'
                patterns.append(
                    f'(({call} function: {fn_alts} arguments: ({args}) @flag.args) @flag.read '
                    f'(#eq? @flag.method "{w.name}") {settings})'
                )
            if patterns:
                packs.append(Pack(f"config/wrappers-{lang_dir}", None, "\n".join(patterns), DIR_LANGUAGES[lang_dir]))
            regs = [r for r in self.registries]
            if regs:
                names = " ".join(f'"{r.name}"' for r in regs)
                if lang_dir == "python":
                    src = (
                        "((assignment left: (identifier) @registry.name right: (dictionary) @registry.value)"
                        f" (#any-of? @registry.name {names}))"
                    )
                else:
                    src = (
                        "((variable_declarator name: (identifier) @registry.name value: [(object) @registry.value"
                        " (as_expression (object) @registry.value) (satisfies_expression (object) @registry.value)])"
                        f" (#any-of? @registry.name {names}))"
                    )
                    packs.append(Pack("config/registries-typescript", None, src, DIR_LANGUAGES["typescript"]))
                    src = (
                        "((variable_declarator name: (identifier) @registry.name value: (object) @registry.value)"
                        f" (#any-of? @registry.name {names}))"
                    )
                    packs.append(Pack("config/registries-javascript", None, src, DIR_LANGUAGES["javascript"]))
                    continue
                packs.append(Pack(f"config/registries-{lang_dir}", None, src, DIR_LANGUAGES[lang_dir]))
        return packs

    def registry_provider(self, name: str) -> str:
        """Provider label of the registry named `name` (`custom` when unknown)."""
        return next((r.provider for r in self.registries if r.name == name), "custom")


_IDENT = re.compile(r"^[A-Za-z_$][\w$]*$")


def _section(data: dict, path: Path) -> dict:
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("auditor", {})
    return data.get("tool", {}).get("auditor", data)


def find_config(start: Path) -> Path | None:
    """First `auditor.toml`, or `pyproject.toml` with a `[tool.auditor]` table, upward from `start`."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for d in (here, *here.parents):
        cand = d / "auditor.toml"
        if cand.is_file():
            return cand
        pp = d / "pyproject.toml"
        if pp.is_file():
            try:
                if "auditor" in tomllib.loads(pp.read_text(encoding="utf-8")).get("tool", {}):
                    return pp
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                continue
    return None


def load_config(path: Path | None) -> Config:
    """Parse a configuration file; `None` gives the defaults.

    Raises ConfigError (one line, naming the file and key) on unreadable TOML or invalid values.
    """
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    sec = _section(data, path)
    if not isinstance(sec, dict):
        raise ConfigError(f"{path}: [tool.auditor] must be a table")

    def ident(value: object, where: str) -> str:
        if not isinstance(value, str) or not _IDENT.match(value):
            raise ConfigError(f"{path}: {where}: expected an identifier, got {value!r}")
        return value

    def label(value: object, where: str) -> str:
        if not isinstance(value, str) or not re.match(r"^[\w.\-]+$", value):
            raise ConfigError(f"{path}: {where}: expected a provider label, got {value!r}")
        return value

    def index(value: object, where: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 32:
            raise ConfigError(f"{path}: {where}: expected an argument index 0-31, got {value!r}")
        return value

    wrappers = []
    for i, w in enumerate(sec.get("wrappers", [])):
        where = f"wrappers[{i}]"
        if not isinstance(w, dict) or "name" not in w:
            raise ConfigError(f"{path}: {where}: needs at least `name`")
        lang = w.get("language", "all")
        if lang not in ("all", "python", "ecma"):
            raise ConfigError(f"{path}: {where}.language: expected python, ecma or all, got {lang!r}")
        wrappers.append(
            Wrapper(
                name=ident(w["name"], f"{where}.name"),
                key_arg=index(w.get("key_arg", 0), f"{where}.key_arg"),
                provider=label(w.get("provider", "custom"), f"{where}.provider"),
                default_arg=index(w["default_arg"], f"{where}.default_arg") if "default_arg" in w else None,
                language=lang,
            )
        )
    registries = []
    for i, r in enumerate(sec.get("registries", [])):
        where = f"registries[{i}]"
        if isinstance(r, str):
            r = {"name": r}
        if not isinstance(r, dict) or "name" not in r:
            raise ConfigError(f"{path}: {where}: needs at least `name`")
        registries.append(Registry(ident(r["name"], f"{where}.name"), label(r.get("provider", "custom"), f"{where}.provider")))
    exclude = sec.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ConfigError(f"{path}: exclude: expected a list of glob strings")
    qdirs = []
    for q in sec.get("query_dirs", []):
        qp = (path.parent / q).resolve()
        if not qp.is_dir():
            raise ConfigError(f"{path}: query_dirs: not a directory: {q}")
        qdirs.append(qp)
    max_bytes = sec.get("max_file_bytes", DEFAULT_MAX_FILE_BYTES)
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ConfigError(f"{path}: max_file_bytes: expected a positive integer")
    known = {"exclude", "query_dirs", "wrappers", "registries", "max_file_bytes"}
    return Config(
        path=path,
        exclude=tuple(exclude),
        query_dirs=tuple(qdirs),
        wrappers=tuple(wrappers),
        registries=tuple(registries),
        max_file_bytes=max_bytes,
        extra={k: v for k, v in sec.items() if k not in known},
    )
