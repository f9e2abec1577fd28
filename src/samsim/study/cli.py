"""``samsim study``: run or resume a study, summarize it, plot it.

``samsim study FILE ...`` is short for ``samsim study run FILE ...``; ``samsim study
summarize DIR`` and ``samsim study plot DIR`` read a study folder.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

out = Console()


class _DefaultRun(TyperGroup):
    """A group whose default subcommand is ``run``: ``samsim study FILE`` runs FILE."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


study_app = typer.Typer(
    cls=_DefaultRun,
    no_args_is_help=True,
    help="Monte Carlo studies and parameter sweeps: `samsim study FILE --runs N --sweep "
    "PATH=V1,V2 --out DIR` (resumable), then `samsim study summarize DIR`.",
)


@study_app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="seeds per sweep point")] = 100,
    sweep: Annotated[
        list[str] | None,
        typer.Option(
            "--sweep",
            "-s",
            help="PATH=V1,V2,... over a scenario field, e.g. raid.cm_north=8,16,32 or "
            "threats.cruise_missile.rcs_m2='0.01 m2,-10 dBsm' (repeat for a grid)",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="study folder (default studies/<scenario name>)"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=0, help="local worker processes (default: CPUs)"),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address tcp://HOST:PORT (extra 'cluster')"),
    ] = None,
    keep_events: Annotated[
        bool, typer.Option("--keep-events", help="store every run's event log too")
    ] = False,
    first_seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="seed of the first run")
    ] = 0,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, help="runs per task (default: about 2 s of runs per task)"),
    ] = None,
    plots: Annotated[
        bool, typer.Option("--plots/--no-plots", help="write PNG plots when sweeping")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress, no table")] = False,
    runner: Annotated[
        str | None,
        typer.Option(hidden=True, help="run function module:function (default: the engine)"),
    ] = None,
) -> None:
    """Run a study (sweep points x seeds); rerun the same command to resume it."""
    from samsim.scenario.loader import load_scenario
    from samsim.study.api import run_study
    from samsim.study.runner import import_runner

    sc = load_scenario(scenario)
    fn = import_runner(runner) if runner else None
    target = out_dir if out_dir is not None else Path("studies") / sc.name
    if fn is None:
        import samsim.engine.loop  # noqa: F401 (the kernels the workers will run)
        from samsim.console import kernels_need_compiling

        if kernels_need_compiling():
            from samsim.precompile import default_processes, precompile

            if not quiet:
                Console(stderr=True).print(
                    f"samsim: first run: compiling samsim's numba kernels on "
                    f"{default_processes()} cores before the workers start (about a minute, "
                    "once; cached on disk)",
                    highlight=False,
                    soft_wrap=True,
                )
            precompile()
    report = run_study(
        sc,
        runs=runs,
        out=target,
        sweep=sweep or None,
        workers=workers,
        scheduler=scheduler,
        first_seed=first_seed,
        keep_events=keep_events,
        batch_size=batch_size,
        progress=not quiet,
        runner=fn,
    )
    if quiet:
        return
    if report.completed == 0:
        out.print(
            f"{target}: all {report.total} runs were already done; nothing to run",
            highlight=False,
            soft_wrap=True,
        )
    else:
        resumed = f" ({report.skipped} done before)" if report.skipped else ""
        out.print(
            f"{report.completed} runs{resumed} in {report.wall_time_s:.1f} s "
            f"({report.rate_runs_per_s:.2f} runs/s, {report.workers} workers); results in "
            f"{target}/results",
            highlight=False,
            soft_wrap=True,
        )
    _print_summary(target)
    if plots and report.manifest.get("sweep"):
        from samsim.console import Status

        with Status(f"plotting each outcome against the swept parameters into {target}/plots"):
            files = _plot(target, None)
        out.print(f"Wrote {len(files)} plots to {target}/plots", highlight=False, soft_wrap=True)


@study_app.command()
def summarize(
    directory: Annotated[Path, typer.Argument(help="study folder")],
    as_json: Annotated[bool, typer.Option("--json", help="print the table as JSON")] = False,
    csv: Annotated[Path | None, typer.Option(help="also write the per-point table as CSV")] = None,
) -> None:
    """Per sweep point: runs, probabilities and means with 95% intervals over runs (for a
    saturation or sensitivity folder: its curve or tornado table)."""
    from samsim.study.designs_cli import design_kind, design_table, print_design

    if design_kind(directory) is not None:
        table = design_table(directory)
        if csv is not None:
            import pyarrow.csv as pacsv

            pacsv.write_csv(table.replace_schema_metadata(None), csv)
        if as_json:
            sys.stdout.write(json.dumps(_rows(table), indent=2) + "\n")
        else:
            print_design(directory, table)
        return
    table = _summary(directory)
    if csv is not None:
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, csv)
    if as_json:
        sys.stdout.write(json.dumps(_rows(table), indent=2) + "\n")
    else:
        _print_summary(directory, table)


