"""Compile samsim's kernels ahead of their first call, on every core.

numba compiles a kernel the first time it is called, one kernel after another, in the
process that calls it: the first run after installing or updating samsim spends a minute
or more of one core compiling (about 90 s of CPU for the flagship example), and a test
session's workers each compile the same kernels at the same moment. The signatures that
the example scenarios call are listed in ``kernels.json`` beside this module, with the
time each took to compile; :func:`precompile` compiles them into numba's on-disk cache in
several processes at once, the longest first (each process takes the next kernel from a
shared list), so that a run then only loads them. A kernel or signature that the list
misses is compiled when first called, as before; one the code no longer has is skipped.

``python tools/write_kernel_list.py`` runs the example scenarios and a coverage map in a
fresh cache and writes the list again (after changing a kernel's arguments);
``tests/test_precompile.py`` checks that the flagship example calls nothing the list
misses. ``python -m samsim.precompile`` compiles the list (``--processes N``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

MANIFEST = Path(__file__).with_name("kernels.json")

#: JSON form of a numba type: "float64", "int64", "bool", ...;
#: ["array", dtype, ndim, layout, readonly]; ["tuple", [items]]; ["unituple", item, n]
TypeSpec = Any


def type_spec(t: Any) -> TypeSpec:
    """The JSON form of numba type ``t`` (arrays, tuples and numeric or boolean scalars).

    Raises
    ------
    TypeError
        For any other type, and for literal (constant) arguments (the signature is then
        left out of the list).
    """
    from numba.core import types

    if isinstance(t, types.Literal):  # a constant argument: only kernels pass one (a
        raise TypeError(f"no JSON form for numba type {t}")  # callee, compiled in its caller)
    if isinstance(t, types.Array):
        return ["array", type_spec(t.dtype), t.ndim, t.layout, not t.mutable]
    if isinstance(t, types.UniTuple):
        return ["unituple", type_spec(t.dtype), t.count]
    if isinstance(t, types.Tuple):
        return ["tuple", [type_spec(x) for x in t.types]]
    if isinstance(t, types.Boolean):
        return "bool"
    if isinstance(t, (types.Integer, types.Float)):
        return str(t)
    raise TypeError(f"no JSON form for numba type {t}")


def numba_type(spec: TypeSpec) -> Any:
    """The numba type of a :func:`type_spec` form."""
    from numba.core import types

    if isinstance(spec, str):
        return types.boolean if spec == "bool" else getattr(types, spec)
    kind = spec[0]
    if kind == "array":
        _, dtype, ndim, layout, readonly = spec
        return types.Array(
            numba_type(dtype),
            int(ndim),
            layout,  # "C", "F" or "A"
            readonly=bool(readonly),
        )
    if kind == "unituple":
        return types.UniTuple(numba_type(spec[1]), int(spec[2]))
    if kind == "tuple":
        return types.Tuple([numba_type(x) for x in spec[1]])
    raise ValueError(f"unknown type form {spec!r}")


def loaded_kernels(package: str = "samsim") -> Iterator[tuple[str, Any]]:
    """``("module:qualname", dispatcher)`` of every kernel of the loaded modules that
    is reachable by name (each once, under its defining module)."""
    from numba.core.registry import CPUDispatcher

    seen: set[int] = set()
    for name, module in sorted(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for obj in list(vars(module).values()):
            if not isinstance(obj, CPUDispatcher) or id(obj) in seen:
                continue
            fn = obj.py_func
            if fn.__module__ != name or "<locals>" in fn.__qualname__:
                continue
            seen.add(id(obj))
            yield f"{name}:{fn.__qualname__}", obj


def _dispatcher(kernel: str) -> Any:
    from samsim.jit import load_kernels

    module_name, _, qualname = kernel.partition(":")
    module = importlib.import_module(module_name)
    load_kernels()
    return getattr(module, qualname)


def compile_one(kernel: str, signature: Sequence[TypeSpec]) -> float:
    """Compile (or load from the cache) one signature of a kernel; its CPU seconds.

    Returns NaN when the kernel no longer exists or no longer takes that signature."""
    t0 = time.process_time()
    try:
        disp = _dispatcher(kernel)
        disp.compile(tuple(numba_type(s) for s in signature))
    except Exception:  # a stale entry: the run compiles what it calls, as always
        return float("nan")
    return time.process_time() - t0


def read_manifest(path: Path = MANIFEST) -> list[dict[str, Any]]:
    """The list's entries (``kernel``, ``signature``, ``compile_s``), longest first; an
    empty list if the file is missing or unreadable."""
    try:
        entries = json.loads(path.read_text())["kernels"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return sorted(entries, key=lambda e: -float(e.get("compile_s", 0.0)))


def default_processes() -> int:
    """The processes :func:`precompile` uses by default: the cores this process may run
    on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def precompile(n_processes: int | None = None, path: Path = MANIFEST) -> int:
    """Compile the listed kernels into numba's cache in ``n_processes`` processes
    (default: :func:`default_processes`), this one included; returns the number of
    signatures listed.

    The work is a shared queue, a temporary folder of claimed indices: each process takes
    the longest kernel not taken yet. Kernels already in the cache only load. Kernels
    that several listed ones call are compiled by each process that needs them (numba
    types a callee within its caller), which costs little beside the callers.
    """
    entries = read_manifest(path)
    if not entries:
        return 0
    n = max(1, min(n_processes or default_processes(), len(entries)))
    with tempfile.TemporaryDirectory(prefix="samsim-precompile-") as tmp:
        queue = Path(tmp)
        children = [
            subprocess.Popen(
                [sys.executable, "-m", "samsim.precompile", "--worker", str(queue), str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(n - 1)
        ]
        try:
            _work(queue, entries)
        finally:
            for child in children:
                child.wait()
    return len(entries)


def _claim(queue: Path, index: int) -> bool:
    """Whether this process took entry ``index`` (an exclusive create: one winner)."""
    try:
        fd = os.open(queue / f"{index}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _work(queue: Path, entries: list[dict[str, Any]]) -> None:
    for i, entry in enumerate(entries):
        if _claim(queue, i):
            compile_one(entry["kernel"], entry["signature"])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m samsim.precompile", description=__doc__)
    ap.add_argument("--processes", type=int, default=None, help="default: every core")
    ap.add_argument(
        "--if-cold",
        action="store_true",
        help="only if the engine's kernels are not in numba's cache yet (a first run)",
    )
    ap.add_argument("--worker", nargs=2, metavar=("QUEUE", "MANIFEST"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _work(Path(args.worker[0]), read_manifest(Path(args.worker[1])))
    else:
        if args.if_cold:
            import samsim.engine.loop  # noqa: F401 (the kernels a run calls)
            from samsim.console import kernels_need_compiling

            if not kernels_need_compiling():
                return 0
        t0 = time.perf_counter()
        n = precompile(args.processes)
        print(
            f"samsim: {n} kernel signatures compiled (or loaded from numba's cache) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
