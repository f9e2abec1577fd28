"""Interceptor types: the missile catalogue as specs.

:class:`MissileSpec` is the single declaration of a missile type (propulsion, aerodynamics,
guidance, lethality and the planning envelope); it is a catalogue entry type and lives
with the others in :mod:`samsim.scenario.specs`, so the catalogue never imports physics.
:func:`load_missile_catalog` reads the sourced catalogue ``scenario/catalog/missiles.yaml``
into specs.
"""

from __future__ import annotations

from pathlib import Path

from samsim.scenario.catalog import load_section
from samsim.scenario.specs import GuidanceLaw, LethalityModel, MissileSpec, SeekerKind

__all__ = [
    "CATALOG_PATH",
    "CONFIDENCE_LEVELS",
    "GuidanceLaw",
    "LethalityModel",
    "MissileSpec",
    "SeekerKind",
    "load_missile_catalog",
    "missile_figure_sources",
]

#: Confidence levels of a catalogue figure (see docs/models/interceptors.md).
CONFIDENCE_LEVELS = ("official", "press", "community", "notional")

#: Default catalogue file.
CATALOG_PATH = Path(__file__).resolve().parent.parent / "scenario" / "catalog" / "missiles.yaml"


def load_missile_catalog(path: str | Path | None = None) -> dict[str, MissileSpec]:
    """The missile catalogue (the packaged one by default) as validated specs by name.

    The file format and its errors (file, line, field and fix; duplicate keys; unknown
    confidence) are those of every catalogue section: see :mod:`samsim.scenario.catalog`.

    Raises
    ------
    samsim.errors.InputError
        For a missing file or any invalid entry.
    """
    return {name: e.spec for name, e in load_section(path or CATALOG_PATH, MissileSpec).items()}


def missile_figure_sources(path: str | Path | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """Source and confidence of every catalogue figure: name -> field -> (source, confidence)."""
    return {
        name: {k: (f.source, f.confidence) for k, f in e.figures.items()}
        for name, e in load_section(path or CATALOG_PATH, MissileSpec).items()
    }
