"""Analysis of runs and studies: coverage maps, engagement metrics, leakage curves."""

from __future__ import annotations
