"""The package's layout: wings import only wings below them, analyses never each other, no import circles,
no oversized modules. Imports are read from the source with ``ast`` (nothing is executed)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from talentmarket import paths

PACKAGE = paths.PACKAGE_DIR
WING_RANKS = {
    "ground": 0,  # paths.py, errors.py
    "data": 1,
    "stats": 2,
    "scale": 3,
    "results": 3,
    "analyses": 4,
    "report": 5,
    "cli": 6,  # __main__.py
}
"""A wing may import its own modules and wings of a strictly lower rank (scale and results are peers, so
neither imports the other)."""

MAX_MODULE_LINES = 700


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path, package: str) -> set[str]:
    """Every talentmarket module the file imports, at any depth (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == "talentmarket" or base.startswith("talentmarket."):
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("talentmarket"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {target for target in _imports(path, package) if target in modules and target != name}
    return graph


def wing(module: str) -> str:
    """The wing a module belongs to: its first sub-package, ``ground`` for top-level modules, ``cli`` for __main__."""
    parts = module.split(".")
    if len(parts) == 1:
        return "ground"
    if parts[1] in WING_RANKS:
        return parts[1]
    return "cli" if parts[1] == "__main__" else "ground"


def _analysis(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "analyses" else None


def test_every_module_belongs_to_a_known_wing():
    unknown = [name for name in _modules() if len(name.split(".")) > 2 and name.split(".")[1] not in WING_RANKS]
    assert not unknown, f"modules outside the wings {sorted(WING_RANKS)}: {unknown}"
    top_level = sorted(name for name in _modules() if wing(name) == "ground" and name != "talentmarket")
    assert top_level == ["talentmarket.errors", "talentmarket.paths"], top_level


def test_wings_import_only_wings_below_them():
    upward = []
    for source, targets in _graph().items():
        for target in targets:
            if wing(target) == wing(source) or target == "talentmarket":
                continue
            if WING_RANKS[wing(target)] >= WING_RANKS[wing(source)]:
                upward.append(f"{source} ({wing(source)}) imports {target} ({wing(target)})")
    assert not upward, "imports into a wing that is not below:\n" + "\n".join(sorted(upward))


def test_analyses_never_import_each_other():
    crossing = [
        f"{source} imports {target}"
        for source, targets in _graph().items()
        for target in targets
        if _analysis(source) and _analysis(target) and _analysis(source) != _analysis(target)
    ]
    assert not crossing, "\n".join(sorted(crossing))


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules around it, or None (depth-first search with colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if colour.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in colour and (cycle := visit(target)):
                return cycle
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if node not in colour and (cycle := visit(node)):
            return cycle
    return None


def test_there_are_no_import_circles():
    # A package's __init__ importing its own submodules is not a circle (``import a.b`` runs ``a`` first anyway).
    graph = {
        source: {target for target in targets if not (source.startswith("talentmarket.") and target.startswith(source + ".") or target == "talentmarket")}
        for source, targets in _graph().items()
    }
    cycle = _find_cycle(graph)
    assert cycle is None, "import circle: " + " → ".join(cycle)


def test_the_cycle_finder_finds_a_planted_circle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("name", sorted(_modules()))
def test_modules_stay_readable_in_size(name):
    lines = len(_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it where it mixes concerns (limit {MAX_MODULE_LINES})"


def test_every_wing_says_what_lives_there_and_what_it_may_import():
    for name in ["data", "stats", "scale", "results", "analyses", "report"]:
        doc = ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "import" in doc.lower(), f"talentmarket.{name}/__init__.py needs a docstring saying what it may import"
