"""samsim: an open, physics-based simulator of long-range surface-to-air engagements.

Built from public figures only; a simulation and analysis tool with no interface to real
sensors or weapons.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any

from samsim.cachedir import cache_root, tree_fingerprint

__version__ = "0.1.0"


def source_fingerprint(*, fresh: bool = False) -> str:
    """A fingerprint of this copy of samsim's source: the path, size and modification time
    of every module of the package (20 hex digits; about 1 ms). Any edit changes it. Keys
    the warm daemon's socket (:mod:`samsim.daemon`) and remembers
    :func:`content_fingerprint`. Computed once per process, or again with ``fresh``."""
    global _fingerprint
    if _fingerprint is None or fresh:
        pkg = os.path.dirname(os.path.abspath(__file__))
        _fingerprint = tree_fingerprint(pkg, lambda name: name.endswith(".py"))
    return _fingerprint


_fingerprint: str | None = None


def content_fingerprint() -> str:
    """A fingerprint of the contents of samsim's modules (20 hex digits): the same for
    every copy of the same source, wherever it is and whenever it was written (a fresh
    clone, a new virtual environment), different after any edit. Keys numba's kernel
    cache (:func:`_numba_cache_dir`, :func:`samsim.jit.cache_locator`), so that a copy of
    a source already compiled on this machine loads its kernels instead of compiling
    them again.

    Reading and hashing the package takes about 5 ms, so the result is remembered under
    the cache folder by :func:`source_fingerprint` (paths, sizes and times: about 1 ms),
    and once per process.
    """
    global _content
    if _content is not None:
        return _content
    pkg = os.path.dirname(os.path.abspath(__file__))
    memo = os.path.join(cache_root(), "numba", "content", source_fingerprint())
    try:
        with open(memo, encoding="ascii") as fh:
            text = fh.read().strip()
        if len(text) == 20 and all(c in "0123456789abcdef" for c in text):
            _content = text
            return text
    except OSError:
        pass
    from samsim.cachedir import tree_content_fingerprint

    _content = tree_content_fingerprint(pkg, lambda name: name.endswith(".py"))
    try:
        os.makedirs(os.path.dirname(memo), exist_ok=True)
        tmp = f"{memo}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(_content)
        os.replace(tmp, memo)
    except OSError:
        pass  # an unwritable cache folder: computed again by the next process
    return _content


_content: str | None = None


def _numba_cache_dir() -> None:
    """Keep numba's compiled kernels per version of samsim's source.

    numba checks only a kernel's own file when it reuses its cache, so a kernel whose
    callee in another module changed keeps running the old callee's machine code (seen
    after a merge: event logs of every seed changed until the caches were deleted). Here
    the kernels go to ``<cache>/numba/<fingerprint>`` (:func:`content_fingerprint`), so
    any edit compiles afresh, and another copy of the same source (a fresh clone, a new
    virtual environment) finds the kernels compiled for the first (numba's own cache
    paths name the kernel's folder; :func:`samsim.jit.cache_locator` names it within the
    package instead). Folders of other versions unused for two weeks are removed. A
    ``NUMBA_CACHE_DIR`` set by the user is left alone.
    """
    if "NUMBA_CACHE_DIR" in os.environ or "numba" in sys.modules:
        return
    folder = os.path.join(cache_root(), "numba")
    here = os.path.join(folder, content_fingerprint())
    os.environ["NUMBA_CACHE_DIR"] = here
    try:
        os.makedirs(here, exist_ok=True)
        os.utime(here)
        stale = time.time() - 14 * 86400
        for entry in os.scandir(folder):
            if entry.name == "content" or entry.path == here or not entry.is_dir():
                continue
            if entry.stat().st_mtime < stale:
                import shutil

                shutil.rmtree(entry.path, ignore_errors=True)
        with os.scandir(os.path.join(folder, "content")) as memos:
            for entry in memos:  # content fingerprints remembered for old source versions
                if entry.stat().st_mtime < stale:
                    os.unlink(entry.path)
    except OSError:
        pass  # an unwritable cache folder: numba then compiles in memory only


_numba_cache_dir()

__all__ = ["__version__", "load_scenario", "saturate", "sensitivity", "simulate", "study"]

if TYPE_CHECKING:
    import pyarrow as pa

    from samsim.engine.run import Run
    from samsim.scenario.models import Scenario


def load_scenario(path: Any) -> Scenario:
    """Load and validate a scenario file (YAML); raises :class:`samsim.errors.ScenarioError`."""
    from samsim.scenario.loader import load_scenario as _load

    return _load(path)


def simulate(scenario: Scenario, seed: int = 0, **options: Any) -> Run:
    """Run one engagement; returns a :class:`samsim.engine.run.Run` (``.events``, ``.summary``)."""
    from samsim.engine.loop import simulate as _simulate

    return _simulate(scenario, seed=seed, **options)


def __getattr__(name: str) -> Any:
    """``samsim.study`` imports the study package on first use (it is callable:
    ``samsim.study(scenario, runs=..., sweep={...})``, see :func:`samsim.study.api.study`)."""
    if name == "study":
        import importlib

        return importlib.import_module("samsim.study")
    raise AttributeError(f"module 'samsim' has no attribute {name!r}")


def saturate(*args: Any, **kwargs: Any) -> pa.Table:
    """A saturation curve and its break point; see :func:`samsim.study.saturation.saturate`."""
    from samsim.study.saturation import saturate as _saturate

    return _saturate(*args, **kwargs)


def sensitivity(*args: Any, **kwargs: Any) -> pa.Table:
    """Effects of the catalogue's figures (a tornado table); see
    :func:`samsim.study.sensitivity.sensitivity`."""
    from samsim.study.sensitivity import sensitivity as _sensitivity

    return _sensitivity(*args, **kwargs)
