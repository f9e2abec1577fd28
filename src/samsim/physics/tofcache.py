"""On-disk cache of the command post's time-of-flight tables, which cost seconds to build
and depend only on the missile and samsim's code.

A table is stored under a key that hashes its inputs and the source of every module of
the installed samsim package, so an edited model never reads a stale table. Entries are
``.npz`` files (arrays bit for bit as computed) written atomically; an unreadable entry is
rebuilt, and a cache folder that cannot be written is skipped silently. The folder is
``$SAMSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/samsim``, else ``~/.cache/samsim`` (the
folder of the Pk tables, :mod:`samsim.physics.pk_table`), under ``tof/``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    from samsim.physics.missile import MissileSpec
    from samsim.physics.toftable import TofTable

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parents[1]  # the samsim package
_MEMORY: dict[str, Any] = {}
"""This process's tables by key."""


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the source of every module of the samsim package (paths and bytes)."""
    h = hashlib.sha256(np.__version__.encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _save(path: Path, obj: Any) -> None:
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, np.ndarray):
            arrays[f.name] = v
        else:
            scalars[f.name] = v
    arrays["__scalars__"] = np.frombuffer(json.dumps(scalars).encode(), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path, cls: type[T]) -> T:
    with np.load(path, allow_pickle=False) as z:
        fields = {k: z[k] for k in z.files if k != "__scalars__"}
        fields.update(json.loads(z["__scalars__"].tobytes().decode()))
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if set(fields) != names:
        raise ValueError(f"cache entry {path}: fields {sorted(fields)}, expected {sorted(names)}")
    return cls(**fields)


def cached_table(kind: str, inputs: str, cls: type[T], build: Callable[[], T]) -> T:
    """The table of ``kind`` for ``inputs`` (a canonical string of everything it is built
    from): from this process's memory, else from disk, else ``build()`` (then stored).

    ``cls`` is a dataclass whose fields are numpy arrays and JSON scalars.
    """
    key = hashlib.sha256(f"{kind}\0{inputs}\0{code_digest()}".encode()).hexdigest()[:32]
    hit = _MEMORY.get(key)
    if hit is not None:
        return hit
    from samsim.physics.pk_table import cache_dir  # (one cache folder for both tables)

    path = cache_dir() / kind / f"{key}.npz"
    table: T | None = None
    if path.is_file():
        try:
            table = _load(path, cls)
        except (OSError, ValueError, KeyError, TypeError):
            table = None  # unreadable or foreign: rebuilt and overwritten below
    if table is None:
        table = build()
        # a read-only home or a full disk costs time, never a result
        with contextlib.suppress(OSError):
            _save(path, table)
    _MEMORY[key] = table
    return table


def tof_table(spec: MissileSpec, n_ranges: int = 28, n_alts: int = 12) -> TofTable:
    """:func:`samsim.physics.envelope.tof_table`, kept on disk between processes.

    The table is a pure function of the missile spec, the grid and the flyout code, and
    building it flies a few thousand interceptors (0.2 to 2 s per type); every process
    that plans engagements needs it.
    """
    from samsim.physics import envelope
    from samsim.physics.toftable import TofTable

    # repr keeps every float exactly (JSON would write inf and NaN as null)
    inputs = f"{spec.model_dump()!r}\0{n_ranges}\0{n_alts}"
    return cached_table(
        "tof",
        inputs,
        TofTable,
        lambda: envelope.tof_table(spec, n_ranges=n_ranges, n_alts=n_alts),
    )
