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


def test_an_artifact_yields_only_what_the_interface_names(tmp_path):
    """Every item an artifact source yields is of a type `interface.ArtifactItem` names, and each
    row or fact type names its table (a reader adding a kind of row must add it to the interface)."""
    import json
    import typing

    from test_artifacts_kit import inline, npm_tgz, source_map

    from auditor.config import Config
    from auditor.sources import interface
    from auditor.sources.artifact import ArtifactSource

    pkg = npm_tgz(tmp_path / "p.tgz", {
        "dist/a.js": "a();\n//# sourceMappingURL=a.js.map\n",
        "dist/a.js.map": source_map(["src/a.ts", "src/b.ts"], ["export const a = 1;\n", "export const b = 'x';\n"], mappings="AAAA"),
        "dist/b.js": "b();\n" + inline(source_map(["src/c.ts"], None)),
        "dist/c.js.map": "{not json",
        "meta.json": json.dumps({"inputs": {"src/a.ts": {"bytes": 1}}, "outputs": {}}),
        "config.json": json.dumps({"aws": "AKIAQX7RZ2M4K9PL3WTB"}),
        "../evil.js": "e();\n",
    })
    items = list(ArtifactSource(str(pkg), pkg, "tar", Config()).iter_files())
    allowed = typing.get_args(interface.ArtifactItem)
    assert [type(i).__name__ for i in items if not isinstance(i, allowed)] == []
    kinds = {type(i) for i in items}
    for row in (*typing.get_args(interface.ArtifactRow), *typing.get_args(interface.FactRow)):
        assert row.TABLE
    assert {interface.Refusal, interface.MapProblem, interface.BundlerMetadataFile, interface.EntryFact} <= kinds
