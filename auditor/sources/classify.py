"""What kind of file an artifact entry is, from its path and its first bytes.

Kinds: source, bundle, source-map, declaration, test, debug, docs, dotfile, env-file, key,
credentials, archive, binary, image, other. The order of the checks matters: an `.env` file is an
env file before it is a dotfile, a `*.test.js` a test before it is source, `x.d.ts` a declaration.
"""

from __future__ import annotations

import posixpath
import re

from auditor.languages import language_for

ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip", ".whl", ".jar", ".egg", ".nupkg")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".bmp", ".svg", ".avif", ".tiff", ".icns")
BINARY_SUFFIXES = (
    ".node", ".so", ".dll", ".dylib", ".exe", ".wasm", ".bin", ".pyd", ".o", ".a", ".lib", ".class",
    ".woff", ".woff2", ".ttf", ".otf", ".eot", ".parquet", ".sqlite", ".db", ".pyc", ".mo", ".pdf",
)
DOC_SUFFIXES = (".md", ".mdx", ".rst", ".adoc", ".txt", ".html", ".htm")
DOC_NAMES = re.compile(r"^(readme|changelog|changes|history|license|licence|copying|notice|authors|contributing|third_party_notices)\b", re.I)
SOURCE_SUFFIXES = (".css", ".scss", ".less", ".vue", ".svelte", ".sh", ".rb", ".go", ".rs", ".java", ".kt", ".c", ".h", ".cc", ".cpp", ".pyx")
DECLARATION = re.compile(r"\.d\.[mc]?ts$|\.pyi$")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx")

ENV_FILE = re.compile(r"^\.env(\..+)?$|^.+\.env$", re.I)
ENV_EXAMPLE = re.compile(r"\.(example|sample|template|dist|defaults?|schema)$|^\.env\.(example|sample|template)", re.I)
KEY_FILE = re.compile(
    r"^(id_(rsa|dsa|ecdsa|ed25519)(\.pub)?|.*\.(pem|key|p8|p12|pfx|jks|keystore|crt|cer|der|asc|gpg|ppk|kdbx))$", re.I
)
PRIVATE_KEY_NAME = re.compile(r"^id_(rsa|dsa|ecdsa|ed25519)$|\.(key|p8|p12|pfx|jks|keystore|ppk|kdbx)$", re.I)
PRIVATE_KEY_PEM = re.compile(rb"-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----")
CREDENTIALS_FILE = re.compile(
    r"^(\.npmrc|\.yarnrc(\.yml)?|\.pypirc|\.netrc|_netrc|\.git-credentials|\.htpasswd|\.pgpass|\.s3cfg|\.boto|"
    r"credentials(\.json|\.yml|\.yaml|\.xml)?|client_secrets?\.json|service[-_]?account.*\.json|"
    r"secrets?\.(json|ya?ml|toml)|\.dockercfg|terraform\.tfstate(\.backup)?|.*\.tfvars)$",
    re.I,
)
TEST_DIRS = re.compile(r"(^|/)(tests?|__tests__|__mocks__|specs?|fixtures?|__fixtures__|e2e|testdata|test[-_]data|__snapshots__)/", re.I)
TEST_NAMES = re.compile(r"(\.(test|spec|e2e)\.[cm]?[jt]sx?$)|(^test_.*\.py$)|(_test\.py$)|(^conftest\.py$)|(\.snap$)", re.I)
DEBUG_NAMES = re.compile(
    r"^(npm-debug\.log.*|yarn-(debug|error)\.log|lerna-debug\.log|pnpm-debug\.log|.*\.log|\.ds_store|thumbs\.db|"
    r"core(\.\d+)?|.*\.(orig|rej|swp|swo|bak|tmp|dmp|heapsnapshot|cpuprofile|trace)|\..*\.swp|debug\.[cm]?js)$",
    re.I,
)
THIRD_PARTY = re.compile(r"(^|/)node_modules/")

BUNDLE_MIN_BYTES = 256 * 1024
MINIFIED_LINE = 1000
"""A JavaScript entry whose longest line is at least this long is a minified bundle."""


