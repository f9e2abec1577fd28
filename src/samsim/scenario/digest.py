"""What a scenario runs, as one SHA-256: the key of the compiled-world cache and of a
study's scenario.

The digest covers everything a world is built from: the validated scenario (its canonical
JSON, SI units, every float written exactly), the catalogue files its names resolve
against, and the bytes of the files it reads (a DEM). Two scenarios with the same text in
two folders, each next to its own ``dem.tif``, get different digests.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from samsim.scenario.models import Scenario

_CHUNK = 1 << 20
#: File digests by path, with the (size, mtime, inode) they were computed for: a file is
#: read again only when its metadata changes.
_FILES: dict[str, tuple[tuple[int, int, int], str]] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of the file's bytes, or ``"unreadable: <reason>"`` (the compile then reports
    the file with its own error)."""
    key = str(path.resolve())
    try:
        st = os.stat(key)
        meta = (st.st_size, st.st_mtime_ns, st.st_ino)
        hit = _FILES.get(key)
        if hit is not None and hit[0] == meta:
            return hit[1]
        h = hashlib.sha256()
        with open(key, "rb") as fh:
            while block := fh.read(_CHUNK):
                h.update(block)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    _FILES[key] = (meta, h.hexdigest())
    return h.hexdigest()


@cache
def _catalog_digest(directory: str) -> str:
    h = hashlib.sha256()
    for f in sorted(Path(directory).glob("*.yaml")):
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 (hex) of what ``scenario`` runs: its content, the catalogue, its files."""
    from samsim.scenario.catalog import catalog_dir

    h = hashlib.sha256()
    h.update(b"scenario\0" + scenario.model_dump_json().encode("utf-8"))
    h.update(b"\0catalog\0" + _catalog_digest(str(catalog_dir())).encode())
    dem = scenario.terrain_file()
    if dem is not None:
        h.update(b"\0dem\0" + file_digest(dem).encode())
    return h.hexdigest()
