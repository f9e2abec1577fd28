"""Files and folders samsim writes take the modes the user's umask gives (as `open` and
`mkdir` would), although they are written through private temporary files."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from samsim.cachedir import process_umask
from samsim.engine.run import atomic_write_bytes
from samsim.outputs import write_run_dir


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_process_umask_reads_without_changing(umask: int) -> None:
    assert process_umask() == umask
    assert process_umask() == umask


def test_run_folder_and_files_follow_the_umask(tmp_path: Path, umask: int) -> None:
    def write(folder: Path) -> None:
        atomic_write_bytes(folder / "summary.json", b"{}")
        (folder / "sub").mkdir()

    target = tmp_path / "run"
    write_run_dir(target, write)
    assert _mode(target) == 0o777 & ~umask
    assert _mode(target / "summary.json") == 0o666 & ~umask
    assert _mode(target / "sub") == 0o777 & ~umask
    # a rewrite keeps following it
    write_run_dir(target, write)
    assert _mode(target) == 0o777 & ~umask
