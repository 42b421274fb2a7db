"""The readers in `auditor/sources/` form no import cycle: no module there imports one that imports
it back, directly or through another auditor module (module-level and function-level imports)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditor"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module → the auditor modules it imports (at module level or inside a function;
    `from auditor.sources import x` counts as importing `auditor.sources.x` when that is a module)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                deps.update(subs or ([node.module] if node.module in modules else []))
        graph[name] = deps - {name}
    return graph


def cycles_through(graph: dict[str, set[str]], prefix: str) -> list[list[str]]:
    """Import cycles (as module lists) that pass through a module whose name starts with `prefix`."""
    found = []
    for start in sorted(m for m in graph if m.startswith(prefix)):
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for dep in sorted(graph[node]):
                if dep == start:
                    found.append(path)
                elif dep not in seen and dep != "auditor.sources":  # the package: `open_target` only
                    seen.add(dep)
                    stack.append((dep, [*path, dep]))
    return found


def test_the_readers_form_no_import_cycle():
    assert cycles_through(import_graph(), "auditor.sources.") == []


def test_the_cycle_check_finds_a_cycle():
    graph = {"auditor.sources.a": {"auditor.sources.b"}, "auditor.sources.b": {"auditor.x"}, "auditor.x": {"auditor.sources.a"}}
    assert cycles_through(graph, "auditor.sources.") == [["auditor.sources.a", "auditor.sources.b", "auditor.x"],
                                                          ["auditor.sources.b", "auditor.x", "auditor.sources.a"]]
