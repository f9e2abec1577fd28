"""Multi-target tracking on arrays: batched filters, gating and association, track management, metrics."""

from __future__ import annotations
