"""Multi-target tracking on arrays: filters, gating, association, track management, metrics.

The engine's surface is :class:`Tracker`, :class:`TrackerConfig` and :class:`MeasurementBatch`;
see ``docs/models/tracking.md`` for the models and their references.
"""

from __future__ import annotations

from samsim.tracking.measurements import MeasurementBatch, unbiased_converted_measurement
from samsim.tracking.tracker import (
    Provenance,
    StepResult,
    Tracker,
    TrackerConfig,
    TrackTable,
)

__all__ = [
    "MeasurementBatch",
    "Provenance",
    "StepResult",
    "TrackTable",
    "Tracker",
    "TrackerConfig",
    "unbiased_converted_measurement",
]
