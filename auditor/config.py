"""Project configuration: `auditor.toml`, or `[tool.auditor]` in `pyproject.toml`.

Given with `--config`, or belonging to the first directory target (up to its repository's root),
or in the working directory (`discover_config`); never one found above a release artifact. Everything a user adds here is
data: wrappers and registries become generated query patterns; extra query directories add packs.

```toml
[tool.auditor]                      # top level in auditor.toml
exclude = ["**/generated/**"]       # gitignore-style patterns, on top of .gitignore
query_dirs = ["audit-queries"]      # extra packs, laid out like the built-in queries/ dir
max_file_bytes = 67108864           # larger files are scanned up to this many bytes

[[tool.auditor.wrappers]]           # in-house flag helpers
name = "is_feature_enabled"         # function or method name; `features.has` / `*.flagResolver.isEnabled`
                                    # qualify the receiver (its text ends with `features` / `flagResolver`)
key_arg = 0                         # index of the key argument
key_name = "flag"                   # optional: the key is this named argument (Python keyword, JS object member)
provider = "superset"               # provider label for the reads
default_arg = 1                     # optional: index of the default value
language = "python"                 # optional: python, ecma (JS/TS) or all (default)

[[tool.auditor.wrappers]]           # a JSX component and attribute: <Feature features={['a', 'b']}>
jsx = "Feature"
attribute = "features"

[[tool.auditor.wrappers]]           # a property read: config.featureToggles.<key> (the member is the key)
property = "config.featureToggles"

[[tool.auditor.registries]]         # dicts / object literals whose keys are flags
name = "DEFAULT_FEATURE_FLAGS"
provider = "superset"
kind = "keys"                       # keys (default) | values (string values are the keys) |
                                    # type (TS interface / type literal: member names) |
                                    # calls (`name = "manager.add"`: each call's key_arg is a key)
```

Every table is one line as an inline table too: `wrappers = [{ name = "features.has" }]`.
`env_flags = ["FEATURE_*"]` marks environment variables matching a glob as flags (provider `env-flag`).
See docs/flag-apis.md.
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
    """An in-house flag API: a call `name(key, ...)` / `recv.name(key, ...)`, a JSX element
    `<jsx attribute={…}>`, or a property read `recv.<key>`."""

    name: str = ""
    """Function or method name (last segment of a qualified name); '' for `jsx` / `property`."""
    key_arg: int = 0
    provider: str = "custom"
    default_arg: int | None = None
    language: str = "all"
    """`python`, `ecma` (JavaScript and TypeScript) or `all`."""
    receiver: str = ""
    """Dotted qualifier the receiver's text must end with (`features`, `organization.features`);
    '' for any receiver or none. For `property`: the object whose members are keys."""
    key_name: str | None = None
    """Named argument holding the key (Python keyword argument, or member of a JS object argument)."""
    jsx: str = ""
    """JSX component name (with `attribute`)."""
    attribute: str = ""
    member_read: bool = False
    """A property read (config `property = "…"`): members of `receiver` are the keys."""

    @property
    def qualified(self) -> str:
        """The API as configured: `recv.name`, `<Jsx attribute>`, `recv.<key>`."""
        if self.jsx:
            return f"<{self.jsx} {self.attribute}>"
        if self.member_read:
            return f"{self.receiver}.<key>"
        return f"{self.receiver}.{self.name}" if self.receiver else self.name


@dataclass(frozen=True, slots=True)
class Registry:
    """Flag keys declared together: a dict / object literal (its keys, or with kind `values` its
    string values), a TS interface or object type (`type`: member names), or a sequence of calls
    (`calls`: argument `key_arg` of each call of `name`, a dotted callee)."""

    name: str
    provider: str = "custom"
    kind: str = "keys"
    """`keys`, `values`, `type` or `calls`."""
    key_arg: int = 0


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
    env_flags: tuple[str, ...] = ()
    """Globs of environment variable names that are flags (`FEATURE_*`): their reads get provider `env-flag`."""
    infer: bool = True
    """Infer in-house flag APIs (`auditor.infer`); `infer = false` or `--no-infer` turns it off."""
    extra: dict = field(default_factory=dict)
    """Other `[tool.auditor]` tables (for example `manifest`), kept for later stages."""

    def generated_packs(self) -> list[Pack]:
        """Query packs generated from wrappers and registries (name `config/...`)."""
        packs: list[Pack] = []
        for lang_dir in ("ecma", "python"):
            patterns = [p for w in self.wrappers if w.language in ("all", lang_dir) for p in _wrapper_patterns(w, lang_dir)]
            patterns += [p for r in self.registries if r.kind == "calls" for p in _call_registry_patterns(r, lang_dir)]
            if patterns:
                packs.append(Pack(f"config/wrappers-{lang_dir}", None, "\n".join(patterns), DIR_LANGUAGES[lang_dir]))
            jsx = [p for w in self.wrappers if w.jsx and w.language in ("all", "ecma") for p in _jsx_patterns(w)]
            if jsx and lang_dir == "ecma":
                packs.append(Pack("config/wrappers-jsx", None, "\n".join(jsx), DIR_LANGUAGES["jsx"]))
            names = " ".join(f'"{r.name}"' for r in self.registries if r.kind in ("keys", "values"))
            types = " ".join(f'"{r.name}"' for r in self.registries if r.kind == "type")
            if not names and not types:
                continue
            if lang_dir == "python":
                if names:
                    src = (
                        "((assignment left: (identifier) @registry.name right: (dictionary) @registry.value)"
                        f" (#any-of? @registry.name {names}))"
                    )
                    packs.append(Pack(f"config/registries-{lang_dir}", None, src, DIR_LANGUAGES[lang_dir]))
                continue
            ts = []
            if names:
                ts.append(
                    "((variable_declarator name: (identifier) @registry.name value: [(object) @registry.value"
                    " (as_expression (object) @registry.value) (satisfies_expression (object) @registry.value)])"
                    f" (#any-of? @registry.name {names}))"
                )
                src = (
                    "((variable_declarator name: (identifier) @registry.name value: (object) @registry.value)"
                    f" (#any-of? @registry.name {names}))"
                )
                packs.append(Pack("config/registries-javascript", None, src, DIR_LANGUAGES["javascript"]))
            if types:
                ts.append(f"((interface_declaration name: (type_identifier) @registry.name body: (interface_body) @registry.value) (#any-of? @registry.name {types}))")
                ts.append(f"((type_alias_declaration name: (type_identifier) @registry.name value: (object_type) @registry.value) (#any-of? @registry.name {types}))")
            packs.append(Pack("config/registries-typescript", None, "\n".join(ts), DIR_LANGUAGES["typescript"]))
        return packs

    def registry_provider(self, name: str) -> str:
        """Provider label of the registry named `name` (`custom` when unknown)."""
        return next((r.provider for r in self.registries if r.name == name), "custom")

    def registry_kinds(self) -> dict[str, str]:
        """Registry name → kind, for registries whose kind is not `keys`."""
        return {r.name: r.kind for r in self.registries if r.kind != "keys"}


_CALL = {
    "ecma": ("call_expression", "arguments", "member_expression", "property", "property_identifier"),
    "python": ("call", "argument_list", "attribute", "attribute", "identifier"),
}


def _receiver_regex(receiver: str) -> str:
    """A `#match?` expression: the receiver's text is `receiver` or ends with `.receiver` (`?.` allowed)."""
    parts = [re.escape(p) for p in receiver.split(".")]
    return "(^|[.?])" + r"\\??\\.".join(parts) + "$"


