"""Shoot-and-scoot: when a launcher or a battalion leaves its site, and where it goes.

A command decision per battalion (``scoot`` of a unit in the scenario,
:class:`samsim.scenario.models.Scoot`): after a number of launches (or a time on line)
the launcher, or the whole battalion, goes off line for ``off_line`` seconds and comes up
at the next of the battalion's sites. The engine applies the move (nodes dark and unable
to fire while moving, new positions on arrival).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from samsim.scenario.models import Scoot


@dataclass
class ScootPlan:
    """One battalion's shoot-and-scoot doctrine and its counters.

    Parameters
    ----------
    doctrine : Scoot
        The unit's ``scoot`` section.
    """

    doctrine: Scoot
    #: Launches since the mover (a launcher index, or -1 for the battalion) came up.
    launches: dict[int, int] = field(default_factory=dict)
    #: Time the battalion came up at its current site.
    up_since_s: float = 0.0
    #: Next site (index into ``doctrine.sites``) per mover.
    next_site: dict[int, int] = field(default_factory=dict)

    @property
    def battalion(self) -> bool:
        return self.doctrine.unit == "battalion"

    def launched(self, launcher: int) -> None:
        """Count one launch from ``launcher``."""
        key = -1 if self.battalion else launcher
        self.launches[key] = self.launches.get(key, 0) + 1

    def due(self, mover: int, t_s: float) -> bool:
        """Whether ``mover`` (a launcher, or -1: the battalion) should leave now."""
        d = self.doctrine
        n = self.launches.get(mover, 0)
        if d.after_launches is not None and n >= d.after_launches:
            return True
        return self.battalion and d.every is not None and t_s - self.up_since_s >= d.every

    def depart(self, mover: int) -> str:
        """``mover`` leaves: the name of the site it goes to (the sites in order, then
        around again); its launch count starts again."""
        k = self.next_site.get(mover, 0)
        self.next_site[mover] = (k + 1) % len(self.doctrine.sites)
        self.launches[mover] = 0
        return self.doctrine.sites[k]

    def arrived(self, t_s: float) -> None:
        """The battalion is up at its new site at ``t_s``."""
        self.up_since_s = t_s