def is_archive(path: str) -> bool:
    """The entry name says it is an archive the auditor can open."""
    low = path.lower()
    return low.endswith(ARCHIVE_SUFFIXES)


def is_third_party(path: str) -> bool:
    """Under a `node_modules/` directory."""
    return bool(THIRD_PARTY.search(path))


def is_private_key(path: str, head: bytes) -> bool:
    """A private key by name (id_rsa, .p12, .key ...) or by a PEM private-key header at the start of
    a file that is not code or docs."""
    name = posixpath.basename(path)
    if PRIVATE_KEY_NAME.search(name):
        return True
    return language_for(name) is None and not name.lower().endswith(DOC_SUFFIXES) and bool(PRIVATE_KEY_PEM.search(head[:4096]))


def is_env_example(path: str) -> bool:
    """An env *template* (`.env.example`, `.env.sample`): shipped on purpose, holds placeholders."""
    return bool(ENV_EXAMPLE.search(posixpath.basename(path)))


def longest_line(data: bytes) -> int:
    """Length of the longest line of `data`, from the newlines' positions (numpy) rather than a
    Python loop over every line (0.14 s over gemini-cli-core's files)."""
    import numpy as np

    if len(data) < 4096:
        return max(map(len, data.split(b"\n")), default=0)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if not len(ends):
        return len(data)
    return int(max((np.diff(ends, prepend=-1) - 1).max(), len(data) - 1 - ends[-1]))


BUNDLER_MARKS = (b"\n// node_modules/", b"__webpack_require__", b"/******/", b"__commonJS(", b"System.register(")


def looks_bundled(path: str, data: bytes) -> bool:
    """Large JavaScript carrying a bundler's fingerprints (esbuild's `// node_modules/...` module
    banners, webpack's runtime, rollup/esbuild helpers): generated code even when not minified."""
    return path.lower().endswith(JS_SUFFIXES) and len(data) >= BUNDLE_MIN_BYTES and any(m in data for m in BUNDLER_MARKS)


def is_minified(path: str, data: bytes) -> bool:
    """JavaScript whose longest line is at least MINIFIED_LINE characters."""
    return path.lower().endswith(JS_SUFFIXES) and longest_line(data) >= MINIFIED_LINE


def entry_kind(path: str, head: bytes = b"", minified: bool = False, has_map_ref: bool = False, size: int = 0) -> str:
    """The kind of an entry (see module doc). `head` is the entry's first bytes (may be empty).

    A bundle is generated JavaScript: minified (very long lines), or large with a source map. A
    compiled module (`tsc` output with its own small map) is `source`."""
    name = posixpath.basename(path)
    low = name.lower()
    if ENV_FILE.match(name):
        return "env-file"
    if KEY_FILE.match(name) or (PRIVATE_KEY_PEM.search(head[:4096]) and language_for(name) is None and not low.endswith(DOC_SUFFIXES)):
        return "key"
    if CREDENTIALS_FILE.match(name):
        return "credentials"
    if low.endswith(".map"):
        return "source-map"
    if is_archive(low):
        return "archive"
    if DEBUG_NAMES.match(name):
        return "debug"
    if TEST_DIRS.search(path) or TEST_NAMES.search(name):
        return "test"
    if DECLARATION.search(low):
        return "declaration"
    if low.endswith(IMAGE_SUFFIXES):
        return "image"
    if low.endswith(BINARY_SUFFIXES):
        return "binary"
    if low.endswith(JS_SUFFIXES) and (minified or (has_map_ref and size >= BUNDLE_MIN_BYTES)):
        return "bundle"
    if language_for(name) is not None or low.endswith(SOURCE_SUFFIXES):
        return "source"
    if DOC_NAMES.match(name) or low.endswith(DOC_SUFFIXES) or "/docs/" in "/" + path.lower():
        return "docs"
    if name.startswith("."):
        return "dotfile"
    if b"\x00" in head[:8192]:
        return "binary"
    return "other"


TEXT_KINDS = frozenset({"source", "bundle", "declaration", "test", "debug", "docs", "dotfile", "env-file", "key", "credentials", "other"})
"""Kinds whose content is searched for secrets (source maps are searched through their rebuilt sources)."""