def _settings(w_provider: str, key_arg: int, extra: str = "") -> str:
    return f'(#set! provider "{w_provider}") (#set! key_arg "{key_arg}") (#set! confidence "high"){extra}'


def _wrapper_patterns(w: Wrapper, lang_dir: str) -> list[str]:
    if w.jsx:
        return []
    call, args, member, prop_field, prop_type = _CALL[lang_dir]
    if w.member_read:
        tail = w.receiver.rsplit(".", 1)[-1]
        settings = (f'(#set! provider "{w.provider}") (#set! key_kind "name") (#set! confidence "high") (#set! property "true")'
                    f' (#set! anchor "{tail}")')
        match = f'(#match? @_recv "{_receiver_regex(w.receiver)}")'
        out = [f"(({member} object: (_) @_recv {prop_field}: ({prop_type}) @flag.key) @flag.read {match} {settings})"]
        index_field = "index" if lang_dir == "ecma" else "subscript"
        sub = "subscript_expression" if lang_dir == "ecma" else "subscript"
        settings_sub = settings.replace('(#set! key_kind "name") ', "")
        out.append(f"(({sub} value: (_) @_recv {index_field}: (string) @flag.key) @flag.read {match} {settings_sub})"
                   if lang_dir == "python" else
                   f"(({sub} object: (_) @_recv {index_field}: (string) @flag.key) @flag.read {match} {settings_sub})")
        if lang_dir == "ecma":  # `flags[ExperimentFlags.X]`: the registry member's name is the key
            out.append(f"(({sub} object: (_) @_recv index: (member_expression property: (property_identifier) @flag.key)) @flag.read"
                       f" {match} {settings})")
        return out
    extra = ""
    if w.default_arg is not None:
        extra += f' (#set! default_arg "{w.default_arg}")'
    if w.key_name:
        extra += f' (#set! key_name "{w.key_name}")'
    if w.receiver:
        extra += ' (#set! qualified "true")'
        return [
            f"(({call} function: ({member} object: (_) @_recv {prop_field}: ({prop_type}) @flag.method) arguments: ({args}) @flag.args) @flag.read "
            f'(#eq? @flag.method "{w.name}") (#match? @_recv "{_receiver_regex(w.receiver)}") {_settings(w.provider, w.key_arg, extra)})'
        ]
    # TypeScript parses `await fn<T>('k')` as a call of `await fn`: both shapes
    fn_alts = ("[(identifier) @flag.method (member_expression property: (property_identifier) @flag.method)"
               " (await_expression (identifier) @flag.method)"
               " (await_expression (member_expression property: (property_identifier) @flag.method))]")
    if lang_dir == "python":
        fn_alts = "[(identifier) @flag.method (attribute attribute: (identifier) @flag.method)]"
    return [f'(({call} function: {fn_alts} arguments: ({args}) @flag.args) @flag.read (#eq? @flag.method "{w.name}") {_settings(w.provider, w.key_arg, extra)})']


