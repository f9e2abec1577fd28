"""The on-disk cache of time-of-flight tables: the same table as building it, bit for bit;
a key that changes with the missile and the code; a broken entry rebuilt."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from samsim.physics import envelope
from samsim.physics import tofcache as cache
from samsim.scenario.catalog import load_catalog


def _spec(name: str = "9M96E2") -> object:
    return load_catalog()["missiles"][name].spec


def _arrays(t: object) -> dict[str, np.ndarray]:
    return {
        f.name: getattr(t, f.name)
        for f in dataclasses.fields(t)  # type: ignore[arg-type]
        if isinstance(getattr(t, f.name), np.ndarray)
    }


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAMSIM_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "_MEMORY", {})
    return tmp_path


def test_disk_table_equals_built_table_bit_for_bit(cache_dir: Path) -> None:
    spec = _spec()
    built = envelope.tof_table(spec)  # type: ignore[arg-type]
    first = cache.tof_table(spec)  # type: ignore[arg-type]
    files = list(cache_dir.glob("tof/*.npz"))
    assert len(files) == 1
    cache._MEMORY.clear()
    loaded = cache.tof_table(spec)  # type: ignore[arg-type]
    assert loaded is not first  # read back from disk
    assert loaded.name == built.name
    for name, a in _arrays(built).items():
        b = getattr(loaded, name)
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes(), name
    # the derived lookup agrees too
    r, h = np.linspace(1e3, 60e3, 7), np.linspace(20.0, 20e3, 7)
    for x, y in zip(built.lookup(r, h), loaded.lookup(r, h), strict=True):
        np.testing.assert_array_equal(x, y)


def test_key_changes_with_spec_and_code(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec()
    cache.tof_table(spec)  # type: ignore[arg-type]
    faster = spec.model_copy(update={"max_range_m": spec.max_range_m * 0.9})  # type: ignore[attr-defined]
    cache.tof_table(faster)
    assert len(list(cache_dir.glob("tof/*.npz"))) == 2
    cache._MEMORY.clear()
    monkeypatch.setattr(cache, "code_digest", lambda: "edited code")
    cache.tof_table(spec)  # type: ignore[arg-type]
    assert len(list(cache_dir.glob("tof/*.npz"))) == 3


def test_corrupt_entry_is_rebuilt(cache_dir: Path) -> None:
    spec = _spec()
    good = cache.tof_table(spec)  # type: ignore[arg-type]
    (path,) = cache_dir.glob("tof/*.npz")
    path.write_bytes(b"not an npz file")
    cache._MEMORY.clear()
    again = cache.tof_table(spec)  # type: ignore[arg-type]
    np.testing.assert_array_equal(again.time_of_flight_s, good.time_of_flight_s)
    cache._MEMORY.clear()
    assert cache.tof_table(spec).name == good.name  # type: ignore[arg-type]  # rewritten


def test_unwritable_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(cache, "_MEMORY", {})
    monkeypatch.setenv("SAMSIM_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    assert cache.tof_table(_spec()).name == "9M96E2"  # type: ignore[arg-type]


def test_numba_cache_folder_follows_every_source_edit(tmp_path: Path) -> None:
    """numba reuses a kernel's cache when its own file is unchanged, even if a kernel it
    calls in another file changed; samsim gives each version of its source its own
    numba cache folder, so an edit anywhere compiles afresh."""
    import os
    import shutil
    import subprocess
    import sys

    import samsim

    pkg = tmp_path / "src" / "samsim"
    shutil.copytree(
        Path(samsim.__file__).parent, pkg, ignore=shutil.ignore_patterns("static", "__pycache__")
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(tmp_path / "src")
    env["SAMSIM_CACHE_DIR"] = str(tmp_path / "cache")

    def folder() -> str:
        code = "import os, samsim; print(os.environ['NUMBA_CACHE_DIR'])"
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        return out.stdout.strip()

    first = folder()
    assert first.startswith(str(tmp_path / "cache" / "numba")) and Path(first).is_dir()
    assert folder() == first
    edited = pkg / "physics" / "atmosphere.py"
    edited.write_text(edited.read_text() + "\n# an edit\n")
    assert folder() != first
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "mine")
    assert folder() == str(tmp_path / "mine")  # the user's choice is kept


def _copy_of_the_package(root: Path) -> dict[str, str]:
    """A copy of samsim's source under ``root`` (new paths, new modification times) and
    the environment that imports it, with samsim's cache folder under the test's folder."""
    import os
    import shutil

    import samsim

    shutil.copytree(
        Path(samsim.__file__).parent,
        root / "src" / "samsim",
        ignore=shutil.ignore_patterns("static", "__pycache__"),
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(root / "src")
    env["SAMSIM_CACHE_DIR"] = str(root.parent / "cache")
    return env


def _in(env: dict[str, str], code: str) -> str:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_copies_of_the_same_source_share_a_numba_cache_folder(tmp_path: Path) -> None:
    """Two copies of the same source (another clone, another virtual environment) get the
    same content fingerprint and kernel folder, wherever they are; an edit in one gives it
    its own."""
    a = _copy_of_the_package(tmp_path / "a")
    b = _copy_of_the_package(tmp_path / "b")
    code = "import os, samsim; print(samsim.content_fingerprint(), os.environ['NUMBA_CACHE_DIR'])"
    first = _in(a, code)
    assert _in(b, code) == first
    assert _in(a, code) == first  # remembered, and the same
    memos = list((tmp_path / "cache" / "numba" / "content").iterdir())
    assert len(memos) == 2  # one per copy (their paths and times differ)
    edited = tmp_path / "b" / "src" / "samsim" / "units.py"
    edited.write_text(edited.read_text() + "\n# an edit\n")
    assert _in(b, code).split()[0] != first.split()[0]


@pytest.mark.slow
def test_a_copy_of_the_source_loads_the_kernels_another_copy_compiled(tmp_path: Path) -> None:
    """A kernel compiled by one copy of samsim is loaded, not compiled, by another copy of
    the same source in another folder; after an edit anywhere in the package it is
    compiled again (a kernel may inline code of another module)."""
    a = _copy_of_the_package(tmp_path / "a")
    b = _copy_of_the_package(tmp_path / "b")
    code = (
        "import numpy as np\n"
        "import samsim.lsap as m\n"
        "m.linear_sum_assignment(np.array([[1.0, 2.0], [2.0, 1.0]]))\n"
        "s = m._solve.stats\n"
        "print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))\n"
    )
    hits, misses = map(int, _in(a, code).split())
    assert (hits, misses) == (0, 1)  # compiled
    hits, misses = map(int, _in(b, code).split())
    assert (hits, misses) == (1, 0)  # loaded: the other copy's machine code
    edited = tmp_path / "b" / "src" / "samsim" / "physics" / "atmosphere.py"
    edited.write_text(edited.read_text() + "\n# an edit in another module\n")
    hits, misses = map(int, _in(b, code).split())
    assert (hits, misses) == (0, 1)
