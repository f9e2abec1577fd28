"""Compiling the kernels ahead of their first call (samsim.precompile)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba.core import types

from samsim.precompile import (
    MANIFEST,
    compile_one,
    numba_type,
    precompile,
    read_manifest,
    type_spec,
)
from tests.conftest import subprocess_env

TYPES = [
    types.float64,
    types.int64,
    types.int32,
    types.boolean,
    types.uint8,
    types.Array(types.float64, 2, "C"),
    types.Array(types.float64, 1, "A"),
    types.Array(types.int64, 1, "C", readonly=True),
    types.Array(types.boolean, 3, "F"),
    types.UniTuple(types.float64, 3),
    types.Tuple([types.int64, types.Array(types.float64, 1, "C")]),
]


@pytest.mark.parametrize("t", TYPES, ids=str)
def test_type_forms_round_trip(t: types.Type) -> None:
    spec = type_spec(t)
    assert numba_type(json.loads(json.dumps(spec))) == t


def test_other_types_have_no_form() -> None:
    with pytest.raises(TypeError):
        type_spec(types.unicode_type)
    with pytest.raises(TypeError):
        type_spec(types.literal(-1))


def test_the_list_is_sorted_longest_first_and_every_entry_names_a_kernel() -> None:
    entries = read_manifest()
    assert len(entries) > 50
    times = [e["compile_s"] for e in entries]
    assert times == sorted(times, reverse=True) and min(times) >= 0.0
    for e in entries:
        module, _, name = e["kernel"].partition(":")
        assert module.startswith("samsim.") and name, e["kernel"]
        [numba_type(s) for s in e["signature"]]


def test_stale_entries_are_skipped() -> None:
    assert np.isnan(compile_one("samsim.geo.frames:no_such_kernel", ["float64"]))
    assert np.isnan(compile_one("samsim.no_such_module:k", ["float64"]))


def test_precompile_fills_an_empty_cache_in_two_processes(tmp_path: Path) -> None:
    """Two listed kernels compiled by two processes land in numba's cache: a fresh
    process then finds them compiled (samsim.console.kernels_need_compiling)."""
    small = tmp_path / "kernels.json"
    chosen = [e for e in read_manifest() if e["compile_s"] > 0.05][-2:]  # the quickest
    small.write_text(json.dumps({"kernels": chosen}))
    cache = tmp_path / "cache"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from samsim.precompile import precompile\n"
        "print(precompile(2, Path(sys.argv[1])))\n"
    )
    env = {**subprocess_env(), "NUMBA_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(small)], capture_output=True, text=True, env=env,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2"
    names = {e["kernel"].partition(":")[2] for e in chosen}
    # numba's index files: <module>.<qualname>-<line>.py311.nbi
    indexed = {p.name.split(".")[1].rsplit("-", 1)[0] for p in cache.rglob("*.nbi")}
    assert names <= indexed, (names, sorted(indexed))


@pytest.mark.slow
def test_the_flagship_example_calls_only_listed_signatures() -> None:
    """Every kernel signature the flagship example calls is in the list (else its first
    run compiles it alone, after the list): rewrite it with
    `python tools/write_kernel_list.py` after changing a kernel's arguments.

    A process that loads a kernel from the cache registers only the signatures it is
    called with from Python, one that compiles it also those of the kernels it calls
    (compiled within it). So a signature outside the list may come from a cold cache:
    the list is then compiled (``python -m samsim.precompile``) and the example run
    again, and that run decides. (The whole suite compiles the list first, so the first
    run is usually the only one.)"""
    code = (
        "import json\n"
        "from samsim.engine.loop import simulate\n"
        "from samsim.scenario.loader import load_scenario\n"
        "from samsim.precompile import loaded_kernels, type_spec\n"
        f"simulate(load_scenario({str(Path('examples/battalion_vs_cruise_raid.yaml'))!r}), 0)\n"
        "out = []\n"
        "for k, d in loaded_kernels():\n"
        "    for s in d.signatures:\n"
        "        try:\n"
        "            out.append([k, [type_spec(t) for t in s]])\n"
        "        except TypeError:\n"
        "            pass  # a callee's constant argument: compiled in its caller\n"
        "print(json.dumps(out))\n"
    )
    listed = {(e["kernel"], json.dumps(e["signature"])) for e in read_manifest()}

    def called() -> set[tuple[str, str]]:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(),
            timeout=900, cwd=MANIFEST.parents[2],
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return {(k, json.dumps(s)) for k, s in json.loads(proc.stdout.splitlines()[-1])}

    first = called()
    assert first
    if first <= listed:
        return
    pre = subprocess.run(
        [sys.executable, "-m", "samsim.precompile"], capture_output=True, text=True,
        env=subprocess_env(), timeout=1800,
    )  # fmt: skip
    assert pre.returncode == 0, pre.stderr
    again = called()
    assert again and again <= listed, sorted(again - listed)


def test_precompile_of_an_empty_list_does_nothing(tmp_path: Path) -> None:
    assert precompile(2, tmp_path / "missing.json") == 0
