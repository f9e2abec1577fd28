"""``samsim.study(...)`` as docs/studies.md shows it, in the places users call it: a plain
top-level script (no ``if __name__ == "__main__":``), a script piped to ``python -``, and
``python -c``; each with two local worker processes and the real engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SMALL_SCENARIO, subprocess_env

SCRIPT = """\
import samsim

sc = samsim.load_scenario({path!r})
results = samsim.study(sc, runs=2, sweep={{"raid.wave": [1, 2]}}, workers=2)
print("rows", results.num_rows, sorted(set(results.column("raid.wave").to_pylist())))
"""


def _env() -> dict[str, str]:
    env = subprocess_env()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env["PYTHONPATH"]])
    return env


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_text(SMALL_SCENARIO)
    return p


def _python(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )


def _check(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "rows 4 [1, 2]" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_study_in_a_plain_top_level_script(tmp_path: Path, scenario: Path) -> None:
    script = tmp_path / "my_study.py"
    script.write_text(SCRIPT.format(path=str(scenario)))
    _check(_python(tmp_path, str(script)))


@pytest.mark.slow
def test_study_from_standard_input(tmp_path: Path, scenario: Path) -> None:
    _check(_python(tmp_path, "-", stdin=SCRIPT.format(path=str(scenario))))


def test_samsim_study_is_an_attribute_of_the_package() -> None:
    proc = _python(ROOT, "-c", "import samsim; print(callable(samsim.study))")
    assert proc.stdout.strip() == "True", proc.stderr


def test_a_run_function_in_a_script_read_from_stdin_is_refused_at_once(tmp_path: Path) -> None:
    """Workers cannot import a run function defined in ``<stdin>``: a sentence that says
    what to do, at once, rather than a broken pool."""
    code = f"""
import samsim
from samsim.errors import SamsimError
from samsim.scenario.loader import load_scenario_text
def my_runner(scenario, seeds, keep_events):
    raise AssertionError("never called")
sc = load_scenario_text({SMALL_SCENARIO!r})
try:
    samsim.study(sc, runs=2, workers=2, runner=my_runner)
except SamsimError as exc:
    print("refused:", exc)
"""
    proc = _python(tmp_path, "-", stdin=code)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused:" in proc.stdout and "workers=0" in proc.stdout
