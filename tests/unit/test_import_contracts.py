"""The import contracts (pyproject.toml, `[tool.importlinter]`) cover every module.

`lint-imports` checks the contracts; these tests check that nothing escapes them. Every
package is a container of an `exhaustive` layers contract, so each of its modules has to be
given a layer (lint-imports fails on one that is not), and every top-level part of
marketplace, procurement and search other than its public doors is protected by a contract
that keeps it to its package (and, for register(), settings and demo data, the application).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
CONTRACTS: list[dict[str, Any]] = CONFIG["contracts"]
#: What other packages may import of each package (procurement has no api.py yet).
DOORS = {"marketplace": {"api", "events"}, "procurement": {"api", "events"}, "search": {"api"}}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*CONFIG["root_packages"])


def _modules(graph: grimp.ImportGraph, expressions: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for expression in expressions:
        found |= graph.find_matching_modules(expression) if "*" in expression else {expression}
    return found


def _defines_nothing(package: str) -> bool:
    """Whether the package's __init__ holds at most a docstring (importing it gains nothing)."""
    tree = ast.parse((ROOT / package.replace(".", "/") / "__init__.py").read_text(encoding="utf-8"))
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in tree.body)


def test_every_module_has_a_layer_when_its_package_is_a_container_of_an_exhaustive_contract(
    graph: grimp.ImportGraph,
) -> None:
    [packages] = [c for c in CONTRACTS if c["id"] == "packages"]
    assert set(packages["layers"]) == set(CONFIG["root_packages"])
    containers = _modules(
        graph,
        (name for c in CONTRACTS if c["type"] == "layers" and c.get("exhaustive") for name in c.get("containers", [])),
    )
    with_children = {module for module in graph.modules if graph.find_children(module)}
    assert sorted(with_children - containers) == []


def test_every_part_of_a_package_is_private_when_it_is_no_door(graph: grimp.ImportGraph) -> None:
    patterns = [name for c in CONTRACTS if c["type"] == "protected" for name in c["protected_modules"]]
    protected = _modules(graph, patterns)
    open_parts = [
        child
        for package, doors in DOORS.items()
        for child in sorted(graph.find_children(package))
        if child.rsplit(".", 1)[1] not in doors
        and child not in protected
        # A domain's modules are protected by `<package>.*.*`; its __init__ must then be empty.
        and not (graph.find_children(child) and f"{package}.*.*" in patterns and _defines_nothing(child))
    ]
    assert open_parts == []


def test_no_contract_ignores_an_import_when_checked() -> None:
    assert [c["id"] for c in CONTRACTS if "ignore_imports" in c] == []
