"""``samsim saturate`` and ``samsim sensitivity``: designed studies on the command line,
and how ``samsim study summarize/plot`` show their folders."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

out = Console()
if not out.is_terminal:  # files and pipes: wide enough for the tables
    out = Console(width=200)


def _num(v: Any, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:.{nd}f}"


def _ci(row: dict[str, Any], name: str, nd: int = 2) -> str:
    v, lo, hi = row[name], row.get(f"{name}_lo"), row.get(f"{name}_hi")
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    if lo is None or (isinstance(lo, float) and not math.isfinite(lo)):
        return _num(v, nd)
    return f"{v:.{nd}f} [{lo:.{nd}f}, {hi:.{nd}f}]"


def _jsonable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
        for r in rows
    ]


# -- reading a designed study's folder ----------------------------------------------------


def design_kind(directory: Path) -> str | None:
    """``saturation``, ``sensitivity``, or None for a plain sweep."""
    from samsim.study.store import read_manifest

    design = read_manifest(directory).get("design")
    return None if design is None else str(design.get("kind"))


def design_table(directory: Path) -> Any:
    """The answer table of a designed study folder (saturation or tornado table)."""
    from samsim.study.store import load_results, read_manifest

    manifest = read_manifest(directory)
    design = manifest["design"]
    results = load_results(directory)
    if design["kind"] == "saturation":
        from samsim.study.saturation import saturation_table

        return saturation_table(results, float(design.get("confidence", 0.95)))
    from samsim.study.sensitivity import tornado_table

    return tornado_table(results, design.get("swept"))


def design_plots(directory: Path, out_dir: Path | None = None, table: Any = None) -> list[Path]:
    """The plots of a designed study folder (default into ``DIR/plots``)."""
    from samsim.study.store import read_manifest

    manifest = read_manifest(directory)
    design = manifest["design"]
    target = out_dir if out_dir is not None else Path(directory) / "plots"
    table = design_table(directory) if table is None else table
    name = manifest["scenario"]["name"]
    if design["kind"] == "saturation":
        from samsim.study.saturation import plot_saturation

        return plot_saturation(table, target, name, str(design["threat"]))
    from samsim.study.sensitivity import plot_tornado

    return plot_tornado(table, target, name)


def print_design(directory: Path, table: Any = None) -> None:
    """Print a designed study folder's answer."""
    from samsim.study.store import read_manifest

    manifest = read_manifest(directory)
    design = manifest["design"]
    table = design_table(directory) if table is None else table
    if design["kind"] == "saturation":
        _print_saturation(manifest, table)
    else:
        _print_tornado(manifest, table)


def _print_saturation(manifest: dict[str, Any], table: Any) -> None:
    from samsim.study.saturation import break_point

    d = manifest["design"]
    t = Table(
        title=f"{manifest['scenario']['name']}: raids of {d['threat']} ({d['spacing']} spacing), "
        "95% intervals over runs",
        title_justify="left",
    )
    for col in ("raid size", "runs", "leakers/run", "P(leak>=1)", "fired/run", "fired/kill"):
        t.add_column(col, justify="right")
    for r in table.to_pylist():
        t.add_row(
            str(r["raid_size"]),
            str(r["runs"]),
            _ci(r, "mean_leaked"),
            _ci(r, "p_leak"),
            _ci(r, "mean_fired", 1),
            _ci(r, "interceptors_per_kill"),
        )
    out.print(t)
    sizes = d["sizes"]
    out.print(break_point(table).describe(sizes["low"], sizes["high"]), highlight=False)


