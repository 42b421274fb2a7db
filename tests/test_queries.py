"""Query packs: every capture and setting is declared, every pack compiles for every grammar it targets."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import tree_sitter

from auditor.config import Config, Registry, Wrapper
from auditor.errors import QueryError
from auditor.extract import scopes
from auditor.languages import LANGUAGES, grammar
from auditor.queries import (
    DIR_LANGUAGES,
    Pack,
    allowed_captures,
    builtin_query_dir,
    compile_all,
    compile_for,
    discover,
    validate_captures,
)

PACKS = discover([builtin_query_dir()])
CASES = [(p, lang) for p in PACKS for lang in p.languages]


def test_builtin_packs_are_found_for_every_directory_kind():
    dirs = {p.name.split("/")[0] for p in PACKS}
    assert {"ecma", "jsx", "typescript", "python"} <= dirs
    assert dirs <= set(DIR_LANGUAGES)


@pytest.mark.parametrize(("pack", "language"), CASES, ids=[f"{p.name}@{lang}" for p, lang in CASES])
def test_pack_compiles_for_each_grammar_its_directory_targets(pack: Pack, language: str):
    query = tree_sitter.Query(grammar(language), pack.source)
    assert query.pattern_count > 0


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_pack_uses_only_declared_captures(pack: Pack):
    validate_captures(pack, allowed_captures())


def test_every_setting_used_in_a_pack_is_declared():
    declared = set(tomllib.loads((builtin_query_dir() / "captures.toml").read_text())["settings"])
    used = {m for p in PACKS for m in re.findall(r"#set!\s+([\w-]+)", re.sub(r";[^\n]*", "", p.source))}
    assert used - declared == set()


def test_every_declared_capture_has_a_meaning():
    assert all(isinstance(v, str) and v.strip() for v in allowed_captures().values())


def test_sidecars_name_a_provider_for_flag_packs():
    for p in PACKS:
        if "@flag.read" in p.source:
            assert p.meta.get("provider"), f"{p.name}: flag pack without a provider in its .toml sidecar"


def test_undeclared_capture_is_rejected_naming_pack_and_capture():
    bad = Pack("ecma/bad", None, "((identifier) @flag.oops)", DIR_LANGUAGES["ecma"])
    with pytest.raises(QueryError, match=r"ecma/bad: capture @flag.oops is not declared"):
        validate_captures(bad, allowed_captures())


def test_private_captures_and_at_signs_in_strings_and_comments_are_fine():
    ok = Pack("ecma/ok", None, '; @not.a.capture\n((identifier) @_x (#eq? @_x "@also.not"))', DIR_LANGUAGES["ecma"])
    validate_captures(ok, allowed_captures())


def test_a_pack_that_does_not_compile_is_named():
    bad = Pack("python/broken", None, "((call function: (no_such_node)) @flag.read)", DIR_LANGUAGES["python"])
    with pytest.raises(QueryError, match=r"python/broken does not compile for python"):
        compile_for("python", [*PACKS, bad])


def test_all_packs_compile_together_and_map_patterns_back_to_packs():
    compiled = compile_all(PACKS)
    assert set(compiled) == set(LANGUAGES)
    for cq in compiled.values():
        assert len(cq.pattern_pack) == cq.query.pattern_count
        assert all(cq.language in p.languages for p in cq.pattern_pack)


def test_generated_wrapper_and_registry_packs_compile():
    cfg = Config(
        wrappers=(Wrapper("flagOn", 0, "inhouse", language="ecma"), Wrapper("is_on", 1, "x", 2, "python"), Wrapper("both")),
        registries=(Registry("FLAGS", "inhouse"),),
    )
    packs = cfg.generated_packs()
    assert {p.name for p in packs} >= {"config/wrappers-ecma", "config/wrappers-python", "config/registries-python"}
    compiled = compile_all([*PACKS, *packs])
    assert set(compiled) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_scope_queries_compile(language: str):
    assert scopes._query(language) is not None


def test_packs_ship_inside_the_wheel_config():
    """`pip install .` must find the packs: pyproject force-includes queries/ as auditor/_queries."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force.get("queries") == "auditor/_queries"
