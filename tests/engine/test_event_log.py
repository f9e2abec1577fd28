"""The event log's columnar build (``EventLog.to_arrow``) against the chunk-by-chunk
assignment it replaced, byte for byte (Arrow IPC)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samsim.engine.events import (
    _NUMPY_DTYPES,
    COLUMNS,
    EVENT_KINDS,
    SCHEMA,
    EventLog,
    numpy_array,
    strings_from_codes,
)


def _reference(log: EventLog) -> pa.Table:
    """The former ``to_arrow``: each chunk's value assigned to its slice of rows."""
    arrays = []
    for name, (typ, missing) in COLUMNS.items():
        if typ == pa.string():
            labels: dict[str, int] = {}
            codes = np.empty(len(log), dtype=np.int32)
            i = 0
            for n, row in log._chunks:
                v = row.get(name, missing)
                if isinstance(v, str):
                    codes[i : i + n] = labels.setdefault(v, len(labels))
                else:
                    codes[i : i + n] = [labels.setdefault(str(x), len(labels)) for x in v]
                i += n
            arrays.append(strings_from_codes(list(labels), codes))
        else:
            out = np.empty(len(log), dtype=_NUMPY_DTYPES[typ])
            i = 0
            for n, row in log._chunks:
                out[i : i + n] = row.get(name, missing)
                i += n
            arrays.append(numpy_array(out, typ))
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


_NUMERIC = [k for k, (t, _) in COLUMNS.items() if t != pa.string() and k != "time_s"]
_STRINGS = [k for k, (t, _) in COLUMNS.items() if t == pa.string() and k != "kind"]
_WORDS = st.sampled_from(["", "a", "radar-1", "kill", "ü", "track;jnr_db=3.5"])


@st.composite
def _value(draw: Any, name: str, n: int) -> Any:
    """A scalar or a per-row array-like for column ``name`` of a chunk of ``n`` rows."""
    typ = COLUMNS[name][0]
    if typ == pa.string():
        if draw(st.booleans()):
            return draw(_WORDS)
        words = draw(st.lists(_WORDS, min_size=n, max_size=n))
        return words if draw(st.booleans()) else np.array(words, dtype=str)
    ints = st.integers(-1, 2**31 - 1)
    floats = st.floats(allow_nan=True, allow_infinity=True)
    elem = ints if typ != pa.float64() else st.one_of(floats, ints)
    form = draw(st.sampled_from(["python", "numpy", "array", "list", "int_array", "one"]))
    if form == "python":
        return draw(elem)
    if form == "numpy":
        return np.int64(draw(ints)) if typ != pa.float64() else np.float64(draw(floats))
    if form == "one":  # a length-1 array broadcast over the chunk
        return np.array([draw(ints)])
    if form == "int_array" or typ != pa.float64():
        return np.array(draw(st.lists(ints, min_size=n, max_size=n)), dtype=np.int64)
    values = draw(st.lists(floats, min_size=n, max_size=n))
    if form == "list":
        return values
    return np.array(values)[::-1][::-1] if n else np.zeros(0)


@st.composite
def _logs(draw: Any) -> EventLog:
    log = EventLog()
    for _ in range(draw(st.integers(0, 12))):
        n = draw(st.integers(1, 5))
        kind = draw(st.sampled_from(EVENT_KINDS))
        names = draw(st.lists(st.sampled_from(_NUMERIC + _STRINGS), unique=True, max_size=8))
        fields = {name: draw(_value(name, n)) for name in names}
        t = draw(st.floats(0.0, 1e4))
        if n == 1 and draw(st.booleans()):
            log.add(
                t,
                kind,
                **{
                    k: (v[0] if isinstance(v, (list, np.ndarray)) else v) for k, v in fields.items()
                },
            )
        else:
            log.add_batch(t, kind, n, **fields)
    return log


@settings(max_examples=300, deadline=None)
@given(_logs())
def test_to_arrow_equals_the_chunk_by_chunk_build_byte_for_byte(log: EventLog) -> None:
    assert _ipc(log.to_arrow()) == _ipc(_reference(log))


def test_empty_log_is_an_empty_table_of_the_schema() -> None:
    table = EventLog().to_arrow()
    assert table.num_rows == 0
    assert table.schema.equals(SCHEMA)


def test_a_chunk_whose_array_has_the_wrong_length_is_an_error() -> None:
    log = EventLog()
    log.add_batch(0.0, "detection", 3, x_m=np.zeros(2))
    with pytest.raises(ValueError):
        log.to_arrow()


def test_an_unknown_kind_or_column_is_refused_by_name() -> None:
    log = EventLog()
    with pytest.raises(KeyError, match="unknown event kind 'shot'"):
        log.add(0.0, "shot")
    with pytest.raises(KeyError, match=r"unknown event column\(s\) \['speed'\]"):
        log.add_batch(0.0, "detection", 2, speed=np.zeros(2), x_m=np.zeros(2))
    assert len(log) == 0
