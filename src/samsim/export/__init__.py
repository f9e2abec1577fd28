"""Exports of runs: HTML report, KML, CZML."""

from __future__ import annotations
