"""samsim's numba kernels, made when first needed.

``@njit(cache=True, ...)`` takes numba's options but does not import numba: it returns a
:class:`Kernel` that imports numba and builds every kernel's dispatcher on its first call
(``numba.njit`` with the same options; compiled code comes from numba's on-disk cache as
before). Commands that call no kernel (``samsim --help``, ``schema``, ``catalog``) thus
never pay numba's start-up (0.15-0.3 s to import, 0.2-0.4 s more for its first kernel).

``samsim validate`` calls a few kernels while it compiles the world (terrain heights,
geodetic conversions, trajectory profiles), each on a handful of points: inside
:func:`interpreted` they run as the plain Python functions they are written as, until
they have taken ``budget_s`` of CPU time in all; then numba is loaded and the rest runs
compiled.
A kernel that maps a scalar kernel over many points may have a numpy form for this
(:func:`interpret_as`: the same arithmetic on whole arrays, tested against the compiled
kernel), since a Python loop over thousands of points would take longer than loading
numba.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

__all__ = [
    "Kernel",
    "cache_locator",
    "interpret_as",
    "interpreted",
    "kernels_loaded",
    "load_kernels",
    "njit",
]

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.RLock()
_pending: list[Kernel] = []
_loaded = False


class _Interpreting(threading.local):
    """This thread's :func:`interpreted` state."""

    def __init__(self) -> None:
        self.active = 0
        self.depth = 0
        self.budget_s = 0.0
        self.spent_s = 0.0


_state = _Interpreting()


class Kernel:
    """A numba kernel not built yet: ``py_func`` and the options of its ``numba.njit``.

    Calling it builds every pending kernel (:func:`load_kernels`) and calls the
    dispatcher, or, inside :func:`interpreted` while numba is not loaded, runs
    ``py_func`` (or its numpy form, ``interpret``).
    """

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self.dispatcher: Any = None
        self.interpret: Callable[..., Any] = py_func
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__
        self.__wrapped__ = py_func

    def __call__(self, *args: Any) -> Any:
        if self.dispatcher is None and _state.active and not _loaded:
            if _state.depth:  # called from an interpreted kernel: its time is counted there
                return self.interpret(*args)
            if _state.spent_s <= _state.budget_s:
                done, out = self._interpret(args)
                if done:
                    return out
        if self.dispatcher is None:
            load_kernels()
        return self.dispatcher(*args)

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Pickled by name, as a function is: unpickled as its module's kernel."""
        return _kernel_named, (self.__module__, self.__qualname__)

    def _interpret(self, args: tuple[Any, ...]) -> tuple[bool, Any]:
        """``(True, result)`` of the Python form, or ``(False, None)`` if it raised: the
        arrays it was given are then restored, and the compiled kernel decides (Python
        raises where numba does not: ``math.sqrt(-1.0)``, ``int(nan)``, an index out of
        bounds), so an input error or an exception is always the compiled kernel's."""
        import numpy as np

        saved = [(a, a.copy()) for a in args if isinstance(a, np.ndarray)]
        t = time.thread_time()  # CPU time: a busy machine does not exhaust the budget
        _state.depth += 1
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # numba computes inf and nan silently
                return True, self.interpret(*args)
        except Exception:
            for a, copy in saved:
                a[...] = copy
            return False, None
        finally:
            _state.depth -= 1
            _state.spent_s += time.thread_time() - t

    def __repr__(self) -> str:
        return f"<samsim kernel {self.__module__}.{self.__qualname__} (not loaded)>"


def _kernel_named(module: str, qualname: str) -> Any:
    import importlib

    return getattr(importlib.import_module(module), qualname)


def njit(*args: Any, **options: Any) -> Any:
    """``numba.njit`` made on first use: ``@njit(cache=True, inline="always")`` (options
    only; no signatures) or ``@njit``. Once numba is loaded, returns numba's dispatcher at
    once."""
    if args and (len(args) > 1 or not callable(args[0]) or options):
        raise TypeError("samsim.jit.njit takes numba's keyword options only (no signatures)")

    def wrap(func: F) -> F:
        with _lock:
            if _loaded:
                import numba

                return numba.njit(**options)(func)
            kernel = Kernel(func, options)
            _pending.append(kernel)
            return kernel  # type: ignore[return-value]

    return wrap(args[0]) if args else wrap


def interpret_as(kernel: Any) -> Callable[[F], F]:
    """Decorator: the function is ``kernel``'s numpy form, run in its place inside
    :func:`interpreted` (same arguments, same results; a kernel that loops over points
    computes them all at once). Nothing once numba is loaded."""

    def wrap(func: F) -> F:
        if isinstance(kernel, Kernel):
            kernel.interpret = func
        return func

    return wrap


