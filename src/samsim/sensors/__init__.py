"""Radars: radar equation, detection probability, scan schedules, measurement noise, clutter, jamming."""

from __future__ import annotations
