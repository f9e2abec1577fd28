"""``samsim serve``, ``samsim report`` and ``samsim export`` on the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samsim.cli import app
from samsim.errors import SamsimError
from samsim.export.rundir import RunDirError
from samsim.web.cli import ExportError

runner = CliRunner()


def test_commands_are_registered() -> None:
    names = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    assert {"serve", "report", "export"} <= names
    r = runner.invoke(app, ["serve", "--help"])
    assert r.exit_code == 0 and "127.0.0.1" in r.output


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["--kml"], ["run.kml"]),
        (["--kml", "--czml"], ["run.czml", "run.kml"]),
        (["--czml", "--kml"], ["run.czml", "run.kml"]),
        (["--kml", "--coverage-heights", "30 m"], ["run.kml"]),
    ],
)
def test_export_without_a_file_writes_next_to_the_run(
    run_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    written: list[str],
) -> None:
    """``samsim export DIR --kml`` as the README writes it (through the real entry point:
    typer options take no optional value, so main() supplies it)."""
    import shutil
    import sys

    from samsim.cli import main

    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    monkeypatch.setattr(sys, "argv", ["samsim", "export", str(run), *args])
    main()  # returns on success; a usage error would exit 2
    assert sorted(p.name for p in run.glob("run.*")) == written
    if "run.kml" in written:
        ET.parse(run / "run.kml")


def test_export_writes_both_files(run_dir: Path, tmp_path: Path) -> None:
    kml, czml = tmp_path / "a.kml", tmp_path / "a.czml"
    r = runner.invoke(
        app,
        [
            "export",
            str(run_dir),
            "--kml",
            str(kml),
            "--czml",
            str(czml),
            "--coverage-heights",
            "30 m, 2 km",
            "--epoch",
            "2024-02-03T04:05:06Z",
        ],
    )
    assert r.exit_code == 0, r.output
    assert f"Wrote {kml}" in r.output and f"Wrote {czml}" in r.output
    root = ET.parse(kml).getroot()
    assert "2024-02-03T04:05:06" in ET.tostring(root, encoding="unicode")
    packets = json.loads(czml.read_text())
    assert packets[0]["clock"]["currentTime"].startswith("2024-02-03T04:05:06")


@pytest.mark.parametrize(
    ("args", "exc", "msg"),
    [
        ([], ExportError, "nothing to export"),
        (["--kml", "x.kml", "--coverage-heights", "30 parsecs"], ExportError, "coverage-heights"),
        (["--kml", "x.kml", "--coverage-heights", "-5 m"], ExportError, ">= 0"),
        (["--kml", "x.kml", "--epoch", "yesterday"], ExportError, "ISO 8601"),
    ],
)
def test_export_errors_are_sentences(run_dir: Path, args: list[str], exc: type, msg: str) -> None:
    r = runner.invoke(app, ["export", str(run_dir), *args])
    assert isinstance(r.exception, exc) and isinstance(r.exception, SamsimError)
    assert msg in str(r.exception)


def test_report_command(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rep.html"
    r = runner.invoke(app, ["report", str(run_dir), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!doctype html>")


def test_commands_refuse_folders_without_runs(tmp_path: Path) -> None:
    for cmd in (
        ["report", str(tmp_path)],
        ["serve", str(tmp_path), "--no-browser"],
        ["export", str(tmp_path), "--kml", str(tmp_path / "x.kml")],
    ):
        r = runner.invoke(app, cmd)
        assert isinstance(r.exception, RunDirError), (cmd, r.exception)
