"""What a command post reads of the world, and where it writes its decisions.

The command posts receive these from the engine; c2 never imports the engine. The
engine's compiled ``World``, its ``Unit`` and its ``EventLog`` satisfy the protocols
structurally (a test checks it), so the engine passes them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from samsim.geo.frames import EnuFrame
    from samsim.scenario.models import Doctrine
    from samsim.scenario.specs import (
        CommandPostSpec,
        LauncherSpec,
        MissileSpec,
        RadarSpec,
        ThreatSpec,
    )


class RadarView(Protocol):
    """A radar as the command post knows it: its name and its figures (channels, scan)."""

    @property
    def name(self) -> str: ...

    @property
    def spec(self) -> RadarSpec: ...


class BattalionView(Protocol):
    """A battalion: its command post's figures and doctrine, and which of the world's
    radars and launchers are its own (indices into :class:`DefenceView`'s lists)."""

    @property
    def name(self) -> str: ...

    @property
    def index(self) -> int: ...

    @property
    def cp(self) -> CommandPostSpec: ...

    @property
    def doctrine(self) -> Doctrine: ...

    @property
    def reserve(self) -> NDArray[np.int64]: ...

    @property
    def fire_control(self) -> list[int]: ...

    @property
    def launchers(self) -> list[int]: ...

    @property
    def salvo(self) -> int: ...

    @property
    def max_engagements_per_target(self) -> int: ...


class DefenceView(Protocol):
    """The fixed facts a command post plans with: the frame, the defended assets, the
    launchers and missile types, the radars, and per threat its kind, type and
    capability (what a leaker costs; ``perceived_capability``: what it looks like)."""

    @property
    def frame(self) -> EnuFrame: ...

    @property
    def n_threats(self) -> int: ...

    @property
    def threat_kind(self) -> list[str]: ...

    @property
    def threat_type(self) -> list[str]: ...

    @property
    def capability(self) -> NDArray[np.float64]: ...

    @property
    def perceived_capability(self) -> NDArray[np.float64]: ...

    @property
    def threat_spec(self) -> Sequence[ThreatSpec]: ...

    @property
    def threat_seen_spec(self) -> Sequence[ThreatSpec]: ...

    @property
    def asset_names(self) -> list[str]: ...

    @property
    def asset_pos_m(self) -> NDArray[np.float64]: ...

    @property
    def asset_value(self) -> NDArray[np.float64]: ...

    @property
    def asset_radius_m(self) -> NDArray[np.float64]: ...

    @property
    def missile_names(self) -> list[str]: ...

    @property
    def missile_specs(self) -> Sequence[MissileSpec]: ...

    @property
    def launcher_names(self) -> list[str]: ...

    @property
    def launcher_specs(self) -> Sequence[LauncherSpec]: ...

    @property
    def launcher_pos_m(self) -> NDArray[np.float64]: ...

    @property
    def radars(self) -> Sequence[RadarView]: ...


class EventSink(Protocol):
    """Where a command post records its decisions (the engine's event log)."""

    def add(self, time_s: float, kind: str, **fields: Any) -> None: ...


class NetworkView(Protocol):
    """The health of the defence's nodes as the engine keeps it (engine.nodes.Network):
    which radars can look and guide now (alive, emitting, in place), which launchers can
    fire, and which other battalions' launchers a battalion may fire on its own tracks
    (engage on remote)."""

    @property
    def intact(self) -> bool: ...

    def radar_up(self, radar: int) -> bool: ...

    def launcher_up(self, launcher: int) -> bool: ...

    def remote_launchers(self, unit: int) -> list[int]: ...
