"""Scenarios for the coverage tests: one battalion (91N6E + 92N6E) or two, built from YAML
text through the real loader and compiled into worlds (cached: compiling is the slow part)."""

from __future__ import annotations

from functools import cache

from samsim.engine.world import World, compile_world
from samsim.scenario.loader import load_scenario_text

#: One battalion: acquisition radar "acq" (91N6E, 10 m mast) and fire-control radar "fcr"
#: (92N6E, 25 m mast) 1.4 km apart; {acq} and {fcr} take radar-figure overrides and
#: {environment} the environment block.
BATTALION = """\
name: coverage_test
duration: 10 min
{environment}
assets:
  town: {{position: {{lat: 40.0, lon: -40.0}}, value: 50, radius: 1 km}}
units:
  bn:
    command_post: {{position: {{lat: 40.05, lon: -40.0}}}}
    radars:
      acq: {{type: 91N6E, position: {{lat: 40.05, lon: -40.01}}{acq}}}
      fcr: {{type: 92N6E, position: {{lat: 40.05, lon: -40.0265}}{fcr}}}
    launchers:
      l1: {{position: {{lat: 40.06, lon: -40.0}}, load: {{48N6E3: 4}}}}
{extra_units}
threats:
  cm: {{type: subsonic_cruise_missile}}
raid:
  wave:
    threat: cm
    count: 1
    route:
      - {{lat: 40.9, lon: -40.0}}
    target: town
"""

SECOND_UNIT = """\
  bn2:
    command_post: {position: {lat: 41.20, lon: -40.0}}
    radars:
      fcr2: {type: 92N6E, position: {lat: 41.20, lon: -40.02}}
    launchers:
      l2: {position: {lat: 41.21, lon: -40.0}, load: {48N6E3: 4}}
"""


@cache
def battalion_world(
    acq: str = "", fcr: str = "", k_factor: float | None = None, two_units: bool = False
) -> World:
    """Compiled one- (or two-) battalion world; ``acq``/``fcr`` are YAML overrides such
    as ``"peak_power_w: 2 MW"``."""
    env = "" if k_factor is None else f"environment: {{k_factor: {k_factor}}}"
    text = BATTALION.format(
        environment=env,
        acq=f", {acq}" if acq else "",
        fcr=f", {fcr}" if fcr else "",
        extra_units=SECOND_UNIT if two_units else "",
    )
    return compile_world(load_scenario_text(text, "coverage_test.yaml"))