def load_kernels() -> None:
    """Import numba and build every pending kernel's dispatcher, and put the dispatchers
    in place of the kernels in samsim's modules (so that kernels calling kernels see
    numba's dispatchers when numba types them). Idempotent."""
    global _loaded
    with _lock:
        if _loaded:
            return
        import numba

        cache_locator()
        for k in _pending:
            k.dispatcher = numba.njit(**k.options)(k.py_func)
        for name, module in list(sys.modules.items()):
            if module is None or not (name == "samsim" or name.startswith("samsim.")):
                continue
            space = vars(module)
            for attr, value in list(space.items()):
                if isinstance(value, Kernel):
                    space[attr] = value.dispatcher
        _pending.clear()
        _loaded = True


_locator: type | None = None


def cache_locator() -> type | None:
    """Install (once) numba's cache locator for samsim's kernels, and return it (None if
    this numba's caching internals are not the expected ones: numba's own locators then
    apply, as before).

    numba keeps a kernel compiled with ``cache=True`` in ``$NUMBA_CACHE_DIR`` under a
    folder named from the absolute path of the kernel's file, and reuses it while that
    file is unchanged. For samsim's modules this locator names the folder from the
    module's path within the package (``samsim.engine``, ...) and stamps every entry with
    :func:`samsim.content_fingerprint`: a kernel is reused only by a copy of exactly the
    same source, which may be in another folder (a fresh clone, a new virtual environment
    on the same machine). Without ``NUMBA_CACHE_DIR`` (numba was imported before samsim
    could set it) the folder is the one samsim would have set. Kernels outside the package
    (tests, user code) keep numba's locators.
    """
    global _locator
    if _locator is not None:
        return _locator
    import os

    try:
        import numba
        from numba.core import caching, config
    except ImportError:  # pragma: no cover - numba is a core dependency
        return None
    base = getattr(caching, "UserProvidedCacheLocator", None) or getattr(
        caching, "_UserProvidedCacheLocator", None
    )
    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    classes = getattr(impl, "_locator_classes", None)
    if base is None or not isinstance(classes, list):
        return None
    import samsim
    from samsim.cachedir import cache_root

    version = getattr(numba, "__version__", "")

    package = os.path.dirname(os.path.abspath(samsim.__file__))

    class SamsimCacheLocator(base):  # type: ignore[misc, valid-type]
        """numba's user-provided locator, with folders and stamps for samsim's modules
        that do not depend on where the package is (:func:`cache_locator`)."""

        def __init__(self, py_func: Any, py_file: str) -> None:
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            rel = os.path.relpath(os.path.dirname(os.path.abspath(py_file)), package)
            parts = [] if rel == os.curdir else rel.split(os.sep)
            # numba imported before samsim (so before NUMBA_CACHE_DIR was set): samsim's folder
            root = getattr(config, "CACHE_DIR", "") or os.path.join(
                cache_root(), "numba", samsim.content_fingerprint()
            )
            # numba's version in the name: two environments with different numbas do not
            # overwrite each other's index (numba drops an index of another version)
            self._cache_path = os.path.join(root, ".".join([f"samsim-numba{version}", *parts]))

        def get_cache_path(self) -> str:
            return self._cache_path

        def get_source_stamp(self) -> object:
            return ("samsim", samsim.content_fingerprint())

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> Any:
            path = os.path.abspath(py_file)
            if not os.path.exists(path) or os.path.commonpath([path, package]) != package:
                return None  # not samsim's: numba's locators
            self = cls(py_func, py_file)
            try:
                self.ensure_cache_path()
            except OSError:
                return None  # an unwritable folder: numba's locators (or none: in memory)
            return self

    classes.insert(0, SamsimCacheLocator)
    _locator = SamsimCacheLocator
    return _locator


def kernels_loaded() -> bool:
    """Whether numba and the kernels are loaded in this process."""
    return _loaded


@contextlib.contextmanager
def interpreted(budget_s: float = 0.25) -> Iterator[None]:
    """Run kernels called in this block (by this thread) as plain Python while numba is
    not loaded, until they have taken ``budget_s`` seconds of this thread's CPU time in all
    (CPU, not wall, time: on a loaded machine the work and numba's loading slow alike);
    then load numba.

    For work that calls kernels on a few points (``samsim validate``), where importing
    numba and loading the compiled kernels would take longer than the work itself.
    """
    s = _state
    saved = (s.budget_s, s.spent_s)
    if not s.active:
        s.budget_s, s.spent_s = budget_s, 0.0
    s.active += 1
    try:
        yield
    finally:
        s.active -= 1
        if not s.active:
            s.budget_s, s.spent_s = saved
