"""samsim.jit: kernels built on first call, and ``samsim validate`` without numba
(start-up, issue 16)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from samsim.jit import Kernel, njit
from tests.conftest import EXAMPLES, SMALL_SCENARIO, subprocess_env


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (numba not loaded)."""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=subprocess_env(),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return proc


_CLI_MODULES = """
import sys
from samsim.cli import main
code = 0
try:
    main({args!r})
except SystemExit as exc:
    code = exc.code
print()
print({{"numba": "numba" in sys.modules, "scipy": "scipy" in sys.modules,
        "code": code}})
"""


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(EXAMPLES / "battalion_vs_cruise_raid.yaml")],
        ["validate", str(EXAMPLES / "sead_strike.yaml")],
        ["schema"],
        ["catalog"],
        ["--help"],
    ],
    ids=["validate", "validate-sead", "schema", "catalog", "help"],
)
def test_quick_commands_import_neither_numba_nor_scipy(tmp_path: Path, args: list[str]) -> None:
    """numba (0.15-0.3 s to import, 0.2-0.4 s more for its first kernel) and scipy
    (0.1-0.3 s) are not what these commands need."""
    out = _python(_CLI_MODULES.format(args=args), tmp_path).stdout.strip().splitlines()[-1]
    got = eval(out)  # a dict literal printed by the child
    assert got == {"numba": False, "scipy": False, "code": got["code"]}
    assert got["code"] in (None, 0)


_WORLD = """
import sys, json
import numpy as np
import samsim
from samsim.engine.world import compile_world
from samsim.jit import interpreted
out = {{}}
for name in {names!r}:
    sc = samsim.load_scenario(name)
    with interpreted(budget_s=1e9):
        w = compile_world(sc, probe=True)
    out[name] = {{
        "pos": w.threats.samples()[0].ravel().tolist(),
        "alt": w.threats.samples()[2].ravel().tolist(),
        "radars": [r.base_enu_m.tolist() for r in w.radars],
    }}
assert "numba" not in sys.modules
print(json.dumps(out))
"""


def test_an_interpreted_world_is_the_compiled_world(tmp_path: Path) -> None:
    """``samsim validate`` compiles the world with the kernels in Python (numba not
    loaded): the trajectories and sites are the compiled kernels' to rounding (atan2 and
    hypot of numpy and of the C library differ in the last bit)."""
    from samsim import load_scenario
    from samsim.engine.world import compile_world

    names = [str(EXAMPLES / f"{n}.yaml") for n in ("battalion_vs_cruise_raid", "sead_strike")]
    child = json.loads(_python(_WORLD.format(names=names), tmp_path).stdout)
    for name in names:
        w = compile_world(load_scenario(name), probe=True)
        pos, alt = w.threats.samples()[0].ravel(), w.threats.samples()[2]
        assert len(pos) > 1000
        np.testing.assert_allclose(child[name]["pos"], pos, rtol=0, atol=1e-6)
        np.testing.assert_allclose(child[name]["alt"], alt, rtol=0, atol=1e-6)
        sites = [r.base_enu_m.tolist() for r in w.radars]
        np.testing.assert_allclose(child[name]["radars"], sites, rtol=0, atol=1e-6)


def _doc() -> dict[str, Any]:
    out: dict[str, Any] = yaml.safe_load(SMALL_SCENARIO)
    return out


_VALIDATE = """
import sys
from samsim.cli import main
try:
    main(["validate", {path!r}])
except SystemExit as exc:
    print("exit", exc.code)
print("numba", "numba" in sys.modules)
"""


def _error_text(stderr: str) -> str:
    """The error report (from its ``error:`` line on; a status line may come first)."""
    return stderr[stderr.find("error:") :] if "error:" in stderr else ""


