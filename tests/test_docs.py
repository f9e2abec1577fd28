"""The README and docs say what is true: their code runs, their commands parse, their
defaults are the code's.

- Every ```python block runs, as written, in a fresh Python on the install the README
  gives (``pip install -e .``): modules only the test extras install (pandas, pytest,
  rasterio, dask, ...) are blocked, in a folder holding ``examples/`` and the run, study and
  coverage folders the docs' commands write. Blocks run in document order, one process
  each (a block may use files an earlier block of the same page wrote). The study
  blocks run fewer seeds than written (:data:`SHRINK`): the same code, smaller numbers.
- Every ```sql block runs in DuckDB against those folders.
- Every ``samsim ...`` command in a shell block or an inline code span parses against
  the real command line (options, their values, subcommands): nothing runs.
- The defaults tables of the doctrine and the tracker are the code's defaults.
"""

from __future__ import annotations

import math
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT, subprocess_env

DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

#: Distributions the test extras add to the core install, and the modules they provide.
EXTRA_ONLY_MODULES = {
    "pytest": ("pytest", "_pytest"),
    "pytest-timeout": ("pytest_timeout",),
    "pytest-xdist": ("xdist",),
    "hypothesis": ("hypothesis",),
    "pandas": ("pandas",),
    "ruff": ("ruff",),
    "mypy": ("mypy",),
    "playwright": ("playwright",),
    "rasterio": ("rasterio",),
    "dask[distributed]": ("dask", "distributed"),
}

#: Substitutions made before running a block: (page, text, replacement). Each must
#: match, so a changed page fails here rather than silently running the long version.
SHRINK = [
    ("studies.md", "runs=200", "runs=2"),
    ("threats.md", "for seed in (1, 2, 3, 4):", "for seed in (1,):"),
]

_BLOCKER = """
import sys
_BLOCKED = {blocked!r}
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _BLOCKED:
            raise ModuleNotFoundError(
                f"No module named {{name!r}} (not installed by `pip install -e .`)",
                name=name,
            )
        return None
sys.meta_path.insert(0, _Block())
import matplotlib
matplotlib.use("Agg")
"""


def _blocked_modules() -> list[str]:
    return sorted(m for mods in EXTRA_ONLY_MODULES.values() for m in mods)


def blocks(path: Path) -> list[tuple[str, int, str]]:
    """The fenced code blocks of a Markdown file: (language, first line, text)."""
    out = []
    lang: str | None = None
    start = 0
    lines: list[str] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"^```\s*([\w-]*)\s*$", line)
        if m and lang is None:
            lang, start, lines = m.group(1).lower(), n + 1, []
        elif line.startswith("```") and lang is not None:
            out.append((lang, start, "\n".join(lines) + "\n"))
            lang = None
        elif lang is not None:
            lines.append(line)
    return out


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _python_blocks() -> list[tuple[Path, list[tuple[int, str]]]]:
    out = []
    for path in DOCS:
        code = [(n, text) for lang, n, text in blocks(path) if lang == "python"]
        if code:
            out.append((path, code))
    return out


def _shrink(path: Path, text: str) -> str:
    for page, old, new in SHRINK:
        if path.name == page and old in text:
            text = text.replace(old, new)
    return text


# ------------------------------------------------------------------ the workspace


def _python(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder as a new user's clone after the docs' first commands: examples/, a run of
    the flagship example (runs/battalion_vs_cruise_raid/0) and a small study of the
    docs' leakage sweep (studies/leakage)."""
    ws = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "examples", ws / "examples")
    shutil.copytree(ROOT / "benchmarks", ws / "benchmarks")  # docs/benchmarks' scripts

    def samsim(*args: str) -> None:
        proc = _python(ws, "-m", "samsim.cli", *args)
        assert proc.returncode == 0, f"samsim {' '.join(args)}:\n{proc.stderr}"

    samsim("run", "examples/battalion_vs_cruise_raid.yaml", "--quiet")
    # --workers 0: in this process (the worker pools have their own tests in tests/study)
    samsim(
        "study", "examples/battalion_vs_cruise_raid.yaml", "--runs", "1",
        "--sweep", "raid.cm_north=8,16",
        "--sweep", "threats.cruise_missile.rcs_m2=0.1 m2,1 m2",
        "--out", "studies/leakage", "--no-plots", "--workers", "0",
    )  # fmt: skip
    return ws


