"""What the command line prints: whole tables within 80 columns when piped, what it is
doing on stderr while it works (stdout stays clean), and the first-run compile notice."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from samsim.console import Status, print_table
from tests.conftest import EXAMPLES, subprocess_env

ELLIPSIS = "…"


def _samsim(*args: str, cwd: Path, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = subprocess_env()
    env["COLUMNS"] = str(columns)
    return subprocess.run(
        [sys.executable, "-m", "samsim.cli", *args],
        capture_output=True,
        env=env,
        text=True,
        timeout=900,
        cwd=cwd,
    )


# ---------------------------------------------------------------- print_table


def _console(width: int) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=width, force_terminal=False), buf


def test_a_table_that_fits_is_a_table_with_whole_cells() -> None:
    con, buf = _console(80)
    names = ["subsonic_cruise_missile", "fighter"]
    print_table(con, "t", ["threat type", "threats", "detected"], [[n, "24", "24"] for n in names])
    text = buf.getvalue()
    assert ELLIPSIS not in text
    assert all(n in text for n in names)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "threat type" in text  # the header on one line


def test_a_table_too_wide_for_the_width_prints_as_records() -> None:
    con, buf = _console(80)
    headers = ["point", "units.bn1.radars.gravestone.mast_height_m", "P(leak>=1)", "P(reach x)"]
    row = ["point 0", "10", "1.00 [0.96, 1.00]", "0.17 [0.11, 0.26]"]
    print_table(con, "study", headers, [row] * 2)
    text = buf.getvalue()
    assert ELLIPSIS not in text
    assert "units.bn1.radars.gravestone.mast_height_m: 10" in text
    assert "P(leak>=1): 1.00 [0.96, 1.00]" in text


# ---------------------------------------------------------------- Status


def test_status_on_a_pipe_says_what_it_does_only_when_it_takes_long() -> None:
    con, buf = _console(80)
    with Status("quick work", after_s=0.5, console=con):
        pass
    assert buf.getvalue() == ""
    with Status("computing coverage", after_s=0.05, console=con) as status:
        time.sleep(0.3)
        status.update("drawing maps")
    assert buf.getvalue().splitlines() == ["samsim: computing coverage", "samsim: drawing maps"]


def test_status_disabled_prints_nothing() -> None:
    con, buf = _console(80)
    with Status("anything", after_s=0.0, console=con, enabled=False):
        time.sleep(0.1)
    assert buf.getvalue() == ""


# ---------------------------------------------------------------- the commands


def test_run_summary_fits_80_columns_whole_when_piped(tmp_path: Path) -> None:
    proc = _samsim("run", str(EXAMPLES / "regiment_vs_mixed_raid.yaml"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert ELLIPSIS not in out
    summary = json.loads(
        (tmp_path / "runs" / "regiment_vs_mixed_raid" / "0" / "summary.json").read_text()
    )
    for name in summary["by_threat_type"]:
        assert f"\n{name} " in out, name  # a whole name at the start of its row
    tables = [line for line in out.splitlines() if "│" in line or set(line) <= set("─ ")]
    rows = [
        line
        for line in out.splitlines()
        if line.split(" ")[0] in {*summary["by_threat_type"], "all", "threat"}
    ]
    assert rows and max(len(line) for line in rows + tables) <= 80
    assert "first detection km (min" not in out  # the old header that wrapped five lines
    # prose stays one line a sentence (the reader's terminal wraps it, a pipe keeps it)
    assert any(line.startswith("Timeline:") and "last event" in line for line in out.splitlines())
    # "Wrote" names every file the run folder holds
    wrote = next(line for line in out.splitlines() if line.startswith("Wrote "))
    folder = tmp_path / "runs" / "regiment_vs_mixed_raid" / "0"
    assert sorted(wrote.split(": ", 1)[1].split(", ")) == sorted(p.name for p in folder.iterdir())


def test_json_output_is_clean_json_whatever_goes_to_stderr(tmp_path: Path) -> None:
    proc = _samsim("run", str(EXAMPLES / "battalion_vs_cruise_raid.yaml"), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scenario"] == "battalion_vs_cruise_raid"
    assert "samsim:" not in proc.stdout


def test_catalog_names_and_figures_stay_whole_when_piped(tmp_path: Path) -> None:
    from samsim.scenario.catalog import load_catalog

    cat = load_catalog()
    proc = _samsim("catalog", "--figures", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert ELLIPSIS not in proc.stdout
    lines = proc.stdout.splitlines()
    for sec in cat.sections:
        for name, entry in cat[sec].items():
            assert any(line.startswith(f"  {name}  ") for line in lines), name
            for key, fig in entry.figures.items():
                rng = (
                    ""
                    if fig.range is None
                    else f" (range (SI) {fig.range[0]:g} .. {fig.range[1]:g})"
                )
                assert f"      {key} = {fig.value} ({fig.confidence}){rng}: {fig.source}" in lines


def test_first_run_is_detected_from_an_empty_numba_cache(tmp_path: Path) -> None:
    """With an empty numba cache (a first run after installing) samsim says it will
    compile; the message is the one `samsim run` shows on stderr."""
    code = (
        "import samsim.engine.loop\n"
        "from samsim.console import first_run_note, kernels_need_compiling\n"
        "print(kernels_need_compiling(), first_run_note(kernels_need_compiling()))\n"
    )
    env = {**subprocess_env(), "NUMBA_CACHE_DIR": str(tmp_path / "empty")}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("True") and "compiling samsim's numba kernels" in proc.stdout


def test_compiled_kernels_are_recognised(tmp_path: Path) -> None:
    """A package's kernels once compiled into numba's cache need no compiling in the next
    process; before, they do."""
    (tmp_path / "kpkg").mkdir()
    (tmp_path / "kpkg" / "__init__.py").write_text(
        "from numba import njit\n"
        "@njit(cache=True)\ndef f(x):\n    return x + 1\n"
        "@njit(cache=True)\ndef g(x):\n    return 2 * x\n"
    )
    check = (
        "import sys, kpkg\n"
        "from samsim.console import kernels_need_compiling\n"
        "print(kernels_need_compiling('kpkg'))\n"
        "if sys.argv[1] == 'call': kpkg.f(1); kpkg.g(1)\n"
    )
    env = {**subprocess_env(), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env["PYTHONPATH"]])

    def run(arg: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", check, arg], capture_output=True, text=True, env=env,
            timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    assert run("call") == "True"  # nothing cached yet; this process compiles both
    assert run("look") == "False"