@pytest.mark.parametrize(
    "change",
    [
        {"threats": {"cm": {"type": "subsonic_cruise_missile", "speed_mps": "0.001 m/s"}}},
        {"raid": {"alt": ".nan"}},
        {"raid": {"alt": "1e300 km"}},
        {"raid": {"speed": 1e-300}},
        {"threats": {"bm": {"type": "srbm"}}, "ballistic": [30.0, -40.0]},
        {"threats": {"bm": {"type": "srbm"}}, "ballistic": [40.9, -40.0]},
    ],
    ids=["slow", "nan-alt", "huge-alt", "tiny-speed", "ballistic-too-far", "ballistic-ok"],
)
def test_validate_reports_what_the_compiled_kernels_report(
    tmp_path: Path, change: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Scenarios that once crashed the compile (tests/test_hostile.py) and a ballistic
    raid in and out of range: in a fresh process (kernels interpreted, numba loaded only
    if Python gives up) validate exits and reports as it does with the compiled kernels
    (this process, where they are loaded)."""
    from samsim import cli
    from samsim.jit import load_kernels

    doc = _doc()
    wave = doc["raid"]["wave"]
    doc["threats"].update(change.get("threats", {}))
    if "ballistic" in change:
        lat, lon = change["ballistic"]
        wave.update(threat="bm", route=[{"lat": lat, "lon": lon}])
    for key, v in change.get("raid", {}).items():
        wave["route"][0][key] = yaml.safe_load(v) if v == ".nan" else v
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    fresh = _python(_VALIDATE.format(path=str(path)), tmp_path)
    load_kernels()
    try:
        cli.main(["validate", str(path)])
        code: Any = None
    except SystemExit as exc:
        code = exc.code
    here = capsys.readouterr()
    assert f"exit {code}" in fresh.stdout if code else "exit" not in fresh.stdout
    assert _error_text(fresh.stderr) == _error_text(here.err)
    if code is None and "ballistic" not in change:  # (a boost phase is long in Python)
        assert "numba False" in fresh.stdout  # all in Python


def test_kernels_are_dispatchers_once_loaded() -> None:
    """After the first call every kernel of samsim's modules is numba's dispatcher (so
    kernels calling kernels see dispatchers when numba types them)."""
    from numba.core.registry import CPUDispatcher

    from samsim.geo import frames, terrain
    from samsim.jit import load_kernels

    frames.ecef_to_geodetic(np.array([6378137.0, 0.0, 0.0]))
    load_kernels()
    assert isinstance(frames._ecef_to_geodetic_many, CPUDispatcher)
    assert isinstance(terrain._bilinear_many, CPUDispatcher)
    for name, module in list(sys.modules.items()):
        if name.startswith("samsim."):
            stale = [k for k, v in vars(module).items() if isinstance(v, Kernel)]
            assert not stale, (name, stale)


def test_a_kernel_defined_late_is_a_dispatcher_and_an_early_one_interprets() -> None:
    from numba.core.registry import CPUDispatcher

    from samsim.jit import load_kernels

    load_kernels()

    @njit(cache=False)
    def add(a: float, b: float) -> float:
        return a + b

    assert isinstance(add, CPUDispatcher) and add(1.0, 2.0) == 3.0
    with pytest.raises(TypeError, match="keyword options"):
        njit("float64(float64)")


_BUDGET = """
import math, sys
import numpy as np
from samsim.jit import interpreted, njit

calls = []


@njit(cache=False)
def root(x):
    return math.sqrt(x)


root.interpret = lambda x: (calls.append(x), root.py_func(x))[1]  # counts Python's calls
with interpreted(budget_s=1e9):
    assert root(4.0) == 2.0 and calls == [4.0]
    print("after python", "numba" in sys.modules)
    out = root(-1.0)  # Python raises (math domain error); numba returns nan
    print("after error", "numba" in sys.modules, math.isnan(out), calls)
"""


def test_a_kernel_that_raises_in_python_is_left_to_numba(tmp_path: Path) -> None:
    """Inside ``interpreted`` a kernel runs in Python; where Python raises and numba
    does not (``math.sqrt(-1.0)``), numba is loaded and the compiled kernel answers."""
    out = _python(_BUDGET, tmp_path).stdout
    assert "after python False" in out
    assert "after error True True [4.0, -1.0]" in out


_PICKLE = """
import pickle, sys
import numpy as np
from samsim.geo import frames
k = pickle.loads(pickle.dumps(frames._ecef_to_geodetic_many))
print(type(k).__name__, k is frames._ecef_to_geodetic_many, "numba" in sys.modules)
print(k(np.array([[6378137.0, 0.0, 0.0]])).tolist())
"""


def test_a_kernel_pickles_by_name(tmp_path: Path) -> None:
    """A kernel not built yet pickles as its module's kernel (process pools, Dask)."""
    out = _python(_PICKLE, tmp_path).stdout.splitlines()
    assert out == ["Kernel True False", "[[0.0, 0.0, 0.0]]"]


_PAST_BUDGET = """
import sys
import samsim
from samsim.engine.world import compile_world
from samsim.jit import interpreted
sc = samsim.load_scenario({path!r})
with interpreted(budget_s=0.0):
    w = compile_world(sc, probe=True)
print("numba", "numba" in sys.modules)
"""


def test_past_its_budget_interpreted_loads_numba(tmp_path: Path) -> None:
    """With no time to spend in Python the first kernel call runs in Python (the budget is
    checked before each call) and every later one compiled."""
    path = str(EXAMPLES / "battalion_vs_cruise_raid.yaml")
    assert "numba True" in _python(_PAST_BUDGET.format(path=path), tmp_path).stdout


def test_numpy_forms_match_the_kernels() -> None:
    """The numpy forms validate runs (frames, terrain) against the compiled kernels:
    bilinear heights bit for bit (edges, NaN and infinite coordinates included),
    geodetic coordinates to the last bit or two."""
    from samsim.geo import frames, terrain
    from samsim.jit import load_kernels

    load_kernels()
    rng = np.random.default_rng(7)
    lat = rng.uniform(-89.9, 89.9, 5000)
    lon = rng.uniform(-180.0, 180.0, 5000)
    alt = rng.uniform(-1e4, 1e6, 5000)
    xyz = np.ascontiguousarray(frames.geodetic_to_ecef(lat, lon, alt))
    a = frames._ecef_to_geodetic_numpy(xyz)
    b = frames._ecef_to_geodetic_many(xyz)
    np.testing.assert_allclose(a[:, :2], b[:, :2], rtol=0, atol=1e-12)
    np.testing.assert_allclose(a[:, 2], b[:, 2], rtol=0, atol=1e-8)
    np.testing.assert_allclose(a[:, :2], np.column_stack([lat, lon]), rtol=0, atol=1e-9)

    h = rng.normal(size=(40, 60))
    e = rng.uniform(-500.0, 7000.0, 5000)
    n = rng.uniform(-500.0, 5000.0, 5000)
    e[:3] = [np.nan, np.inf, -np.inf]
    n[3:5] = [np.nan, np.inf]
    out_np, out_nb = np.empty(5000), np.empty(5000)
    terrain._bilinear_numpy(h, 0.0, 0.0, 0.01, 0.01, e, n, out_np)
    terrain._bilinear_many(h, 0.0, 0.0, 0.01, 0.01, e, n, out_nb)
    np.testing.assert_array_equal(out_np, out_nb)
