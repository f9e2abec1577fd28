"""The ``samsim envelope`` command, run as users run it (a subprocess): the table matches
``envelope_report`` (the figures of docs/models/interceptors.md), the plot is written, and
bad input exits 2 with a sentence (no traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from samsim.physics.envelope import envelope_report
from samsim.physics.missile import load_missile_catalog
from tests.conftest import subprocess_env


def _samsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "samsim.cli", *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_envelope_prints_the_report_and_writes_the_plot(tmp_path: Path) -> None:
    proc = _samsim(
        "envelope",
        "9M96E",
        "--target-speed",
        "0",
        "--target-speed",
        "300 m/s",
        "--altitude",
        "5 km",
        "--altitude",
        "10000",
        "--out",
        str(tmp_path / "env"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    _, text, _ = envelope_report(
        load_missile_catalog()["9M96E"], (0.0, 300.0), altitudes_m=[5000.0, 10000.0]
    )
    assert text in proc.stdout
    assert "target 300 m/s radially inbound" in proc.stdout
    png = tmp_path / "env" / "envelope_9M96E.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "env" / "envelope_9M96E.txt").read_text().strip() == text.strip()


def test_unknown_missile_lists_the_known_ones(tmp_path: Path) -> None:
    proc = _samsim("envelope", "S-500", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown missile 'S-500'" in proc.stderr
    for name in load_missile_catalog():
        assert name in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_speed_and_altitude_are_sentences(tmp_path: Path) -> None:
    proc = _samsim("envelope", "9M96E", "--target-speed", "fast", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--target-speed 'fast'" in proc.stderr and "Traceback" not in proc.stderr
    proc = _samsim("envelope", "9M96E", "--altitude", "-3 km", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--altitude '-3 km'" in proc.stderr and "Traceback" not in proc.stderr