# ------------------------------------------------------------------ python blocks


def test_the_blocker_blocks_what_only_the_test_extras_install() -> None:
    """The modules blocked are exactly the test extras' additions to the core install."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=\[ ]", d)[0].lower() for d in meta["dependencies"]}
    test = {re.split(r"[<>= ]", d)[0].lower() for d in meta["optional-dependencies"]["test"]}
    extras_only = {d for d in test if re.split(r"\[", d)[0] not in core}
    assert extras_only - {"types-pyyaml"} == set(EXTRA_ONLY_MODULES)


def test_every_shrink_still_applies() -> None:
    for page, old, _ in SHRINK:
        texts = [t for p in DOCS if p.name == page for lang, _, t in blocks(p) if lang == "python"]
        assert any(old in t for t in texts), f"{page}: {old!r} is no longer in its code"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "code"), _python_blocks(), ids=[_rel(p) for p, _ in _python_blocks()]
)
def test_python_blocks_run_on_the_core_install(
    workspace: Path, path: Path, code: list[tuple[int, str]]
) -> None:
    prelude = _BLOCKER.format(blocked=_blocked_modules())
    for line, text in code:
        proc = _python(workspace, "-c", prelude + _shrink(path, text))
        assert proc.returncode == 0, f"{_rel(path)}:{line}:\n{text}\n{proc.stderr[-3000:]}"


# ------------------------------------------------------------------ SQL blocks


def _sql_blocks() -> list[tuple[Path, int, str]]:
    return [(p, n, t) for p in DOCS for lang, n, t in blocks(p) if lang == "sql"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "line", "sql"), _sql_blocks(), ids=[f"{_rel(p)}:{n}" for p, n, _ in _sql_blocks()]
)
def test_sql_blocks_run_in_duckdb(workspace: Path, path: Path, line: int, sql: str) -> None:
    import duckdb

    con = duckdb.connect()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workspace)
        rows = con.sql(sql).fetchall()
    assert rows, f"{_rel(path)}:{line}: the query returned nothing"


@pytest.mark.slow
def test_summary_first_detection_query_gives_the_first_detection(workspace: Path) -> None:
    """docs/summary.md's query returns the summary's first-detection ranges (the earlier
    query returned each type's closest detection instead)."""
    import json

    import duckdb

    sql = next(t for lang, _, t in blocks(ROOT / "docs" / "summary.md") if lang == "sql")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workspace)
        rows = duckdb.connect().sql(sql).fetchall()
    summary = json.loads(
        (workspace / "runs" / "battalion_vs_cruise_raid" / "0" / "summary.json").read_text()
    )
    expect = summary["first_detection_range_m"]
    assert [r[0] for r in rows] == sorted(expect)
    for name, n, lo, med, hi in rows:
        e = expect[name]
        assert n == e["count"]
        for got, want in ((lo, e["min"]), (med, e["median"]), (hi, e["max"])):
            assert got == pytest.approx(want / 1000, rel=1e-12)


# ------------------------------------------------------------------ commands


def _commands() -> list[tuple[str, str]]:
    """Every ``samsim ...`` command in the docs: (where, command line). Inline code spans
    name commands in prose, with placeholders (FILE, DIR, N) and sometimes without their
    arguments: "span" marks them."""
    out = []
    for path in DOCS:
        for lang, n, text in blocks(path):
            if lang not in ("", "sh", "bash", "shell", "console"):
                continue
            joined = text.replace("\\\n", " ")
            for k, line in enumerate(joined.splitlines()):
                for part in re.split(r"&&|;", line):
                    cmd = part.split(" #", 1)[0].strip()
                    if cmd.startswith("samsim ") and "[" not in cmd and "..." not in cmd:
                        out.append((f"{_rel(path)}:{n + k}", cmd))
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"`(samsim [^`]+)`", text):
            cmd = m.group(1)
            if "[" not in cmd and "..." not in cmd and "/--" not in cmd:
                line = text[: m.start()].count("\n") + 1
                out.append((f"{_rel(path)}:{line} (span)", cmd))
    return out


