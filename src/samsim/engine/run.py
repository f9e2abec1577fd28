"""A finished run: its event log, trajectories and summary, and how they are written."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from samsim.cachedir import process_umask
from samsim.scenario.models import Scenario


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, fsync,
    rename), so a reader never sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600; results take the mode any written file would (umask).
        os.fchmod(fd, 0o666 & ~process_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    """Write an Arrow table as Parquet atomically (see :func:`atomic_write_bytes`)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


#: The files of a run folder, as :meth:`Run.write` writes them.
RUN_FILES = ("events.parquet", "trajectories.parquet", "summary.json", "scenario.json")


@dataclass
class Run:
    """One engagement run.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    events : pyarrow.Table
        The event log (schema in :mod:`samsim.engine.events`); ``events.to_pandas()``.
    trajectories : pyarrow.Table
        Sampled positions of threats and interceptors.
    summary : dict
        Counts and distributions derived from the event log (schema in docs/summary.md).
    wall_time_s : float
        Wall-clock time of the engine loop (not part of the summary: it is not
        deterministic).
    """

    scenario: Scenario
    seed: int
    events: pa.Table
    trajectories: pa.Table
    summary: dict[str, Any]
    wall_time_s: float

    def write(self, directory: str | Path) -> Path:
        """Write the files of :data:`RUN_FILES` into ``directory`` (created); returns the
        directory."""
        out = Path(directory)
        events, trajectories, summary, scenario = (out / name for name in RUN_FILES)
        atomic_write_parquet(events, self.events)
        atomic_write_parquet(trajectories, self.trajectories)
        atomic_write_bytes(scenario, self.scenario.model_dump_json(indent=2).encode("utf-8"))
        atomic_write_bytes(
            summary,
            (json.dumps(self.summary, indent=2, sort_keys=False) + "\n").encode("utf-8"),
        )
        return out
