"""The event log: the single source of truth of a run.

One row per event, in a fixed columnar schema (Apache Arrow). Summaries, reports,
exports and replays are all derived from this table. Missing values are explicit
sentinels, not nulls, so that scripts can filter without null handling: ``-1`` for ids,
``""`` for names, ``NaN`` for measurements.

Event kinds (column ``kind``):

==================  ========================================================================
detection           a radar reported a plot; ``sensor``, ``unit``, ``threat_id`` (``-1`` for
                    a false alarm), ``track_id`` (the track it updated or started),
                    measured position ``x_m, y_m, z_m``, true ``range_m`` (for a false
                    alarm the range of the cell), ``snr_db`` (per-pulse signal to thermal
                    noise; NaN for a false alarm), ``detail`` (below)
track_start         a tentative track was initiated; ``track_id``, ``threat_id`` (truth of the
                    initiating detection, ``-1`` if a false alarm)
track_confirmed     a track passed M-of-N confirmation; ``track_id``, ``threat_id``
track_end           a track was deleted; ``track_id``, ``detail``: ``unconfirmed`` (failed
                    M-of-N), ``misses`` (consecutive misses), ``score`` (score drop),
                    ``coast`` (no update for ``max_coast_s``), ``covariance`` (position
                    sigma above ``max_pos_sigma_m``)
assignment          the command post assigned missiles to a track; ``unit``, ``track_id``,
                    ``threat_id``, ``missile_type``, ``count``, ``value`` (threat value), ``pk``
launch              an interceptor left its launcher; ``interceptor_id``, ``unit``,
                    ``launcher``, ``missile_type``, ``track_id``, ``threat_id``, position,
                    ``pk`` (the single-shot Pk the command post planned it with)
intercept           an interceptor reached closest approach to its target; ``miss_m``,
                    ``pk`` (of the fuze and warhead at that miss and encounter speed),
                    ``detail`` = "kill" or "miss", position of the interceptor
interceptor_end     an interceptor's flight ended; ``detail`` = "intercept", "self_destruct",
                    "ground", "time_limit", "min_speed", "target_gone"
kill                a threat was destroyed; ``threat_id``, ``interceptor_id``
leak                a threat reached a defended asset; ``threat_id``, ``asset``; or the node
                    its group targets (``target_node``): ``asset`` is the node's name,
                    ``detail`` = "node", ``miss_m`` its ground distance from the node
threat_end          a threat left the scenario without reaching an asset; ``detail``:
                    ``route_end``, ``impact`` (a ballistic missile's impact away from the
                    assets; a threat aimed at a node that ends beyond its lethal radius of
                    it, with ``asset`` the node and ``miss_m``), ``time_limit`` (still
                    flying at the end of the run)
node_lost           a radar, launcher or command post was destroyed; ``asset`` (the node:
                    ``<unit>.<name>``, ``<unit>.command_post``, ``regiment.command_post``),
                    ``detail`` (its kind: radar, launcher, command_post), ``unit``,
                    ``sensor`` (radars) or ``launcher``, ``threat_id`` and ``threat_type``
                    (what destroyed it), ``miss_m`` (its ground distance from the burst),
                    the node's position. Each node is lost at most once; nodes that are
                    never lost survive (the summary counts them)
emission_off        a radar stopped emitting (it no longer scans, tracks or guides);
                    ``sensor``, ``unit``, ``detail``: ``emcon_arm`` (dark on an
                    anti-radiation missile), ``emcon_window`` (outside its emission
                    windows), ``emcon_cue`` (nothing to look at under on-cue emission),
                    ``relocating``; a lost radar's emission ends with its ``node_lost``.
                    A radar emits from time 0 unless its first event is an
                    ``emission_off`` at time 0
emission_on         a radar emits again; ``sensor``, ``unit``, ``detail`` (why it had gone
                    dark, as above)
relocate            shoot-and-scoot: a node went off line to move (``detail`` "depart") or
                    came up at its new site (``detail`` "arrive", position of the new
                    site); ``asset`` (the node), ``unit``
==================  ========================================================================

The ``detail`` of a detection is ``;``-separated tokens
(:func:`samsim.sensors.radar.detection_details`): ``track`` / ``acquired`` for a
fire-control radar's plot on a track it holds / a cued track it acquired;
``jnr_db=X``, ``cnr_db=X`` and ``sinr_db=X`` when jamming or ground clutter competed
with the target (jammer- and clutter-to-noise ratios, and the signal to interference
plus noise the detection was decided on). Empty otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import ArrayLike, NDArray

EVENT_KINDS = (
    "detection",
    "track_start",
    "track_confirmed",
    "track_end",
    "assignment",
    "launch",
    "intercept",
    "interceptor_end",
    "kill",
    "leak",
    "threat_end",
    "node_lost",
    "emission_off",
    "emission_on",
    "relocate",
)

#: Column name -> (arrow type, missing sentinel). Order is the table's column order.
COLUMNS: dict[str, tuple[pa.DataType, Any]] = {
    "time_s": (pa.float64(), np.nan),
    "kind": (pa.string(), ""),
    "threat_id": (pa.int32(), -1),
    "track_id": (pa.int64(), -1),
    "interceptor_id": (pa.int32(), -1),
    "sensor": (pa.string(), ""),
    "unit": (pa.string(), ""),
    "launcher": (pa.string(), ""),
    "missile_type": (pa.string(), ""),
    "asset": (pa.string(), ""),
    "threat_type": (pa.string(), ""),
    "x_m": (pa.float64(), np.nan),
    "y_m": (pa.float64(), np.nan),
    "z_m": (pa.float64(), np.nan),
    "range_m": (pa.float64(), np.nan),
    "snr_db": (pa.float64(), np.nan),
    "miss_m": (pa.float64(), np.nan),
    "pk": (pa.float64(), np.nan),
    "value": (pa.float64(), np.nan),
    "count": (pa.int32(), -1),
    "detail": (pa.string(), ""),
}

SCHEMA = pa.schema([pa.field(name, typ, nullable=False) for name, (typ, _) in COLUMNS.items()])
_KINDS = frozenset(EVENT_KINDS)
_COLUMN_NAMES = frozenset(COLUMNS)
_NUMPY_DTYPES: dict[pa.DataType, Any] = {
    pa.float64(): np.float64,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
}


class EventLog:
    """Append-only, columnar event log.

    Events are appended one at a time (:meth:`add`) or as a batch of rows that share a
    kind and time (:meth:`add_batch`, e.g. all detections of one scan). The log is
    materialised once, as an Arrow table, by :meth:`to_arrow`.
    """

    def __init__(self) -> None:
        self._chunks: list[tuple[int, dict[str, Any]]] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add(self, time_s: float, kind: str, **fields: Any) -> None:
        """Append one event; unknown field names raise ``KeyError``."""
        self._check(kind, fields)
        self._chunks.append((1, {"time_s": time_s, "kind": kind, **fields}))
        self._n += 1

    def add_batch(self, time_s: float | ArrayLike, kind: str, n: int, **fields: Any) -> None:
        """Append ``n`` events of one kind; each field is a scalar or an array of length n."""
        if n == 0:
            return
        self._check(kind, fields)
        self._chunks.append((n, {"time_s": time_s, "kind": kind, **fields}))
        self._n += n

    @staticmethod
    def _check(kind: str, fields: dict[str, Any]) -> None:
        if kind not in _KINDS:
            raise KeyError(f"unknown event kind {kind!r}")
        if not fields.keys() <= _COLUMN_NAMES:
            raise KeyError(f"unknown event column(s) {sorted(set(fields) - _COLUMN_NAMES)}")

    def to_arrow(self) -> pa.Table:
        """The log as an Arrow table with :data:`SCHEMA`, rows in append order.

        Notes
        -----
        The chunks are grouped by the fields they set (a run logs a few kinds of rows;
        a field's values are read out of a group's chunks in one transposition), and each
        group's values of a field become the group's rows of that column in one pass when
        they are all scalars or all arrays of one value per row (:func:`_numeric_rows`,
        :func:`_string_codes`; otherwise chunk by chunk, :func:`_numeric_column`); the
        rows of no group that sets a column hold its missing sentinel. The same element
        casts as assigning each chunk's slice.
        """
        chunks = self._chunks
        sizes = [n for n, _ in chunks]
        counts = np.array(sizes, dtype=np.intp)
        total = int(counts.sum())
        groups: dict[tuple[str, ...], list[int]] = {}
        for j, (_, row) in enumerate(chunks):
            key = tuple(row)
            group = groups.get(key)
            if group is None:
                groups[key] = [j]
            else:
                group.append(j)
        # per column: (the group's rows, or None for every row; its values per chunk;
        # its chunks' sizes as an array and as a list)
        parts: dict[str, list[tuple[Any, list[Any], NDArray[np.intp], list[int]]]] = {
            name: [] for name in COLUMNS
        }
        for key, group in groups.items():
            sizes_g = [sizes[j] for j in group]
            counts_g = np.array(sizes_g, dtype=np.intp)
            rows: NDArray[np.bool_] | None = None
            if len(group) != len(chunks):
                in_group = np.zeros(len(chunks), dtype=bool)
                in_group[group] = True
                rows = np.repeat(in_group, counts)
            # (a chunk's dict holds its fields in the order of its key)
            by_field = zip(*[tuple(chunks[j][1].values()) for j in group], strict=True)
            for name, column in zip(key, by_field, strict=True):
                parts[name].append((rows, list(column), counts_g, sizes_g))
        arrays = []
        for name, (typ, missing) in COLUMNS.items():
            if typ == pa.string():
                labels: dict[str, int] = {missing: 0}
                codes = _fill(
                    np.zeros(total, dtype=np.int32),
                    parts[name],
                    functools.partial(_string_codes, labels=labels),
                )
                arrays.append(strings_from_codes(list(labels), codes))
            else:
                out = _fill(
                    np.full(total, missing, dtype=_NUMPY_DTYPES[typ]),
                    parts[name],
                    functools.partial(_numeric_rows, typ=typ),
                )
                arrays.append(numpy_array(out, typ))
        return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _fill(
    out: NDArray[Any],
    parts: list[tuple[Any, list[Any], NDArray[np.intp], list[int]]],
    make: Callable[[list[Any], NDArray[np.intp], list[int]], NDArray[Any]],
) -> NDArray[Any]:
    """``out`` with each group's rows (:meth:`EventLog.to_arrow`'s parts of a column) set to
    ``make(values, counts, sizes)``; a group of every row (rows None) is the column."""
    for rows, values, counts, sizes in parts:
        col = make(values, counts, sizes)
        if rows is None:
            return col
        out[rows] = col
    return out


_SEQUENCE_TYPES = (np.ndarray, list, tuple)


def _numeric_rows(
    values: list[Any], counts: NDArray[np.intp], sizes: list[int], typ: pa.DataType
) -> NDArray[Any]:
    """The rows of chunks that each set a numeric column: ``values[k]`` is a scalar
    (every row of chunk k) or an array-like of one per row. All scalars, or all float or
    int arrays of one value per row, in one pass; otherwise :func:`_numeric_column`."""
    dtype = _NUMPY_DTYPES[typ]
    types = set(map(type, values))
    if not any(issubclass(t, _SEQUENCE_TYPES) for t in types):
        return np.repeat(np.array(values, dtype=dtype), counts)
    if types == {np.ndarray} and [a.shape for a in values] == [(n,) for n in sizes]:
        return np.concatenate(values, dtype=dtype, casting="unsafe")
    # (every chunk sets the column: no row takes the missing value)
    return _numeric_column(list(range(len(values))), values, 0, counts, typ, sizes)


def _string_codes(
    values: list[Any], counts: NDArray[np.intp], sizes: list[int], labels: dict[str, int]
) -> NDArray[np.int32]:
    """Codes (in ``labels``, which grows) of the rows of chunks that each set a string
    column: ``values[k]`` a string (every row of chunk k) or a sequence of one per row
    (each converted with ``str``). Strings, lists and string or object arrays of one per
    row are read into one list of rows and coded in one pass; anything else chunk by
    chunk (:func:`_string_codes_by_chunk`)."""
    setdefault = labels.setdefault
    if set(map(type, values)) == {str}:
        c = [setdefault(v, len(labels)) for v in values]
        return np.repeat(np.array(c, dtype=np.int32), counts)
    rows: list[Any] = []
    for v, n in zip(values, sizes, strict=True):
        t = type(v)
        if t is str:
            rows += [v] * n
        elif t is list and len(v) == n:
            rows += v
        elif t is np.ndarray and v.shape == (n,) and v.dtype.kind in "UO":
            rows += v.tolist()
        else:
            return _string_codes_by_chunk(values, counts, sizes, labels)
    if not set(map(type, rows)) <= {str}:
        rows = [str(x) for x in rows]
    return np.array([setdefault(x, len(labels)) for x in rows], dtype=np.int32)


def _string_codes_by_chunk(
    values: list[Any], counts: NDArray[np.intp], sizes: list[int], labels: dict[str, int]
) -> NDArray[np.int32]:
    """:func:`_string_codes`, chunk by chunk (a sequence of another length is broadcast
    over its chunk's rows)."""
    setdefault = labels.setdefault
    chunk_code = np.zeros(len(values), dtype=np.int32)
    per_row: list[int] = []
    seq_at: list[int] = []
    for j, v in enumerate(values):
        if isinstance(v, str):
            chunk_code[j] = setdefault(v, len(labels))
            continue
        if type(v) is np.ndarray and v.ndim == 1 and v.dtype.kind == "U":  # str(x) of each
            c = [setdefault(x, len(labels)) for x in v.tolist()]
        else:
            c = [setdefault(str(x), len(labels)) for x in v]
        n = sizes[j]
        per_row.extend(c if len(c) == n else np.broadcast_to(c, n).tolist())
        seq_at.append(j)
    codes = np.repeat(chunk_code, counts)
    if per_row:
        sequences = np.zeros(len(values), dtype=bool)
        sequences[seq_at] = True
        codes[np.repeat(sequences, counts)] = per_row
    return codes


def _numeric_column(
    at: list[int],
    values: list[Any],
    missing: Any,
    counts: NDArray[np.intp],
    typ: pa.DataType,
    sizes: list[int] | None = None,
) -> NDArray[Any]:
    """A numeric column: chunk ``at[k]`` holds ``values[k]``, a scalar (every row of the
    chunk) or an array-like of one per row; the other chunks ``missing``. Cast to
    ``typ``'s dtype as ``out[i : i + n] = value`` would. (``sizes``: ``counts`` as a
    list.)"""
    if sizes is None:
        sizes = counts.tolist()
    dtype = _NUMPY_DTYPES[typ]
    scalar_at: list[int] = []
    scalars: list[Any] = []
    pieces: list[NDArray[Any]] = []
    seq_at: list[int] = []
    for j, v in zip(at, values, strict=True):
        if type(v) is np.ndarray or isinstance(v, (np.ndarray, list, tuple)):
            a = v if type(v) is np.ndarray else np.asarray(v)
            n = sizes[j]
            pieces.append(a if a.shape == (n,) else np.broadcast_to(a, (n,)))
            seq_at.append(j)
        else:
            scalar_at.append(j)
            scalars.append(v)
    per_chunk = np.full(len(counts), missing, dtype=dtype)
    if scalars:
        per_chunk[scalar_at] = np.array(scalars, dtype=dtype)
    out = np.repeat(per_chunk, counts)
    if pieces:
        sequences = np.zeros(len(counts), dtype=bool)
        sequences[seq_at] = True
        out[np.repeat(sequences, counts)] = np.concatenate(pieces, dtype=dtype, casting="unsafe")
    return out


def numpy_array(values: NDArray[Any], typ: pa.DataType) -> pa.Array:
    """A numeric Arrow array (no nulls) over the bytes of ``values`` cast to ``typ``.

    ``pa.array`` would do the same, but its first call imports pandas (about 0.3 s of a
    ``samsim run``) to ask how to convert; building from the buffer asks nothing.
    """
    arr = np.ascontiguousarray(values, dtype=_NUMPY_DTYPES[typ])
    return pa.Array.from_buffers(typ, len(arr), [None, pa.py_buffer(arr)])


def strings_from_codes(labels: list[str], codes: NDArray[np.integer[Any]]) -> pa.Array:
    """The string array ``[labels[c] for c in codes]`` (no nulls), built in Arrow."""
    import pyarrow.compute as pc

    return pc.take(string_array(labels), numpy_array(codes, pa.int32()))


def string_array(values: list[str]) -> pa.Array:
    """A UTF-8 Arrow string array (no nulls) of ``values`` (see :func:`numpy_array`)."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    if encoded:
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = b"".join(encoded)
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


TRAJECTORY_SCHEMA = pa.schema(
    [
        pa.field("time_s", pa.float64(), nullable=False),
        pa.field("entity", pa.string(), nullable=False),  # "threat" or "interceptor"
        pa.field("id", pa.int32(), nullable=False),
        pa.field("x_m", pa.float64(), nullable=False),
        pa.field("y_m", pa.float64(), nullable=False),
        pa.field("z_m", pa.float64(), nullable=False),
        pa.field("lat_deg", pa.float64(), nullable=False),
        pa.field("lon_deg", pa.float64(), nullable=False),
        pa.field("alt_m", pa.float64(), nullable=False),
    ]
)