def _print_tornado(manifest: dict[str, Any], table: Any, top: int = 25) -> None:
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    t = Table(
        title=f"{manifest['scenario']['name']}: effect of each figure at its low / high value "
        f"against the base (leakers per run {float(meta.get('base_leaked', 'nan')):.2f}, "
        f"interceptors per kill {float(meta.get('base_ipk', 'nan')):.2f}); mean paired "
        "difference [95% interval], largest swing (high - low) first; changed: the seeds "
        "at which a run at either value differs at all from the base run",
        title_justify="left",
    )
    for col, just in (
        ("figure", "left"),
        ("conf.", "left"),
        ("low .. high", "right"),
        ("range", "left"),
        ("leakers: low", "right"),
        ("leakers: high", "right"),
        ("leakers: high - low", "right"),
        ("per kill: low", "right"),
        ("per kill: high", "right"),
        ("changed", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    rows = table.to_pylist()
    t.columns[0].no_wrap = True  # the figure's name whole: the intervals wrap first
    for r in rows[:top]:
        changed = r.get("runs_changed")
        t.add_row(
            f"{r['entry']}.{r['key']}",
            str(r["confidence"] or ""),
            f"{r['low_value'] or '-'} .. {r['high_value'] or '-'}",
            str(r["range_rule"] or ""),
            _ci(r, "d_leaked_low"),
            _ci(r, "d_leaked_high"),
            _ci(r, "d_leaked_swing"),
            _ci(r, "d_ipk_low"),
            _ci(r, "d_ipk_high"),
            "-" if changed is None else f"{changed}/{r['runs']}",
        )
    out.print(t)
    if len(rows) > top:
        out.print(
            f"... and {len(rows) - top} more figures (all in --json or --csv)", highlight=False
        )
    _print_unchanged(rows, meta.get("runs_changed_from", "event log"))


def _print_unchanged(rows: list[dict[str, Any]], source: str) -> None:
    """Name the figures whose zero is not a measurement: those that changed no run, and
    count those that changed runs but not the leakers at either end."""
    idle = [f"{r['entry']}.{r['key']}" for r in rows if r.get("runs_changed") == 0]
    same = [
        r
        for r in rows
        if r.get("runs_changed") and r["d_leaked_swing"] == 0.0 and r["d_leaked_swing_lo"] == 0.0
    ]
    how = "event log" if source == "event log" else "recorded outcomes"
    if idle:
        out.print(
            f"No run changed ({len(idle)} figure{'s' if len(idle) > 1 else ''}; not "
            "exercised by this scenario: at every seed the runs at both values had the base "
            f"run's {how}, so their 0 is not a measured effect): {', '.join(idle)}",
            highlight=False,
        )
    if same:
        out.print(
            f"{len(same)} figure{'s' if len(same) > 1 else ''} changed runs but gave the same "
            "leakers at both ends in every seed (swing exactly 0): "
            + ", ".join(f"{r['entry']}.{r['key']} ({r['runs_changed']}/{r['runs']})" for r in same),
            highlight=False,
        )


def _write_table(table: Any, as_json: bool, csv: Path | None, extra: dict[str, Any]) -> None:
    if csv is not None:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table.replace_schema_metadata(None), csv)
    if as_json:
        payload = {**extra, "rows": _jsonable(table.to_pylist())}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")


def _report_line(report: Any, target: Path) -> None:
    if report.completed == 0:
        out.print(
            f"{target}: all {report.total} runs were already done; nothing to run",
            highlight=False,
        )
    else:
        done = f" ({report.skipped} done before)" if report.skipped else ""
        out.print(
            f"{report.completed} runs{done} in {report.rounds} rounds, "
            f"{report.wall_time_s:.1f} s ({report.workers} workers); results in {target}/results",
            highlight=False,
        )


# -- the commands ---------------------------------------------------------------------------

Workers = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=0, help="local worker processes (default: CPUs)"),
]
Scheduler = Annotated[
    str | None, typer.Option(help="Dask scheduler address tcp://HOST:PORT (extra 'cluster')")
]
FirstSeed = Annotated[int, typer.Option(min=0, help="seed of the first run")]
BatchSize = Annotated[
    int | None, typer.Option(min=1, help="runs per task (default: about 2 s of runs per task)")
]
Plots = Annotated[bool, typer.Option("--plots/--no-plots", help="write the PNG plots")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress, no table")]
AsJson = Annotated[bool, typer.Option("--json", help="print the answer table as JSON")]
Csv = Annotated[Path | None, typer.Option(help="also write the answer table as CSV")]
Runner = Annotated[
    str | None,
    typer.Option(hidden=True, help="run function module:function (default: the engine)"),
]


def saturate_cmd(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    threat: Annotated[
        str,
        typer.Option(
            "--threat",
            "-t",
            help="threat type whose raid grows (a key under `threats` of the scenario)",
        ),
    ],
    sizes: Annotated[
        str,
        typer.Option(help="raid sizes: LOW:HIGH (chosen adaptively inside) or N1,N2,..."),
    ] = "4:200",
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=2, help="runs per new size and per refinement")
    ] = 10,
    max_runs: Annotated[int, typer.Option(min=1, help="budget of runs for the study")] = 200,
    spacing: Annotated[
        str,
        typer.Option(
            help="density: a group keeps its width and duration (denser); stream: its members "
            "keep their interval and spread (longer, wider)"
        ),
    ] = "density",
    resolution: Annotated[
        float, typer.Option(help="target width of the break point's interval, relative")
    ] = 0.1,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="study folder (default studies/<scenario>-saturate-<threat>)"
        ),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    first_seed: FirstSeed = 0,
    batch_size: BatchSize = None,
    plots: Plots = True,
    quiet: Quiet = False,
    as_json: AsJson = False,
    csv: Csv = None,
    runner: Runner = None,
) -> None:
    """Saturation curve: raids of growing size built from the scenario's own raid (an
    adaptive, resumable study); prints leakers per run, P(at least one leaker),
    interceptors fired and per kill against raid size, and the break point."""
    from samsim.scenario.loader import load_scenario
    from samsim.study.design import run_design
    from samsim.study.runner import import_runner
    from samsim.study.saturation import SPACINGS, Saturation, break_point, saturation_table
    from samsim.study.sweep import StudyError

    if spacing not in SPACINGS:
        raise StudyError(f"--spacing {spacing!r}: use one of {', '.join(SPACINGS)}")
    sc = load_scenario(scenario)
    fn = import_runner(runner) if runner else None
    target = out_dir if out_dir is not None else Path("studies") / f"{sc.name}-saturate-{threat}"
    design = Saturation(
        sc,
        threat,
        sizes,
        runs=runs,
        max_runs=max_runs,
        spacing=spacing,  # type: ignore[arg-type]
        resolution=resolution,
    )
    report = run_design(
        sc,
        design,
        out=target,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        batch_size=batch_size,
        progress=not (quiet or as_json),
        runner=fn,
    )
    table = saturation_table(report.table)
    bp = break_point(table)
    _write_table(table, as_json, csv, {"break_point": bp.__dict__})
    if plots:
        files = design_plots(target, table=table)
    if quiet or as_json:
        return
    _report_line(report, target)
    _print_saturation(report.manifest, table)
    if plots:
        out.print(f"Wrote {', '.join(str(f) for f in files)}", highlight=False)


