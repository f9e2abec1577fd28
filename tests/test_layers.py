"""The package's layers: dependencies point down the chain (docs/architecture.md).

Every import counts, including those under ``TYPE_CHECKING`` and inside functions: an
import for types is still an arrow from one room of the house to another.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "samsim"

#: Which packages each package may import (besides itself). The top-level modules
#: ``units``, ``errors``, ``rng``, ``jit`` (numba kernels made on first use),
#: ``cachedir`` and ``lsap`` (the assignment solver) are the floor everyone may use.
FLOOR = {"units", "errors", "rng", "jit", "cachedir", "lsap"}
ALLOWED: dict[str, set[str]] = {
    "units": set(),
    "errors": set(),
    "rng": set(),
    "scenario": set(),
    "geo": {"scenario"},
    "physics": {"scenario", "geo"},
    "sensors": {"scenario", "geo", "physics"},
    "tracking": set(),
    "c2": {"scenario", "geo", "physics", "tracking"},
    "engine": {"scenario", "geo", "physics", "sensors", "tracking", "c2"},
}

#: Module-level import cycles that are known and owned elsewhere (the lead engineer is
#: rewriting these two files); any other cycle fails.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``samsim...`` module a file imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("samsim"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            if mod.startswith("samsim"):
                out.add(mod)
                # ``from samsim.x import y`` may import the submodule samsim.x.y
                out.update(f"{mod}.{a.name}" for a in node.names)
    return out


@functools.cache
def _graph() -> dict[str, set[str]]:
    """The import graph, parsed once per process when a test first asks (not at collection:
    every xdist worker collects this module)."""
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    return {m: {i for i in _imports(p) if i in files and i != m} for m, p in files.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    allowed = ALLOWED[layer] | FLOOR | {layer}
    bad = sorted(
        f"{m} imports {i}"
        for m, deps in _graph().items()
        if _package(m) == layer
        for i in deps
        if _package(i) not in allowed
    )
    assert not bad, "\n".join(bad)


#: Modules that run the command line: the console script (which hands a command to a warm
#: daemon or runs it), the daemon's process, and ``python -m samsim``.
ENTRY_POINTS = {"samsim.__main__", "samsim.launcher", "samsim.daemon_server"}


def test_nothing_imports_the_command_line() -> None:
    bad = sorted(
        f"{m} imports {i}"
        for m, deps in _graph().items()
        for i in deps
        if i == "samsim.cli" and m not in ENTRY_POINTS
    )
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_modules() -> None:
    """Strongly connected components of the module graph (Tarjan), other than the
    known one, are cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[frozenset[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(_graph()[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(frozenset(comp))

    for v in sorted(_graph()):
        if v not in index:
            visit(v)
    # a package's __init__ importing its own submodules is not a cycle between rooms
    real = [
        c
        for c in cycles
        if c not in KNOWN_CYCLES and not any(m + "." in n for m in c for n in c if m != n)
    ]
    assert not real, [sorted(c) for c in real]


def test_the_rules_see_the_imports_they_forbid() -> None:
    """The checker itself: a TYPE_CHECKING import and a relative import are seen."""
    src = SRC / "c2" / "command_post.py"
    deps = _imports(src)
    assert "samsim.c2.doctrine" in deps
    assert "samsim.c2.view" in deps  # imported under TYPE_CHECKING
