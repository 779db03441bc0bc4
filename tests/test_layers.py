"""The desk's map holds: packages depend in one direction, and a request's status changes in one
module. (What a newcomer reads in README's Layout is checked here, so it stays true.)"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

DESK = Path(__file__).resolve().parent.parent / "desk"

# The core every domain stands on: it imports no domain.
CORE = {"requests", "extensions", "ids", "timeutil", "validation", "writebehind"}


def _imports() -> dict[str, dict[str, set[str]]]:
    """Package (or top-level module) of desk/ → the desk packages it imports → from where."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in DESK.rglob("*.py"):
        parts = path.relative_to(DESK).with_suffix("").parts
        unit = parts[0]
        if unit == "__init__":  # create_app wires everything: the top, not a domain
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = ([f"desk.{a.name}" for a in node.names] if node.module == "desk"
                         else [node.module])
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name == "workers" or name.startswith("workers."):
                    graph.setdefault(unit, {}).setdefault("workers", set()).add(str(path))
                if name.startswith("desk."):
                    target = name.split(".")[1]
                    if target != unit:
                        graph.setdefault(unit, {}).setdefault(target, set()).add(
                            str(path.relative_to(DESK)))
    return graph


def test_packages_depend_in_one_direction():
    graph = _imports()
    try:
        order = list(TopologicalSorter({k: set(v) for k, v in graph.items()}).static_order())
    except CycleError as cycle:
        raise AssertionError(f"an import circle between packages: {cycle.args[1]}") from None
    assert "workers" not in {t for targets in graph.values() for t in targets}, \
        "desk/ never imports workers/"
    for unit in CORE:
        above = set(graph.get(unit, {})) - CORE
        assert not above, f"the core package {unit} imports {above}"
    # The lifecycle stands on classify and routing; conversation and the doors stand on it.
    assert order.index("classify") < order.index("routing") < order.index("lifecycle")
    for door in ("conversation", "mail", "workspace", "api", "intake", "cli"):
        assert "lifecycle" not in graph or door not in graph["lifecycle"]


def test_only_the_lifecycle_moves_a_request():
    """Every `move()` of a request's status is in desk/lifecycle.py, and nothing else sets a
    request's status (an offer's status and an error's are other things)."""
    movers, setters = set(), set()
    for path in DESK.rglob("*.py"):
        where = str(path.relative_to(DESK))
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "move"):
                movers.add(where)
            targets = (node.targets if isinstance(node, ast.Assign)
                       else node.elts if isinstance(node, ast.Tuple) else [])
            for target in targets:
                if (isinstance(target, ast.Attribute) and target.attr == "status"
                        and isinstance(target.value, ast.Name)
                        and target.value.id not in ("offer", "self")):
                    setters.add(where)
    assert movers == {"lifecycle.py"}
    assert setters == {"requests/status.py"}  # move() itself


def test_theme_labels_name_the_vocabulary():
    from desk.requests.vocabulary import THEMES
    from desk.seed.data import THEME_LABELS

    assert tuple(slug for slug, *_ in THEME_LABELS) == THEMES