def _call_registry_patterns(r: Registry, lang_dir: str) -> list[str]:
    call, args, member, prop_field, prop_type = _CALL[lang_dir]
    receiver, _, name = r.name.rpartition(".")
    settings = f'(#set! key_arg "{r.key_arg}") (#set! registry_kind "calls") (#set! provider "{r.provider}")'
    if receiver:
        return [f"(({call} function: ({member} object: (_) @_recv {prop_field}: ({prop_type}) @registry.name) arguments: ({args}) @registry.value) "
                f'(#eq? @registry.name "{name}") (#match? @_recv "{_receiver_regex(receiver)}") {settings})']
    return [f'(({call} function: (identifier) @registry.name arguments: ({args}) @registry.value) (#eq? @registry.name "{name}") {settings})']


def _jsx_patterns(w: Wrapper) -> list[str]:
    return [
        f"(({element} name: (identifier) @flag.method attribute: (jsx_attribute (property_identifier) @_attr"
        " [(string) @flag.key (jsx_expression (_) @flag.key)])) @flag.read"
        f' (#eq? @flag.method "{w.jsx}") (#eq? @_attr "{w.attribute}") (#set! provider "{w.provider}") (#set! confidence "high"))'
        for element in ("jsx_opening_element", "jsx_self_closing_element")
    ]




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
        found = _config_in(d)
        if found is not None:
            return found
    return None


REPOSITORY_MARKERS = (".git", ".hg", ".svn")
"""A directory holding one of these is a repository's root: a source tree's config is looked for up
to it and never above."""


def _config_in(d: Path) -> Path | None:
    """`auditor.toml`, or a `pyproject.toml` with a `[tool.auditor]` table, in the directory `d`."""
    cand = d / "auditor.toml"
    if cand.is_file():
        return cand
    pp = d / "pyproject.toml"
    if pp.is_file():
        try:
            if "auditor" in tomllib.loads(pp.read_text(encoding="utf-8")).get("tool", {}):
                return pp
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
    return None


def source_tree_config(target: Path) -> Path | None:
    """The config that belongs to the source tree `target` (a directory): in `target` itself, or
    in a directory above it up to the root of the repository holding it (a directory with `.git`,
    `.hg` or `.svn`). Outside a repository only `target` itself counts: a config in a directory
    that merely contains the tree (a shared temp or downloads directory) is not the tree's."""
    here = target.resolve()
    chain = [here, *here.parents]
    root = next((i for i, d in enumerate(chain) if any((d / m).exists() for m in REPOSITORY_MARKERS)), None)
    for d in chain[: (root + 1) if root is not None else 1]:
        found = _config_in(d)
        if found is not None:
            return found
    return None


