"""Output paths, checked before the work that fills them.

A command that writes (``run --out``, ``report --out``, ``export --kml``) checks its
output first, so a mistyped or unwritable path costs nothing but an error message; and a
run folder is replaced whole, so a new run never sits beside an old run's report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from samsim.cachedir import process_umask
from samsim.errors import SamsimError

#: Files ``samsim run`` writes into a run folder.
RUN_FILES = ("events.parquet", "trajectories.parquet", "summary.json", "scenario.json")
#: Kinds of file made from a run that may sit in its folder (report, exports).
DERIVED_SUFFIXES = (".html", ".kml", ".czml")


class OutputError(SamsimError):
    """An output path that cannot be written (exit 2, before any work)."""


def _probe_folder(folder: Path, option: str, shown: Path) -> None:
    """Raise unless a file can be created in ``folder`` or, when it does not exist yet,
    in its nearest existing ancestor (which must be a folder)."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(
            f"{option} {shown}: {probe} is a file, so no folder can be made below it; "
            "give a path in an existing folder"
        )
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise OutputError(
            f"{option} {shown}: cannot write in {probe} ({exc.strerror or exc}); give a "
            "folder you can write to"
        ) from None


def check_output_file(path: str | Path, option: str, example: str) -> Path:
    """``path`` as a file to write: not a folder, in a folder that exists or can be made
    and is writable.

    Parameters
    ----------
    path : path
        The file the command will write.
    option : str
        The option that named it (``--out``), for the message.
    example : str
        A file name to suggest when ``path`` is a folder (``report.html``).

    Raises
    ------
    OutputError
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{option} {p} is a folder; give a file path, e.g. {p / example}")
    if p.name in ("", ".", ".."):
        raise OutputError(f"{option} {p!s} names no file; give a file path, e.g. {example}")
    _probe_folder(p.parent if str(p.parent) else Path("."), option, p)
    return p


def check_output_dir(path: str | Path, option: str) -> Path:
    """``path`` as a folder to write into: not a file; it or its nearest existing
    ancestor is writable.

    Raises
    ------
    OutputError
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputError(f"{option} {p} is a file; give a folder")
    _probe_folder(p, option, p)
    return p


def _foreign(folder: Path) -> list[str]:
    """Entries of ``folder`` that ``samsim run`` and the report and exports of a run did
    not write (sorted)."""
    out = []
    for entry in folder.iterdir():
        name = entry.name
        ours = entry.is_file() and (
            name in RUN_FILES
            or name.endswith(DERIVED_SUFFIXES)
            or (name.startswith(".") and name.endswith(".tmp"))
        )
        if not ours:
            out.append(name + ("/" if entry.is_dir() else ""))
    return sorted(out)


def check_run_dir(path: str | Path, option: str = "--out") -> bool:
    """Check, before simulating, that a run can be written to the folder ``path``.

    Returns
    -------
    bool
        True if the folder holds a previous run (which :func:`write_run_dir` replaces
        whole, with the report and exports made from it).

    Raises
    ------
    OutputError
        ``path`` is a file, cannot be written, or holds files that are not a run's.
    """
    p = check_output_dir(path, option)
    if not p.is_dir():
        return False
    foreign = _foreign(p)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise OutputError(
            f"{option} {p} holds files that are not a samsim run's ({shown}); give a new "
            "or empty folder (a run folder is replaced whole)"
        )
    return any(p.iterdir())


def write_run_dir(path: str | Path, write: Callable[[Path], object]) -> None:
    """Write a run into ``path`` through ``write(folder)``, replacing the folder whole.

    The run is written into a new folder beside ``path``, which then takes its place; the
    previous folder (its run, report and exports) is removed only after that, so an
    interrupted write leaves the old run or the new one, never a mixture.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.new-"))
    try:
        write(fresh)
        os.chmod(fresh, 0o777 & ~process_umask())  # mkdtemp makes 0700
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
            os.replace(target, old / target.name)
            os.replace(fresh, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(fresh, target)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
