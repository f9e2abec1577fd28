from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, SMALL_SCENARIO, subprocess_env


def _samsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "samsim.cli", *args],
        capture_output=True,
        env=subprocess_env(),
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_run_writes_default_folder_and_prints_summary(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    proc = _samsim("run", str(scn), "--seed", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "runs" / "small" / "5"
    for name in ("events.parquet", "trajectories.parquet", "summary.json", "scenario.json"):
        assert (out / name).is_file(), name
    assert "Outcome by threat type" in proc.stdout
    assert "cm" in proc.stdout
    assert "Leakers" in proc.stdout and "Timeline" in proc.stdout


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    scn = tmp_path / "small.yaml"
    scn.write_text(SMALL_SCENARIO)
    proc = _samsim("run", str(scn), "--quiet", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert (tmp_path / "o" / "summary.json").is_file()


def test_validate_schema_catalog(tmp_path: Path) -> None:
    proc = _samsim("validate", str(EXAMPLES / "battalion_vs_cruise_raid.yaml"), cwd=tmp_path)
    assert proc.returncode == 0 and "ok" in proc.stdout
    proc = _samsim("schema", cwd=tmp_path)
    schema = json.loads(proc.stdout)
    assert "assets" in schema["properties"] and "raid" in schema["properties"]
    proc = _samsim("catalog", cwd=tmp_path)
    assert proc.returncode == 0
    for name in ("91N6E", "92N6E", "40N6E", "48N6E3", "9M96E2", "subsonic_cruise_missile"):
        assert name in proc.stdout
    proc = _samsim("catalog", "radars", "--figures", cwd=tmp_path)
    assert "notional" in proc.stdout and "community" in proc.stdout
    assert "range (SI)" in proc.stdout and "-40 .. -30" in proc.stdout  # sidelobe range


def test_unknown_section_and_bad_seed(tmp_path: Path) -> None:
    proc = _samsim("catalog", "spaceships", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = _samsim(
        "run", str(EXAMPLES / "battalion_vs_cruise_raid.yaml"), "--seed", "-3", cwd=tmp_path
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_error_messages_are_text_not_markup(capsys: pytest.CaptureFixture[str]) -> None:
    """Brackets in a message survive (rich would read "[terrain]" as a style tag)."""
    from samsim import cli

    cli._print_error("rasterio is missing: pip install 'samsim[terrain]'")
    assert "pip install 'samsim[terrain]'" in capsys.readouterr().err


def test_a_run_does_not_import_scipy_stats_or_pandas(tmp_path: Path) -> None:
    """scipy.stats costs 0.3-2 s to import (it parses the docstrings of a hundred
    distributions), pandas about 0.27 s (pyarrow's ``Array.to_numpy`` and ``pa.array``
    import it on their first call): a run of the flagship example and the writing of its
    folder must pay neither (start-up, issue 16)."""
    code = (
        "import sys, samsim\n"
        f"sc = samsim.load_scenario({str(EXAMPLES / 'battalion_vs_cruise_raid.yaml')!r})\n"
        "samsim.simulate(sc, seed=0).write('out')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.stats', 'pandas'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


_HARD_EXIT = """
import atexit, sys
from samsim.cli import _hard_exit


class Noisy:
    def __del__(self):
        print("torn down")


kept = Noisy()
atexit.register(lambda: print("exit handler ran"))
print("buffered", end="")
_hard_exit({code!r})
"""


@pytest.mark.parametrize(("code", "rc"), [(0, 0), (3, 3), (None, 0), ("bad input", 1)])
def test_the_command_line_exits_without_tearing_down(tmp_path: Path, code: object, rc: int) -> None:
    """Start-up, issue 16: freeing every object at exit took 0.1-0.6 s of a run. The
    process now ends once exit handlers have run and output is flushed, with sys.exit's
    codes; objects are not torn down."""
    proc = subprocess.run(
        [sys.executable, "-c", _HARD_EXIT.format(code=code)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=120,
    )
    assert proc.returncode == rc, proc.stderr
    assert proc.stdout == "bufferedexit handler ran\n"
    assert "torn down" not in proc.stdout
    if isinstance(code, str):
        assert code in proc.stderr


def test_ctrl_c_says_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """typer turns KeyboardInterrupt into a silent Exit(130); the command line says why it
    stopped (exit 130, "interrupted", no traceback)."""
    from samsim import cli
    from samsim.scenario.models import Scenario

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Scenario, "model_json_schema", interrupted)
    with pytest.raises(SystemExit) as exc:
        cli._main(["schema"])
    assert exc.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err


def test_ctrl_c_while_importing_is_not_a_traceback() -> None:
    """Ctrl-C while the console script is still importing samsim (before the command line's
    own handling) also exits 130 with "interrupted"."""
    code = (
        "import samsim.launcher as launcher\n"
        "def importing():\n"
        "    raise KeyboardInterrupt\n"
        "launcher._console = importing\n"
        "launcher.console()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env()
    )
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == "interrupted\n"


def test_ctrl_c_inside_a_kernel_is_an_interrupt_not_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C while a numba kernel returns surfaces as a SystemError caused by the
    KeyboardInterrupt (seen in the daemon's Ctrl-C test): exit 130 and "interrupted", not
    "internal error" and 70."""
    from samsim import cli
    from samsim.scenario.models import Scenario

    def kernel_interrupted(*_a: object, **_k: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ki:
            raise SystemError("CPUDispatcher returned a result with an exception set") from ki

    monkeypatch.setattr(Scenario, "model_json_schema", kernel_interrupted)
    with pytest.raises(SystemExit) as exc:
        cli._main(["schema"])
    assert exc.value.code == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "internal error" not in err
