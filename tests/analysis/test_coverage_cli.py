"""The ``samsim coverage`` command, run as users run it (a subprocess): the files it writes,
the table, the GeoTIFF-to-npz fallback without rasterio, and bad input (exit 2, no
traceback)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

import samsim
from tests.analysis.conftest import BATTALION

SCENARIO = BATTALION.format(environment="", acq="", fcr="", extra_units="")

_BLOCK_RASTERIO = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name == "rasterio" or name.startswith("rasterio."):
            raise ModuleNotFoundError("No module named 'rasterio'")
        return None
sys.meta_path.insert(0, _Block())
from samsim.cli import main
sys.argv = ["samsim", *sys.argv[1:]]
main()
"""


def _samsim(
    *args: str, cwd: Path, block_rasterio: bool = False
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", _BLOCK_RASTERIO] if block_rasterio else [
        sys.executable, "-m", "samsim.cli"]  # fmt: skip
    # The package's own source folder first, so a relative PYTHONPATH=src still works.
    src = str(Path(samsim.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "bn.yaml"
    p.write_text(SCENARIO)
    return p


def _is_png(p: Path) -> bool:
    return p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_coverage_writes_maps_grids_table_and_diagrams(scenario: Path, tmp_path: Path) -> None:
    pytest.importorskip("rasterio")
    out = tmp_path / "out"
    proc = _samsim("coverage", str(scenario), "--altitude", "30", "--altitude", "1 km",
                   "--rcs", "0.1", "--cells", "64", "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {
        "coverage.png", "coverage_30m.png", "coverage_1000m.png", "vertical_acq.png",
        "vertical_fcr.png", "coverage_30m.tif", "pd_30m.tif", "coverage_1000m.tif",
        "pd_1000m.tif", "coverage_table.csv",
    }  # fmt: skip
    assert all(_is_png(out / n) for n in names if n.endswith(".png"))
    with (out / "coverage_table.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["altitude_agl_m"], r["scope"], r["name"]) for r in rows] == [
        ("30", "radar", "acq"), ("30", "radar", "fcr"), ("30", "unit", "bn"),
        ("1000", "radar", "acq"), ("1000", "radar", "fcr"), ("1000", "unit", "bn"),
    ]  # fmt: skip
    # 30 m: the horizon (35.6 km for the 10 m mast), far inside the naive ring
    acq30 = rows[0]
    assert 33e3 < float(acq30["range_median_m"]) < 38e3
    assert float(acq30["naive_range_m"]) > 150e3
    for word in ("Coverage", "acq", "fcr", "bn (combined)", "naive ring", "Wrote 10 files"):
        assert word in proc.stdout, word
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_synthetic_terrain_and_npz_fallback_without_rasterio(
    scenario: Path, tmp_path: Path
) -> None:
    import numpy as np

    out = tmp_path / "o"
    proc = _samsim(
        "coverage", str(scenario), "-a", "100 m", "--rcs", "-10 dBsm", "--cells", "48",
        "--terrain", "synthetic:4", "--extent", "60 km", "--out", str(out), cwd=tmp_path,
        block_rasterio=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "rasterio is not installed" in proc.stdout
    assert "synthetic (seed 4" in proc.stdout
    assert not list(out.glob("*.tif"))
    with np.load(out / "coverage.npz") as z:
        assert bool(z["has_terrain"])
        assert z["covered"].shape == (1, 2, 48, 48)
        assert float(z["rcs_m2"]) == pytest.approx(0.1)
        assert 0 < z["covered"].sum() < z["covered"].size


@pytest.mark.slow
def test_default_output_goes_under_runs_and_shadows_no_package(
    scenario: Path, tmp_path: Path
) -> None:
    """Without --out the maps go to runs/<scenario>/coverage/, beside the scenario's runs;
    a folder named coverage/ in the working directory used to shadow the coverage package
    that numba imports (``import numba`` then failed there)."""
    proc = _samsim(
        "coverage", str(scenario), "-a", "30", "--cells", "16", "--format", "npz",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bn.yaml", "runs"]
    out = tmp_path / "runs" / "coverage_test" / "coverage"
    assert (out / "coverage.png").is_file() and (out / "coverage_table.csv").is_file()
    check = subprocess.run(
        [sys.executable, "-c", "import numba, numba.misc.coverage_support"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_bad_input_exits_2_without_traceback_as_a_process(scenario: Path, tmp_path: Path) -> None:
    for args, words in (
        (["coverage", "missing.yaml"], "missing.yaml"),
        (["coverage", str(scenario), "--rcs", "-1"], "--rcs"),
    ):
        proc = _samsim(*args, cwd=tmp_path)
        assert proc.returncode == 2, (proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert words in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--rcs", "0 m2"], "--rcs"),
        (["--rcs", "a lot"], "--rcs"),
        (["--altitude", "-5"], "--altitude"),
        (["--altitude", "30 furlongs"], "--altitude"),
        (["--extent", "0 km"], "--extent"),
        (["--terrain", "nosuch.tif"], "no such file"),
        (["--terrain", "synthetic:x"], "synthetic:SEED"),
        (["--terrain", "jacksboro"], "outside"),
        (["--pd", "1.5"], "--pd"),
        (["--format", "png"], "--format"),
        (["--cells", "4"], "--cells"),
        (["--swerling", "7"], "--swerling"),
    ],
)
def test_bad_options_exit_2_with_a_message(
    scenario: Path,
    args: list[str],
    words: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from samsim.cli import main

    monkeypatch.setattr(sys, "argv", ["samsim", "coverage", str(scenario), *args])
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    assert words in err, err
