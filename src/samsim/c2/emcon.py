"""Emission control: when a radar emits, a command decision per radar.

A radar that emits can be found and homed on by anti-radiation missiles; a radar that is
dark sees nothing, tracks nothing and guides nothing. The doctrines (``emission`` of a
radar site in the scenario, :class:`samsim.scenario.models.EmissionControl`):

- ``continuous``: always emits (the default);
- ``windows``: emits only inside the given time windows;
- ``on_cue``: a fire-control radar emits only while it has something to look at (cued or
  held tracks); idle, it is dark;
- ``dark_on_arm``: emits, and goes dark as soon as its battalion's picture holds a track
  it takes for an anti-radiation missile within ``alert_range`` of it; it comes back up
  ``dark_time`` after the last such sighting.

The engine asks at each of the radar's scans (so changes fall on its scan times) and
applies the answer (:meth:`samsim.engine.loop.Engine._emission`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from samsim.scenario.models import EmissionControl


@dataclass
class EmissionPlan:
    """One radar's emission doctrine and what it remembers (the end of its dark time).

    Parameters
    ----------
    control : EmissionControl
        The radar site's ``emission`` section.
    """

    control: EmissionControl
    dark_until_s: float = -np.inf

    @property
    def mode(self) -> str:
        return self.control.mode

    @property
    def on_cue(self) -> bool:
        return self.control.mode == "on_cue"

    def reason(self) -> str:
        """The ``detail`` of this doctrine's emission events."""
        return {
            "windows": "emcon_window",
            "on_cue": "emcon_cue",
            "dark_on_arm": "emcon_arm",
        }.get(self.control.mode, "")

    def wants_on(
        self,
        t_s: float,
        *,
        cued: bool = True,
        arm_range_m: NDArray[np.float64] | None = None,
    ) -> bool:
        """Whether the radar should emit at ``t_s``.

        Parameters
        ----------
        t_s : float
        cued : bool
            ``on_cue``: the radar has cued or held tracks to look at.
        arm_range_m : ndarray, optional
            ``dark_on_arm``: ranges from the radar of the tracks its battalion takes for
            anti-radiation missiles now.
        """
        c = self.control
        if c.mode == "continuous":
            return True
        if c.mode == "windows":
            return any(on <= t_s < off for on, off in c.windows)
        if c.mode == "on_cue":
            return cued
        if arm_range_m is not None and np.any(arm_range_m <= c.alert_range):
            self.dark_until_s = t_s + c.dark_time
        return t_s >= self.dark_until_s