def sensitivity_cmd(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    runs: Annotated[
        int, typer.Option("--runs", "-n", min=2, help="seeds per point (the same at each)")
    ] = 20,
    section: Annotated[
        list[str] | None,
        typer.Option(
            "--section",
            "-S",
            help="sweep the figures of this catalogue section: radars, launchers, "
            "command_posts, missiles, threats (repeatable; default: all)",
        ),
    ] = None,
    figure: Annotated[
        list[str] | None,
        typer.Option(
            "--figure",
            "-f",
            help="sweep this figure: SECTION.ENTRY.KEY, ENTRY.KEY or KEY (repeatable)",
        ),
    ] = None,
    confidence: Annotated[
        str,
        typer.Option(
            help="confidence labels swept, comma-separated (official,press,community,notional)"
        ),
    ] = "notional",
    list_only: Annotated[
        bool, typer.Option("--list", help="list the figures and ranges that would be swept")
    ] = False,
    top: Annotated[int, typer.Option(min=1, help="figures shown in the table and plots")] = 20,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="study folder (default studies/<scenario>-sensitivity)"),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    first_seed: FirstSeed = 0,
    batch_size: BatchSize = None,
    plots: Plots = True,
    quiet: Quiet = False,
    as_json: AsJson = False,
    csv: Csv = None,
    runner: Runner = None,
) -> None:
    """Sensitivity to the catalogue's figures: each one the scenario uses at the low and
    high end of its range, with common seeds; prints a tornado table of the effects on
    leakers per run and interceptors per kill, most important first."""
    from samsim.scenario.loader import load_scenario
    from samsim.study.design import run_design
    from samsim.study.runner import import_runner
    from samsim.study.sensitivity import Sensitivity, plot_tornado, tornado_table

    sc = load_scenario(scenario)
    confs = [c.strip() for c in confidence.split(",") if c.strip()]
    design = Sensitivity(sc, runs=runs, sections=section, figures=figure, confidences=confs)
    if list_only:
        _print_targets(design)
        return
    fn = import_runner(runner) if runner else None
    target = out_dir if out_dir is not None else Path("studies") / f"{sc.name}-sensitivity"
    if not (quiet or as_json):
        n = len(design.points())
        out.print(
            f"{len(design.targets)} figures, {n} points x {runs} runs = {n * runs} runs",
            highlight=False,
        )
    report = run_design(
        sc,
        design,
        out=target,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        batch_size=batch_size,
        progress=not (quiet or as_json),
        runner=fn,
    )
    table = tornado_table(report.table, design.targets)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    _write_table(table, as_json, csv, {"base": meta, "skipped": design.skipped})
    if plots:
        files = plot_tornado(table, target / "plots", sc.name, top=top)
    if quiet or as_json:
        return
    _report_line(report, target)
    _print_tornado(report.manifest, table, top)
    if plots:
        out.print(f"Wrote {', '.join(str(f) for f in files)}", highlight=False)


def _print_targets(design: Any) -> None:
    t = Table(title="figures swept", title_justify="left")
    for col in ("figure", "confidence", "value", "low", "high", "range"):
        t.add_column(col)
    for target in design.targets:
        j = target.to_json()
        t.add_row(
            j["figure"], j["confidence"], j["value"], j["low"] or "-", j["high"] or "-", j["rule"]
        )
    out.print(t)
    reasons: dict[str, int] = {}
    for _, why in design.skipped:
        key = why.split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        out.print(
            "left out: " + "; ".join(f"{n} {why}" for why, n in sorted(reasons.items())),
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``samsim saturate`` and ``samsim sensitivity``."""
    app.command("saturate")(saturate_cmd)
    app.command("sensitivity")(sensitivity_cmd)
