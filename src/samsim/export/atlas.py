"""Land outlines for static maps, from the Natural Earth TopoJSON vendored with the viewer.

Reads ``samsim/web/static/vendor/world-atlas/countries-50m.json`` (npm package
world-atlas, Natural Earth 1:50m, public domain) and decodes its ``land`` object into
longitude/latitude rings; no network, no cartopy.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray


def atlas_path() -> Path:
    """The vendored TopoJSON file."""
    return Path(str(resources.files("samsim.web") / "static/vendor/world-atlas/countries-50m.json"))


def _decode_arcs(topo: dict[str, Any]) -> list[NDArray[np.float64]]:
    """Absolute lon/lat of every arc (TopoJSON spec sec. 2.1.5: quantized arcs are
    delta-encoded integer positions, x = dx_cumsum * scale + translate)."""
    tf = topo.get("transform")
    out = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=float)
        if tf is not None:
            a = np.cumsum(a, axis=0) * np.asarray(tf["scale"]) + np.asarray(tf["translate"])
        out.append(a)
    return out


def _ring(arcs: list[NDArray[np.float64]], indices: list[int]) -> NDArray[np.float64]:
    parts = []
    for k, i in enumerate(indices):
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if k == 0 else a[1:])  # consecutive arcs share their end point
    return np.concatenate(parts)


@cache
def land_rings() -> tuple[NDArray[np.float64], ...]:
    """Every land polygon ring (outer and holes) as an (n, 2) array of lon, lat degrees."""
    topo = json.loads(atlas_path().read_text())
    arcs = _decode_arcs(topo)
    rings: list[NDArray[np.float64]] = []

    def polygon(p: list[list[int]]) -> None:
        rings.extend(_ring(arcs, r) for r in p)

    obj = topo["objects"]["land"]
    geoms = obj["geometries"] if obj["type"] == "GeometryCollection" else [obj]
    for g in geoms:
        if g["type"] == "Polygon":
            polygon(g["arcs"])
        elif g["type"] == "MultiPolygon":
            for p in g["arcs"]:
                polygon(p)
    return tuple(rings)


def land_rings_in(
    west_deg: float, south_deg: float, east_deg: float, north_deg: float
) -> list[NDArray[np.float64]]:
    """The land rings whose bounding box meets the given lon/lat box."""
    out = []
    for r in land_rings():
        if (
            r[:, 0].max() >= west_deg
            and r[:, 0].min() <= east_deg
            and r[:, 1].max() >= south_deg
            and r[:, 1].min() <= north_deg
        ):
            out.append(r)
    return out
