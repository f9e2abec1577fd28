"""Point-defence doctrine: which of the defence's own nodes a command post defends.

A point-defence unit (Pantsir-S1 or Tor-M2 class) attached to a battalion
(``attached_to``) is under that battalion's command post: one track picture and one
engagement record per track (the engine shares them), and, under ``defend_nodes``, the
battalion's radars, launchers and command post become assets of its threat evaluation,
so that an anti-radiation missile diving on a radar, or a cruise missile aimed at a
launcher, is worth engaging. The same doctrine lets any battalion defend its own nodes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Radius of a node as an asset of threat evaluation (a threat whose closest approach
#: falls within it attacks the node), m.
NODE_ASSET_RADIUS_M = 300.0


def defended_nodes(
    unit: int, attached_to: NDArray[np.int64], node_unit: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Nodes a ``defend_nodes`` command post of ``unit`` defends: those of its battalion
    group (the battalion it is attached to, or itself, and every unit attached to that
    battalion).

    Parameters
    ----------
    unit : int
    attached_to : ndarray of int64, shape (units,)
        Per unit, the unit it is attached to (-1: none).
    node_unit : ndarray of int64, shape (nodes,)
        Per node, its unit (-1: the regiment's command post).
    """
    root = int(attached_to[unit]) if attached_to[unit] >= 0 else unit
    group = {root} | {u for u in range(len(attached_to)) if attached_to[u] == root}
    return np.flatnonzero(np.isin(node_unit, sorted(group))).astype(np.int64)
