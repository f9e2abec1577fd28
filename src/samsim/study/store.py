"""The study folder: manifest, lock, results and event logs written batch by batch.

Layout of a study folder ``DIR``::

    manifest.json                 written first: scenario hash, sweep, points, runs, schema
    scenario.json                 the base scenario (provenance)
    results/point=K/part-*.parquet    one file per completed batch of runs (hive style)
    events/point=K/part-*.parquet     per-run event logs (``--keep-events``), same names
    .lock                         held while a study writes (fcntl, released on any exit)

Every file is written atomically (temporary file, fsync, rename), events before results,
so a study killed at any moment leaves complete files only; on reopening, temporaries and
event files whose results file is missing are removed and the runs in the results files
are the completed ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from samsim.engine.run import atomic_write_bytes, atomic_write_parquet
from samsim.study.sweep import StudyError

MANIFEST = "manifest.json"
RESULTS = "results"
EVENTS = "events"
FORMAT = "samsim-study"
FORMAT_VERSION = 1

_TYPES = {
    "int32": pa.int32(),
    "int64": pa.int64(),
    "double": pa.float64(),
    "string": pa.string(),
    "bool": pa.bool_(),
}


def schema_to_json(schema: pa.Schema) -> list[list[str]]:
    return [[f.name, str(f.type)] for f in schema]


def schema_from_json(items: Sequence[Sequence[str]]) -> pa.Schema:
    return pa.schema([pa.field(name, _TYPES[t]) for name, t in items])


def read_manifest(directory: str | Path) -> dict[str, Any]:
    """The manifest of the study in ``directory``.

    Raises
    ------
    StudyError
        When the folder holds no study.
    """
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StudyError(
            f"{directory} holds no study (no {MANIFEST}); give the folder a study was "
            "written to (samsim study FILE --out DIR)"
        ) from None
    except (OSError, ValueError) as exc:
        raise StudyError(
            f"{path} cannot be read ({exc}); the study's manifest is damaged. Rerun the study "
            "into a new --out folder"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise StudyError(f"{path} is not a samsim study manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise StudyError(
            f"{path} has study format version {manifest.get('version')}; this samsim reads "
            f"version {FORMAT_VERSION}"
        )
    problem = _manifest_problem(manifest)
    if problem:
        raise StudyError(
            f"{path} is damaged: {problem}. It was not written by samsim as it stands; rerun "
            "the study into a new --out folder"
        )
    return manifest


def _manifest_problem(m: dict[str, Any]) -> str | None:
    """What is wrong with a manifest's structure (the fields samsim reads), or None."""

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    checks: list[tuple[bool, str]] = [
        (
            isinstance(m.get("scenario"), dict)
            and isinstance(m["scenario"].get("name"), str)
            and isinstance(m["scenario"].get("hash"), str),
            "'scenario' needs a name and a hash",
        ),
        (
            isinstance(m.get("sweep"), list)
            and all(
                isinstance(a, dict)
                and isinstance(a.get("path"), str)
                and isinstance(a.get("values"), list)
                and isinstance(a.get("raw"), list)
                for a in m["sweep"]
            ),
            "'sweep' must be a list of axes, each with path, values and raw",
        ),
        (
            isinstance(m.get("points"), list)
            and len(m["points"]) >= 1
            and all(
                isinstance(p, dict)
                and isinstance(p.get("values"), dict)
                and isinstance(p.get("scenario_hash"), str)
                for p in m["points"]
            ),
            "'points' must list each sweep point with its values and scenario_hash",
        ),
        (
            is_int(m.get("runs_per_point")) and m["runs_per_point"] >= 1,
            "'runs_per_point' must be a whole number >= 1",
        ),
        (is_int(m.get("first_seed")) and m["first_seed"] >= 0, "'first_seed' must be >= 0"),
        (isinstance(m.get("keep_events"), bool), "'keep_events' must be true or false"),
        (isinstance(m.get("runner"), str), "'runner' must be text"),
        (
            isinstance(m.get("schema"), list)
            and all(
                isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and c[1] in _TYPES
                for c in m["schema"]
            ),
            f"'schema' must list [column, type] pairs with types among {', '.join(_TYPES)}",
        ),
    ]
    return next((why for ok, why in checks if not ok), None)


def _describe_sweep(sweep: list[dict[str, Any]]) -> str:
    if not sweep:
        return "no sweep"
    return "; ".join(f"{a['path']}={','.join(a['raw'])}" for a in sweep)


