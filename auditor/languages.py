"""File extension → tree-sitter grammar. The only module that imports grammar packages."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

import tree_sitter

LANGUAGES = ("javascript", "typescript", "tsx", "python")

EXTENSIONS: dict[str, str] = {
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".js": "javascript",
    ".jsx": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".py": "python",
}
"""`.d.ts` is covered by `.ts`. JSX in `.js`/`.jsx` parses with the JavaScript grammar."""


def language_for(path: str) -> str | None:
    """Language name for a file path, or None when the auditor does not parse that kind of file."""
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    return EXTENSIONS.get(path[dot:].lower())


@cache
def grammar(name: str) -> tree_sitter.Language:
    """The compiled tree-sitter Language for `name` (one of LANGUAGES). Raises KeyError otherwise."""
    if name == "javascript":
        import tree_sitter_javascript as mod

        return tree_sitter.Language(mod.language())
    if name in ("typescript", "tsx"):
        import tree_sitter_typescript as mod

        return tree_sitter.Language(mod.language_typescript() if name == "typescript" else mod.language_tsx())
    if name == "python":
        import tree_sitter_python as mod

        return tree_sitter.Language(mod.language())
    raise KeyError(name)


def grammar_versions() -> dict[str, str]:
    """Installed versions of tree-sitter and each grammar package (part of the cache key)."""
    out = {}
    for dist in ("tree-sitter", "tree-sitter-javascript", "tree-sitter-typescript", "tree-sitter-python"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:  # pragma: no cover - dependency missing
            out[dist] = "missing"
    return out
