"""Atmosphere, threat trajectories, interceptor 3-DOF flyout, guidance laws and lethality."""

from __future__ import annotations
