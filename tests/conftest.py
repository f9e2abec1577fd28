from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run (a test suite that fails or passes
# by the luck of a random draw cannot gate a submission); explore new examples with
# `pytest --hypothesis-profile=explore` and turn any failure into a fixed example.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("SAMSIM_HYPOTHESIS_PROFILE", "repeatable"))
EXAMPLES = ROOT / "examples"

# The suite starts about 200 Python processes (the CLI, the daemon, study workers, the
# test workers). With PYTHONDONTWRITEBYTECODE set (some CI images and sandboxes set it)
# every one of them compiles samsim's source afresh, 0.2-0.3 s of CPU each; the suite lets
# Python keep its bytecode in __pycache__ (ignored by git), as Python does by default.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_configure(config: pytest.Config) -> None:
    """The whole suite (``pytest`` with the configured test paths, as the README runs it)
    on a cold kernel cache, e.g. a fresh clone: compile the examples' kernels first, on
    every core (:mod:`samsim.precompile`), instead of every worker compiling the same
    kernels as its first tests call them."""
    if hasattr(config, "workerinput") or config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    import subprocess

    subprocess.run(
        [sys.executable, "-m", "samsim.precompile", "--if-cold"],
        env=subprocess_env(),
        check=False,
        timeout=1800,
    )


def subprocess_env() -> dict[str, str]:
    """Environment for running ``python -m samsim.cli`` in a subprocess from any folder:
    the source tree first on the path, so the tests exercise this checkout even when the
    package is not installed in editable mode."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


@pytest.fixture
def battalion_text() -> str:
    return (EXAMPLES / "battalion_vs_cruise_raid.yaml").read_text()


SMALL_SCENARIO = """\
name: small
duration: 10 min
assets:
  town: {position: {lat: 40.0, lon: -40.0}, value: 50, radius: 1 km}
units:
  bn:
    command_post: {position: {lat: 40.05, lon: -40.0}}
    radars:
      acq: {type: 91N6E, position: {lat: 40.05, lon: -40.01}}
      fcr: {type: 92N6E, position: {lat: 40.05, lon: -40.02}}
    launchers:
      l1: {position: {lat: 40.06, lon: -40.0}, load: {48N6E3: 4}}
      l2: {position: {lat: 40.06, lon: -40.02}, load: {9M96E2: 4}}
threats:
  cm: {type: subsonic_cruise_missile}
raid:
  wave:
    threat: cm
    count: 4
    interval: 10 s
    spread: 500 m
    route:
      - {lat: 40.9, lon: -40.0}
    target: town
"""


@pytest.fixture
def small_text() -> str:
    return SMALL_SCENARIO
