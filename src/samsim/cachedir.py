"""Where samsim keeps what it computes once: compiled kernels, tables, parsed catalogue."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable


def cache_root() -> str:
    """samsim's cache folder: ``$SAMSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/samsim``, else
    ``~/.cache/samsim`` (not created here)."""
    return os.environ.get("SAMSIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "samsim",
    )


def tree_fingerprint(directory: str, keep: Callable[[str], bool]) -> str:
    """A fingerprint of the files under ``directory`` whose names ``keep`` accepts: the
    path, size and modification time of each, in a fixed order (20 hex digits; about 1 ms
    for samsim's package). Any edit, added or removed file changes it; ``__pycache__``
    folders are skipped."""
    h = hashlib.blake2b(directory.encode(), digest_size=10)
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if keep(name):
                st = os.stat(os.path.join(root, name))
                h.update(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def tree_content_fingerprint(directory: str, keep: Callable[[str], bool]) -> str:
    """A fingerprint of the contents of the files under ``directory`` whose names ``keep``
    accepts: the path of each relative to ``directory``, its length and its bytes, in a
    fixed order (20 hex digits; about 5 ms for samsim's package). Two copies of the same
    files in different folders, with different modification times (another clone, another
    virtual environment), give the same fingerprint; any edit, added or removed file
    changes it. ``__pycache__`` folders are skipped."""
    h = hashlib.blake2b(digest_size=10)
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if keep(name):
                path = os.path.join(root, name)
                with open(path, "rb") as fh:
                    data = fh.read()
                rel = os.path.relpath(path, directory).replace(os.sep, "/")
                h.update(f"{rel}\0{len(data)}\0".encode())
                h.update(data)
    return h.hexdigest()


def process_umask() -> int:
    """The process's umask, read without changing it (``/proc/self/status`` on Linux; else
    set and restored at once). Files samsim writes through a temporary file (created 0600)
    take ``0o666 & ~umask`` and folders ``0o777 & ~umask``, as ``open`` and ``mkdir``
    would give them."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
