"""The engagement engine: world state, event-driven loop, event log schema."""

from __future__ import annotations