def _incompatibility(directory: Path, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    fix = f" Use a new --out folder for this study, or rerun the command that started {directory}."
    if old["scenario"]["hash"] != new["scenario"]["hash"]:
        return (
            f"{directory} holds a study of a different scenario ({old['scenario']['name']!r}, "
            f"content hash {old['scenario']['hash'][:12]}); the scenario given is "
            f"{new['scenario']['name']!r} with hash {new['scenario']['hash'][:12]}." + fix
        )
    if old.get("design") != new.get("design"):
        what = (old.get("design") or {}).get("kind", "a sweep")
        return (
            f"{directory} holds a different study ({what}: {json.dumps(old.get('design'))}); "
            f"this command asks for {json.dumps(new.get('design'))}." + fix
        )
    old_sweep = [(a["path"], a["values"]) for a in old["sweep"]]
    new_sweep = [(a["path"], a["values"]) for a in new["sweep"]]
    if "design" not in new and old_sweep != new_sweep:
        return (
            f"{directory} holds a study with a different sweep ({_describe_sweep(old['sweep'])}); "
            f"this command asks for {_describe_sweep(new['sweep'])}." + fix
        )
    for key, what in (
        ("first_seed", "--first-seed"),
        ("keep_events", "--keep-events"),
        ("runner", "run function"),
    ):
        if old[key] != new[key]:
            return (
                f"{directory} was started with {what} = {old[key]!r}; this command gives "
                f"{new[key]!r}. Rerun with {old[key]!r}, or use a new --out folder."
            )
    if "design" not in new and new["runs_per_point"] < old["runs_per_point"]:
        return (
            f"{directory} was started with --runs {old['runs_per_point']}; this command asks "
            f"for {new['runs_per_point']}. Give --runs {old['runs_per_point']} (or more, to "
            "extend the study), or use a new --out folder."
        )
    if old["schema"] != new["schema"]:
        return f"{directory} has a different results schema (written by another samsim)." + fix
    return None


def part_name(seeds: Sequence[int]) -> str:
    """File name of the batch of ``seeds``: first and last seed and a CRC of all of them,
    so the same batch always gets the same name (a rerun replaces, never duplicates)."""
    arr = np.asarray(sorted(seeds), dtype="<i8")
    crc = zlib.crc32(arr.tobytes()) & 0xFFFFFFFF
    return f"part-{arr[0]:010d}-{arr[-1]:010d}-{crc:08x}.parquet"


class _Lock:
    """An exclusive advisory lock on ``DIR/.lock`` (released by the OS on any exit)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / ".lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl
        except ImportError:  # not POSIX: no advisory locks; one writer is the user's job
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode(errors="replace").strip()
            os.close(self.fd)
            self.fd = None
            raise StudyError(
                f"another samsim study (process {holder or '?'}) is writing to "
                f"{self.path.parent}; wait for it to finish or stop it first"
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class StudyStore:
    """A study folder opened for writing (holds the lock until :meth:`close`)."""

    def __init__(self, directory: Path, manifest: dict[str, Any], lock: _Lock) -> None:
        self.directory = directory
        self.manifest = manifest
        self.schema = schema_from_json(manifest["schema"])
        self._lock = lock

    @classmethod
    def open(
        cls, directory: str | Path, manifest: dict[str, Any], scenario_json: bytes
    ) -> StudyStore:
        """Create the study in ``directory`` or reopen it to resume.

        The manifest (and the base scenario) are written before any run. An existing study
        must have the same scenario, sweep, first seed, events setting and run function;
        ``runs_per_point`` may grow (the study is extended).

        Raises
        ------
        StudyError
            When the folder holds another study, other files, or is being written by
            another process.
        """
        d = Path(directory)
        if d.exists() and not d.is_dir():
            raise StudyError(f"--out {d} is a file; give a folder for the study")
        made_dir = not d.exists()
        d.mkdir(parents=True, exist_ok=True)
        lock = _Lock(d)
        made_lock = not lock.path.exists()
        try:
            lock.acquire()
        except BaseException:
            _remove_made(d, lock, made_dir, made_lock)
            raise
        try:
            path = d / MANIFEST
            if path.exists():
                old = read_manifest(d)
                problem = _incompatibility(d, old, manifest)
                if problem:
                    raise StudyError(problem)
                if old["runs_per_point"] != manifest["runs_per_point"]:
                    old = {**old, "runs_per_point": manifest["runs_per_point"]}
                    _write_json(path, old)
                manifest = old
            else:
                others = sorted(p.name for p in d.iterdir() if p.name != ".lock")
                if others:
                    raise StudyError(
                        f"--out {d} is not empty and holds no study ({', '.join(others[:5])}); "
                        "give a new or empty folder"
                    )
                _write_json(path, manifest)
                atomic_write_bytes(d / "scenario.json", scenario_json)
            store = cls(d, manifest, lock)
            store._clean()
            return store
        except BaseException:
            lock.release()
            if not (d / MANIFEST).exists():  # refused before writing: leave no trace
                _remove_made(d, lock, made_dir, made_lock)
            raise

    def close(self) -> None:
        self._lock.release()

    def update_manifest(self, **changes: Any) -> None:
        """Rewrite the manifest with ``changes`` (atomically): a designed study records
        the points and runs it adds round by round."""
        self.manifest = {**self.manifest, **changes}
        _write_json(self.directory / MANIFEST, self.manifest)

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _clean(self) -> None:
        """Remove temporaries of interrupted writes and event files whose results file
        was never written (the batch will run again and rewrite both)."""
        for sub in (RESULTS, EVENTS):
            root = self.directory / sub
            if root.is_dir():
                for tmp in root.glob("point=*/.*.tmp"):
                    tmp.unlink(missing_ok=True)
        events = self.directory / EVENTS
        if events.is_dir():
            for part in events.glob("point=*/part-*.parquet"):
                if not (self.directory / RESULTS / part.parent.name / part.name).exists():
                    part.unlink()

    def done_seeds(self) -> dict[int, set[int]]:
        """Seeds of the completed runs, by sweep point."""
        done: dict[int, set[int]] = {}
        for point, part in _parts(self.directory / RESULTS):
            seeds = _read_part(part, ["seed"]).column("seed").to_pylist()
            bucket = done.setdefault(point, set())
            dup = bucket.intersection(seeds)
            if dup:
                raise StudyError(
                    f"{part} repeats runs of point {point} (seeds {sorted(dup)[:5]}) found in "
                    "another file; the folder was written by two studies at once. Remove one "
                    "of the files or start a new study"
                )
            bucket.update(seeds)
        return done

    def write_batch(self, point: int, rows: list[dict[str, Any]], events: pa.Table | None) -> None:
        """Write one completed batch of runs of ``point`` (events first, then results)."""
        name = part_name([r["seed"] for r in rows])
        folder = f"point={point}"
        if events is not None:
            atomic_write_parquet(self.directory / EVENTS / folder / name, events)
        table = pa.Table.from_pylist(rows, schema=self.schema)
        atomic_write_parquet(self.directory / RESULTS / folder / name, table)


def _remove_made(directory: Path, lock: _Lock, made_dir: bool, made_lock: bool) -> None:
    """Remove the lock file and the folder that opening a study made, when it was refused
    (a refused --out folder is left as it was)."""
    if made_lock:
        lock.path.unlink(missing_ok=True)
    if made_dir:
        with contextlib.suppress(OSError):  # not empty: something else wrote there
            directory.rmdir()


def _write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def _parts(root: Path) -> list[tuple[int, Path]]:
    out: list[tuple[int, Path]] = []
    if not root.is_dir():
        return out
    for folder in sorted(root.glob("point=*")):
        try:
            point = int(folder.name.partition("=")[2])
        except ValueError:
            continue
        out += [(point, p) for p in sorted(folder.glob("part-*.parquet"))]
    return out


def _read_part(path: Path, columns: list[str] | None = None) -> pa.Table:
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowInvalid) as exc:
        raise StudyError(
            f"{path} cannot be read ({exc}); it was not written by samsim's atomic writer. "
            "Delete it and rerun the study to redo its runs"
        ) from None


def _as_schema(path: Path, table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (read from ``path``) in the study's results schema, or a StudyError."""
    try:
        return table.select(schema.names).cast(schema)
    except (KeyError, ValueError, pa.ArrowException) as exc:
        raise StudyError(
            f"{path} does not have the study's results columns ({exc}); it was not written "
            "by this study. Delete it and rerun the study to redo its runs"
        ) from None


def load_results(directory: str | Path) -> pa.Table:
    """All completed runs of the study in ``directory``, sorted by point and seed.

    Returns
    -------
    pyarrow.Table
        One row per run (schema in docs/studies.md); ``.to_pandas()`` for a DataFrame.
    """
    d = Path(directory)
    manifest = read_manifest(d)
    schema = schema_from_json(manifest["schema"])
    tables = [(p, _read_part(p)) for _, p in _parts(d / RESULTS)]
    if not tables:
        return schema.empty_table()
    table = pa.concat_tables([_as_schema(p, t, schema) for p, t in tables])
    table = table.sort_by([("point", "ascending"), ("seed", "ascending")])
    point = table.column("point").to_numpy()
    seed = table.column("seed").to_numpy()
    repeated = int(np.count_nonzero((point[1:] == point[:-1]) & (seed[1:] == seed[:-1])))
    if repeated:
        raise StudyError(
            f"{d} holds {repeated} runs more than once (two studies wrote to it at once); "
            "reopen it with the study command to find the files, or start a new study"
        )
    return table


def load_events(directory: str | Path, point: int | None = None) -> pa.Table:
    """The event logs kept by a study (``--keep-events``), with ``point`` and ``seed``
    columns first; all points, or one."""
    d = Path(directory)
    read_manifest(d)
    parts = [p for k, p in _parts(d / EVENTS) if point is None or k == point]
    if not parts:
        raise StudyError(
            f"{d} has no event logs"
            + ("" if point is None else f" for point {point}")
            + "; run the study with --keep-events to keep them"
        )
    table = pa.concat_tables([_read_part(p) for p in parts], promote_options="default")
    return table.sort_by([("point", "ascending"), ("seed", "ascending")])
