"""Radars: radar equation, detection probability, measurement noise, clutter, jamming.

Modules (pure, vectorised functions; parameters come from the scenario):
``equation`` (SNR, search equation, ranges), ``detection`` (Albersheim, Swerling 0-4,
Shnidman), ``noise`` (measurement accuracy), ``clutter`` (constant-gamma land clutter,
false alarms), ``jamming`` (noise jamming, burn-through).
"""

from __future__ import annotations
