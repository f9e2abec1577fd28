"""YAML loading that remembers where every value came from (file, line, column).

The loader composes the YAML node graph, builds plain Python objects from it, and keeps a
map from each value's path (a tuple of keys and list indices) to its 1-based line and
column, so validation errors can point at the line the user wrote.

Input is bounded before it can cost much: a file is at most :data:`MAX_FILE_BYTES`, a
document at most :data:`MAX_DEPTH` levels deep and :data:`MAX_VALUES` values once its
aliases are expanded (a "billion laughs" alias bomb stops there), and it is text (no NUL
or other control characters).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from samsim.cachedir import cache_root
from samsim.errors import Issue, ScenarioError

Loc = tuple[str | int, ...]

#: Largest YAML file read, bytes (the biggest example scenario is about 10 kB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Most values (mappings, lists and scalars, aliases expanded) one document may hold.
MAX_VALUES = 100_000
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 50


def _error(
    path: str, message: str, fix: str, line: int | None = None, col: int | None = None
) -> ScenarioError:
    return ScenarioError(path, [Issue("", message, fix, line, col)])


@dataclass
class SourceMap:
    """Positions of the values of one YAML document, keyed by path."""

    path: str
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Loc) -> tuple[int | None, int | None]:
        """Line and column of ``loc``, or of its nearest ancestor that has one."""
        probe = tuple(loc)
        while True:
            if probe in self.positions:
                return self.positions[probe]
            if not probe:
                return None, None
            probe = probe[:-1]


class _Builder:
    """Builds Python objects from a composed node graph, recording positions, within the
    value and depth budgets."""

    def __init__(self, smap: SourceMap, loader: yaml.SafeLoader) -> None:
        self.smap = smap
        self.loader = loader
        self.values = 0

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        smap = self.smap
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.values += 1
        if self.values > MAX_VALUES:
            raise _error(
                smap.path,
                f"holds more than {MAX_VALUES:,} values once its aliases (*name) are expanded",
                "write the values out, or use fewer aliases: a scenario needs far fewer",
                line,
                col,
            )
        if len(loc) > MAX_DEPTH:
            raise _error(
                smap.path,
                f"nests mappings and lists more than {MAX_DEPTH} levels deep",
                "flatten the structure: a scenario nests about ten levels at most",
                line,
                col,
            )
        smap.positions[loc] = (line, col)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node)
                if key in out:
                    raise ScenarioError(
                        smap.path,
                        [
                            Issue(
                                ".".join(str(p) for p in (*loc, key)),
                                f"the key {key!r} appears twice",
                                "keep one of the two entries",
                                key_node.start_mark.line + 1,
                                key_node.start_mark.column + 1,
                            )
                        ],
                    )
                out[key] = self.build(value_node, (*loc, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(v, (*loc, i)) for i, v in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _key(self, key_node: yaml.Node) -> str:
        key = (
            self.loader.construct_object(key_node, deep=True)
            if isinstance(key_node, yaml.ScalarNode)
            else None
        )
        if not isinstance(key, str | int | float | bool):
            raise _error(
                self.smap.path,
                "a mapping key must be a plain name"
                + (f", got {key!r}" if key is not None else ", not a mapping or a list"),
                "write keys as plain words",
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
        return str(key)


def _line_col(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def _check_text(text: str, path: str) -> None:
    if len(text) > MAX_FILE_BYTES:
        raise _error(
            path,
            f"is {len(text):,} characters long; a scenario or catalogue file is at most "
            f"{MAX_FILE_BYTES:,}",
            "give the scenario file (YAML text), not a data file",
        )
    nul = text.find("\x00")
    if nul >= 0:
        raise _error(
            path,
            "contains a NUL byte: it is binary data, not YAML text",
            "give a YAML text file (save it as UTF-8 text)",
            *_line_col(text, nul),
        )


def load_yaml_text(text: str, path: str = "<string>") -> tuple[Any, SourceMap]:
    """Parse YAML text into Python objects and a :class:`SourceMap`.

    Raises
    ------
    ScenarioError
        For malformed YAML, with the line and column the parser stopped at.
    """
    _check_text(text, path)
    if _Loader is not yaml.SafeLoader:
        try:
            return _load(text, path, _Loader)
        except ScenarioError:
            pass  # reported by the pure-Python parser, whose messages say more (tabs, aliases)
    return _load(text, path, yaml.SafeLoader)


#: libyaml's safe loader when PyYAML was built with it (the same nodes, marks and values,
#: about six times faster: the catalogue alone took 0.3 s to parse in pure Python).
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str, path: str, loader_cls: Any) -> tuple[Any, SourceMap]:
    smap = SourceMap(path)
    loader: yaml.SafeLoader | None = None
    try:
        loader = loader_cls(text)
        node = loader.get_single_node()
        if node is None:
            return None, smap
        return _Builder(smap, loader).build(node, ()), smap
    except yaml.reader.ReaderError as exc:
        at = _line_col(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise _error(
            path,
            f"contains the control character U+{code:04X}, which YAML does not allow",
            'remove it, or quote it as an escape ("\\t") inside a double-quoted string',
            *at,
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        problem = exc.problem or exc.context or "unreadable YAML"
        raise _error(
            path,
            f"malformed YAML: {problem}",
            "check indentation (spaces, not tabs), colons after keys and matching quotes "
            "and brackets",
            line,
            col,
        ) from None
    except yaml.YAMLError as exc:
        raise _error(path, f"malformed YAML: {exc}", "fix the YAML syntax") from None
    except RecursionError:
        raise _error(
            path,
            f"nests mappings and lists more than {MAX_DEPTH} levels deep",
            "flatten the structure: a scenario nests about ten levels at most",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_file(path: str | Path, *, cached: bool = False) -> tuple[Any, SourceMap]:
    """Read and parse a YAML file; a missing or unreadable file is a :class:`ScenarioError`.

    With ``cached``, what a file parsed to is kept on disk under a digest of its text (and
    of this module), and read back instead of parsing the same text again: for the
    catalogue, whose ten thousand values take 0.05-0.1 s to parse, in every process.
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise _error(
                str(p),
                f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; a scenario or "
                "catalogue file is a few kB",
                "give the scenario file (YAML text), not a data file",
            )
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(p), [Issue("", "file not found", "check the path")]) from None
    except IsADirectoryError:
        raise ScenarioError(
            str(p),
            [Issue("", "is a directory, not a scenario file", "give the path of a .yaml file")],
        ) from None
    except UnicodeDecodeError as exc:
        raise _error(
            str(p),
            f"is not UTF-8 text (byte {exc.start} cannot be decoded): binary data, or text in "
            "another encoding",
            "save the scenario as UTF-8 YAML",
        ) from None
    except OSError as exc:
        raise ScenarioError(
            str(p), [Issue("", f"cannot be read: {exc.strerror}", "check the file's permissions")]
        ) from None
    if not cached:
        return load_yaml_text(text, str(p))
    entry = _parse_cache_path(text)
    try:
        with entry.open("rb") as fh:
            raw, positions = pickle.load(fh)
        return raw, SourceMap(str(p), positions)
    except Exception:  # no entry yet, or unreadable: parse (and store) afresh
        pass
    raw, smap = load_yaml_text(text, str(p))
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((raw, smap.positions), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a cache folder that cannot be written: parse every time
    return raw, smap


@functools.cache
def _parser_digest() -> bytes:
    """This module's source and PyYAML's version: a change to either parses afresh."""
    return hashlib.sha256(Path(__file__).read_bytes() + yaml.__version__.encode()).digest()


def _parse_cache_path(text: str) -> Path:
    key = hashlib.sha256(_parser_digest() + text.encode("utf-8")).hexdigest()[:32]
    return Path(cache_root()) / "yaml" / f"{key}.pickle"
