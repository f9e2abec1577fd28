"""Seeded random streams: one per subsystem, keyed by name, so runs are reproducible.

A run is a pure function of (scenario, seed). Each subsystem (a radar, the tracker, the
threat generator) draws from its own stream derived from the run seed and a stable hash
of its name, so adding a radar does not reshuffle the noise of the others.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Largest run seed: seeds are stored as 64-bit signed integers (a study's results table).
MAX_SEED = 2**63 - 1


def stream_key(name: str) -> int:
    """Stable 32-bit key of a stream name (CRC-32 of its UTF-8 bytes)."""
    return zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF


def child_seed(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of stream ``name`` in the run seeded ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    return np.random.SeedSequence(entropy=seed, spawn_key=(stream_key(name),))


def stream(seed: int, name: str) -> np.random.Generator:
    """A PCG64 generator for stream ``name`` of the run seeded ``seed``."""
    return np.random.Generator(np.random.PCG64(child_seed(seed, name)))