def discover_config(targets: list[str], explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """Which config file a scan of `targets` uses (None: the defaults), in this order: `explicit`
    (`--config`); the config of the first directory target (`source_tree_config`); the one in the
    working directory `cwd` (default: the process's), the user's project. A config found above a
    release artifact (a tarball, wheel, bundle or map) or a downloaded `npm:` target is never used."""
    if explicit is not None:
        return explicit
    for t in targets:
        p = Path(t)
        if not t.startswith("npm:") and p.is_dir():
            found = source_tree_config(p)
            if found is not None:
                return found
            break
    return _config_in(Path.cwd() if cwd is None else cwd)


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

    def qualified(value: object, where: str) -> tuple[str, str]:
        """`name`, `recv.name` or `*.recv.name` → (receiver qualifier, name)."""
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {where}: expected a name, got {value!r}")
        parts = value.removeprefix("*.").split(".")
        for part in parts:
            ident(part, where)
        return ".".join(parts[:-1]), parts[-1]

    wrappers = []
    for i, w in enumerate(sec.get("wrappers", [])):
        where = f"wrappers[{i}]"
        forms = [k for k in ("name", "jsx", "property") if isinstance(w, dict) and k in w]
        if not forms:
            raise ConfigError(f"{path}: {where}: needs at least `name` (or `jsx` with `attribute`, or `property`)")
        if len(forms) > 1:
            raise ConfigError(f"{path}: {where}: needs exactly one of `name`, `jsx` (with `attribute`) or `property`")
        lang = w.get("language", "all")
        if lang not in ("all", "python", "ecma"):
            raise ConfigError(f"{path}: {where}.language: expected python, ecma or all, got {lang!r}")
        common = dict(
            provider=label(w.get("provider", "custom"), f"{where}.provider"),
            language=lang,
        )
        if forms[0] == "jsx":
            if "attribute" not in w:
                raise ConfigError(f"{path}: {where}: `jsx` needs `attribute`")
            wrappers.append(Wrapper(jsx=ident(w["jsx"], f"{where}.jsx"), attribute=ident(w["attribute"], f"{where}.attribute"),
                                    **{**common, "language": "ecma"}))
            continue
        if forms[0] == "property":
            recv, last = qualified(w["property"], f"{where}.property")
            if last in ("*", "<key>"):
                raise ConfigError(f"{path}: {where}.property: name the object, e.g. `config.featureToggles`")
            wrappers.append(Wrapper(receiver=f"{recv}.{last}" if recv else last, member_read=True, **common))
            continue
        recv, name = qualified(w["name"], f"{where}.name")
        key_name = w.get("key_name")
        if key_name is not None:
            key_name = ident(key_name, f"{where}.key_name")
        wrappers.append(
            Wrapper(
                name=name,
                receiver=recv,
                key_arg=index(w.get("key_arg", 0), f"{where}.key_arg"),
                default_arg=index(w["default_arg"], f"{where}.default_arg") if "default_arg" in w else None,
                key_name=key_name,
                **common,
            )
        )
    registries = []
    for i, r in enumerate(sec.get("registries", [])):
        where = f"registries[{i}]"
        if isinstance(r, str):
            r = {"name": r}
        if not isinstance(r, dict) or "name" not in r:
            raise ConfigError(f"{path}: {where}: needs at least `name`")
        kind = r.get("kind", "keys")
        if kind not in ("keys", "values", "type", "calls"):
            raise ConfigError(f"{path}: {where}.kind: expected keys, values, type or calls, got {kind!r}")
        if kind == "calls":
            recv, name = qualified(r["name"], f"{where}.name")
            reg_name = f"{recv}.{name}" if recv else name
        else:
            reg_name = ident(r["name"], f"{where}.name")
        registries.append(Registry(reg_name, label(r.get("provider", "custom"), f"{where}.provider"), kind,
                                   index(r.get("key_arg", 0), f"{where}.key_arg")))
    env_flags = sec.get("env_flags", [])
    if not isinstance(env_flags, list) or not all(isinstance(e, str) and e for e in env_flags):
        raise ConfigError(f"{path}: env_flags: expected a list of glob strings such as \"FEATURE_*\"")
    infer = sec.get("infer", True)
    if not isinstance(infer, bool):
        raise ConfigError(f"{path}: infer: expected true or false")
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
    known = {"exclude", "query_dirs", "wrappers", "registries", "max_file_bytes", "env_flags", "infer"}
    return Config(
        path=path,
        exclude=tuple(exclude),
        query_dirs=tuple(qdirs),
        wrappers=tuple(wrappers),
        registries=tuple(registries),
        max_file_bytes=max_bytes,
        env_flags=tuple(env_flags),
        infer=infer,
        extra={k: v for k, v in sec.items() if k not in known},
    )
