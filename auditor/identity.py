"""Stable identity of release files across builds: content hashes stripped from entry and chunk names.

Bundlers name output files after a hash of their content, so the same chunk is `chunk-5FZXKDXH.js` in
one release and `chunk-Q2W3E4R5.js` in the next. Fingerprints, diff keys and baseline keys use
`stable_name`, which replaces such a hash with `[hash]`; displays keep the real name.

Recognized (only in names ending in a bundler output extension: .js .mjs .cjs .css .map .wasm):
- esbuild `[hash]`: 8 characters of uppercase Base32 after `-`, `.` or `_` (`chunk-5FZXKDXH.js`);
- webpack `[contenthash]`/`[chunkhash]`, Parcel, older Vite: 6–32 hex digits with a digit, between
  dots or after `-` (`main.3f9a1c.js`, `123.a1b2c3d4e5f6a7b8.chunk.js`, `app-9f8e7d6c.css`);
- Vite/Rollup `[hash]`: 8 URL-safe Base64 characters after `-` with a digit or two uppercase and a
  lowercase letter (`index-BXk3m9aF.js`), so `index-settings.js` keeps its name;
and a Python wheel's optional build tag (`pkg-1.0-1-py3-none-any.whl` → `pkg-1.0-py3-none-any.whl`).
"""

from __future__ import annotations

import re

_EXT = r"(?=(?:\.[A-Za-z0-9]+)*\.(?:js|mjs|cjs|jsx|css|map|wasm)\b)"
_ESBUILD = re.compile(r"(?<=[-._])[A-Z2-7]{8}" + _EXT)
_HEX = re.compile(r"(?<=[-.])(?=[0-9a-f]*[0-9])[0-9a-f]{6,32}" + _EXT)
_VITE = re.compile(r"(?<=-)[A-Za-z0-9_-]{8}" + _EXT)
_WHEEL_BUILD = re.compile(r"^([^-/]+-[^-/]+)-\d[^-/]*(-[^-/]+-[^-/]+-[^-/]+\.whl)$")
HASH = "[hash]"


def _vite(m: re.Match) -> str:
    tok = m.group()
    upper = sum(c.isupper() for c in tok)
    if any(c.isdigit() for c in tok) or (upper >= 2 and any(c.islower() for c in tok)):
        return HASH
    return tok


def stable_name(text: str) -> str:
    """`text` (a path, a file name, or a subject holding one) with bundler content hashes and a
    wheel build tag replaced: `dist/chunk-5FZXKDXH.js` → `dist/chunk-[hash].js`. Idempotent."""
    if not text or "." not in text:
        return text
    out = _ESBUILD.sub(HASH, text)
    out = _HEX.sub(HASH, out)
    out = _VITE.sub(_vite, out)
    if out.endswith(".whl"):
        head, sep, base = out.rpartition("/")
        base = _WHEEL_BUILD.sub(r"\1\2", base)
        out = head + sep + base
    return out


def has_hash(path: str) -> bool:
    """Whether `path` holds a content hash `stable_name` removes."""
    return stable_name(path) != path