def _rows(table: Any) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in table.to_pylist()
    ]


@study_app.command()
def plot(
    directory: Annotated[Path, typer.Argument(help="study folder")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="folder for the PNGs (default DIR/plots)")
    ] = None,
) -> None:
    """PNG plots of each outcome against each swept parameter, with 95% intervals (for a
    saturation or sensitivity folder: its curves or tornado charts)."""
    from samsim.study.designs_cli import design_kind, design_plots

    if design_kind(directory) is not None:
        files = design_plots(directory, out_dir)
    else:
        files = _plot(directory, out_dir)
    if not files:
        out.print(
            f"{directory}: no sweep (or no runs yet), so nothing to plot",
            highlight=False,
            soft_wrap=True,
        )
    for f in files:
        out.print(str(f), highlight=False, soft_wrap=True)


def _summary(directory: Path) -> Any:
    from samsim.study.stats import summarize_results
    from samsim.study.store import load_results, read_manifest

    manifest = read_manifest(directory)
    paths = [a["path"] for a in manifest["sweep"]]
    return summarize_results(load_results(directory), paths)


def _plot(directory: Path, out_dir: Path | None) -> list[Path]:
    from samsim.study.plots import plot_summary
    from samsim.study.store import read_manifest

    manifest = read_manifest(directory)
    paths = [a["path"] for a in manifest["sweep"]]
    target = out_dir if out_dir is not None else Path(directory) / "plots"
    return plot_summary(_summary(directory), paths, target, manifest["scenario"]["name"])


def _p(row: dict[str, Any], name: str) -> str:
    v, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"


def _mean(row: dict[str, Any], name: str) -> str:
    v, lo, hi = row[f"mean_{name}"], row[f"mean_{name}_lo"], row[f"mean_{name}_hi"]
    if isinstance(v, float) and math.isnan(v):
        return "-"
    if isinstance(lo, float) and math.isnan(lo):
        return f"{v:.2f}"
    return f"{v:.2f} ± {(hi - lo) / 2:.2f}"


def _ratio(row: dict[str, Any], name: str) -> str:
    v, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if lo is None or (isinstance(lo, float) and math.isnan(lo)):
        return f"{v:.2f}"
    return f"{v:.2f} [{lo:.2f}, {hi:.2f}]"


def _print_summary(directory: Path, table: Any = None) -> None:
    from samsim.study.store import read_manifest

    manifest = read_manifest(directory)
    table = _summary(directory) if table is None else table
    if table.num_rows == 0:
        out.print(f"{directory}: no completed runs yet", highlight=False, soft_wrap=True)
        return
    paths = [a["path"] for a in manifest["sweep"]]
    assets = [
        c.split(".", 1)[1]
        for c in table.column_names
        if c.startswith("p_reach.") and not c.endswith(("_lo", "_hi"))
    ]
    from samsim.console import print_table

    headers = ["point", *paths, "runs", "P(leak>=1)", "leak frac", "kill frac", "leakers/run"]
    headers += [f"P(reach {a})" for a in assets]
    headers += ["fired/run", "fired/kill"]
    rows = []
    for row in table.to_pylist():
        cells = [f"point {row['point']}" if len(headers) > 2 else str(row["point"])]
        cells += [f"{row[p]:g}" if isinstance(row[p], float) else str(row[p]) for p in paths]
        cells += [
            str(row["runs"]),
            _p(row, "p_leak"),
            _p(row, "leak_fraction"),
            _p(row, "kill_fraction"),
            _mean(row, "leaked"),
        ]
        cells += [_p(row, f"p_reach.{a}") for a in assets]
        cells += [_mean(row, "interceptors_fired_total"), _ratio(row, "interceptors_per_kill")]
        rows.append([escape(c) for c in cells])
    print_table(
        out,
        f"{manifest['scenario']['name']}: per sweep point, 95% intervals over runs "
        "(Wilson for P(...), cluster-robust for pooled fractions and fired/kill, t for means)",
        headers,
        rows,
        right=range(1, len(headers)),
    )
    done = int(sum(table.column("runs").to_pylist()))
    planned = sum(int(p.get("runs", manifest["runs_per_point"])) for p in manifest["points"])
    if done < planned:
        out.print(
            f"{done} of {planned} runs done; rerun the study command to finish it",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``samsim study`` (run, summarize, plot), ``samsim saturate`` and ``samsim
    sensitivity`` to the samsim command line."""
    from samsim.study.designs_cli import register as register_designs

    app.add_typer(study_app, name="study")
    register_designs(app)