def _parse(argv: list[str]) -> None:
    """Parse a command line with the real app (typer's click group), running nothing."""
    import typer

    from samsim.cli import app
    from samsim.web.cli import optional_file_args

    args = optional_file_args(argv)
    cmd = typer.main.get_command(app)
    ctx = cmd.make_context("samsim", list(args), resilient_parsing=False)
    while hasattr(cmd, "resolve_command"):  # a group (typer bundles its own click)
        rest = [*ctx._protected_args, *ctx.args]
        if not rest:
            break
        name, sub, rest = cmd.resolve_command(ctx, rest)
        assert sub is not None, f"no command {name!r}"
        cmd = sub
        ctx = sub.make_context(name or "", rest, parent=ctx)


@pytest.mark.parametrize(("where", "command"), _commands(), ids=[w for w, _ in _commands()])
def test_documented_commands_parse(where: str, command: str) -> None:
    argv = shlex.split(command)[1:]
    span = where.endswith("(span)")
    if span:  # placeholders get values of their kind
        argv = [_PLACEHOLDERS.get(a, "x" if re.fullmatch(r"[A-Z_]+", a) else a) for a in argv]
    try:
        _parse(argv)
    except Exception as exc:  # click's usage errors
        if span and re.search(r"Missing|NoArgsIsHelp", f"{type(exc).__name__} {exc}"):
            return  # prose naming a command without all its arguments
        pytest.fail(f"{where}: `{command}` does not parse: {exc}")


_PLACEHOLDERS = {"N": "1", "S": "1", "K": "0", "PATH=V1,V2": "raid.x=1,2"}


def test_command_check_refuses_a_bad_option() -> None:
    """The parse check can fail: an unknown option and a missing value are refused."""
    with pytest.raises(Exception, match="No such option"):
        _parse(["run", "x.yaml", "--no-such-option"])
    with pytest.raises(Exception, match="requires an argument"):
        _parse(["run", "x.yaml", "--seed"])


# ------------------------------------------------------------------ defaults tables


def _table_rows(path: Path, header: str) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _doc_value(text: str) -> object:
    t = text.strip().strip("`").strip('"')
    if t in ("true", "false"):
        return t == "true"
    m = re.fullmatch(r"([-+0-9.e]+)(?:\s*(s|m|m\^-3))?", t)
    if m:
        return float(m.group(1))
    return t


def _same(doc: object, code: object) -> bool:
    if isinstance(doc, bool) or isinstance(code, bool):
        return doc is code
    if isinstance(doc, float) and isinstance(code, int | float):
        return math.isclose(doc, float(code), rel_tol=1e-12)
    return doc == code


def test_doctrine_defaults_table_is_the_models_defaults() -> None:
    from samsim.scenario.models import Doctrine

    rows = _table_rows(ROOT / "docs" / "models" / "c2.md", "| field | default | meaning |")
    documented = {}
    for field, default, _ in rows:
        documented[field.strip("`")] = _doc_value(default)
    assert set(documented) == set(Doctrine.model_fields)
    for name, doc in documented.items():
        code = Doctrine.model_fields[name].default
        assert _same(doc, code), (
            f"docs/models/c2.md says {name} defaults to {doc!r}; it is {code!r}"
        )


def test_tracker_defaults_table_is_the_configs_defaults() -> None:
    import dataclasses

    from samsim.tracking import TrackerConfig

    defaults = {f.name: f.default for f in dataclasses.fields(TrackerConfig)}
    rows = _table_rows(ROOT / "docs" / "models" / "tracking.md", "| field | default | why |")
    checked = 0
    for fields, values, _ in rows:
        names = [f.strip().strip("`") for f in fields.split(",")]
        vals = [v.strip() for v in values.split(",")]
        for name, val in zip(names, vals, strict=True):
            doc = _doc_value(val.split(" ")[0] if name == "clutter_density" else val)
            assert _same(doc, defaults[name]), (
                f"tracking.md: {name} = {doc!r}, code {defaults[name]!r}"
            )
            checked += 1
    assert checked >= 15
