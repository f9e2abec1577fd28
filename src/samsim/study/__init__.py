"""Studies: Monte Carlo runs and parameter sweeps over local or Dask executors, with a
resumable store."""

from __future__ import annotations
