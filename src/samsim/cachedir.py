"""Where samsim keeps what it computes once: compiled kernels, tables, parsed catalogue."""

from __future__ import annotations

import os


def cache_root() -> str:
    """samsim's cache folder: ``$SAMSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/samsim``, else
    ``~/.cache/samsim`` (not created here)."""
    return os.environ.get("SAMSIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "samsim",
    )
