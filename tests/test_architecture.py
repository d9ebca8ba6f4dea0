"""The library's architecture: packages in one layer order (data flows one way), no import circle.

world -> slice -> masks -> runs -> tables -> claim checks -> grades -> record: a module may import
its own package and the layers below it, never one above. Imports inside functions count too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "lib"
# Bottom to top; one entry per layer.
LAYERS = (
    ("conventions", "roles", "cache"),  # foundations: plain settings and the cache's primitives
    ("paper",),  # the paper as data: its result sentences, its tables' values
    ("stats",),  # bootstrap, sign-flip and permutation tests, Holm families
    ("engine",),  # models, sites, hooks, runs, images, masks, drift
    ("data",),  # readers, slices, synthetic scenes, fetch
    ("toy", "train"),  # toy encoders built by code; encoders trained here (the trained world)
    ("worlds",),  # checkpoints + data of a run
    ("tables",),  # the paper's experiments as cached tables
    ("claim",),  # what a claim is and what the claims' checks share (tables in, verdict out)
    ("grading",),  # direction, magnitude and diagnostic of a claim cell
    ("record",),  # JSON record, HTML, figures, provenance
    ("suite",),  # the pytest plugin
    ("cli",),
)
MAX_TOP_MODULES = 5


def _unit(module: str) -> str:
    """'jepa_claims.engine.runs' -> 'engine'; 'jepa_claims.cache' -> 'cache'."""
    return module.split(".")[1] if module.count(".") else ""


def _layer(unit: str) -> int:
    """Index of a package's layer (lower imports nothing above it)."""
    for index, names in enumerate(LAYERS):
        if unit in names:
            return index
    raise AssertionError(f"lib/{unit} is in no layer of tests/test_architecture.py LAYERS")


def _module_name(path: Path) -> str:
    """Dotted module name of a library file."""
    parts = path.relative_to(LIB).with_suffix("").parts
    return ".".join(("jepa_claims",) + (parts[:-1] if parts[-1] == "__init__" else parts))


def library_imports() -> dict[str, set[str]]:
    """Every library module -> the library modules it imports (absolute; relative imports are refused)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(LIB.rglob("*.py")):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import; the library imports jepa_claims.* absolutely"
                if node.module and node.module.startswith("jepa_claims"):
                    imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.startswith("jepa_claims")}
        graph[_module_name(path)] = imported
    return graph


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a package above the importer's layer."""
    return [f"{module} -> {target}" for module, targets in graph.items() if _unit(module)
            for target in targets if _unit(target) and _layer(_unit(target)) > _layer(_unit(module))]


def test_every_import_goes_down_the_layer_order():
    """No module imports a package above its own layer."""
    upward = upward_imports(library_imports())
    assert not upward, "imports against the data flow:\n" + "\n".join(upward)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among library modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_circle():
    """No chain of library imports leads back to where it started (package __init__ re-exports excluded)."""
    graph = {m: {t for t in ts if not _is_package(t)} for m, ts in library_imports().items()}
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def _is_package(module: str) -> bool:
    """True for a package (its __init__), whose importing a submodule is not a circle."""
    return (LIB.joinpath(*module.split(".")[1:]) / "__init__.py").exists()


def test_top_level_holds_packages_and_a_handful_of_modules():
    """lib/ is packages plus at most a few foundation modules."""
    modules = sorted(p.name for p in LIB.glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= MAX_TOP_MODULES, modules
    for path in LIB.iterdir():
        if path.is_dir() and not path.name.startswith((".", "_")):
            assert (path / "__init__.py").exists(), f"lib/{path.name} is not a package"
            _layer(path.name)


@pytest.mark.parametrize("planted", ["upward", "circle"])
def test_checks_catch_planted_violations(planted):
    """The two checks fail on a planted upward import and a planted circle."""
    if planted == "circle":
        assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    else:
        graph = {"jepa_claims.engine.runs": {"jepa_claims.record.summary", "jepa_claims.engine.hooks"}}
        assert upward_imports(graph) == ["jepa_claims.engine.runs -> jepa_claims.record.summary"]
