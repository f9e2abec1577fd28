"""The ``samsim`` command line."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from samsim.errors import SamsimError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="samsim: open, physics-based simulation of long-range surface-to-air "
    "engagements, built from public figures.",
)
out = Console()
err = Console(stderr=True)


def _print_error(message: str, label: str = "error") -> None:
    """Print an error on stderr; the message is text, never markup (so that
    ``pip install 'samsim[terrain]'`` keeps its brackets)."""
    err.print(f"[bold red]{label}:[/bold red] {escape(message)}", highlight=False, soft_wrap=True)


def _fail(message: str, code: int = 2) -> None:
    _print_error(message)
    raise typer.Exit(code)


def _load(path: Path) -> Any:
    from samsim.scenario.loader import load_scenario

    return load_scenario(path)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML file")],
    seed: Annotated[
        int, typer.Option(min=0, max=2**63 - 1, help="run seed (same seed, same event log)")
    ] = 0,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default runs/<scenario>/<seed>)")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Simulate one engagement and write events.parquet, trajectories.parquet,
    summary.json and scenario.json.

    The output folder is replaced whole: a previous run there goes, with its report and
    exports; a folder holding anything else is refused before simulating."""
    from samsim.console import Status, kernels_need_compiling
    from samsim.outputs import check_run_dir, write_run_dir

    with Status("loading samsim", enabled=not quiet, console=err) as status:
        sc = _load(scenario)
        target = out_dir if out_dir is not None else Path("runs") / sc.name / str(seed)
        replacing = check_run_dir(target)
        from samsim.engine.loop import simulate

        if kernels_need_compiling():
            from samsim.precompile import default_processes, precompile

            status.update(
                f"first run: compiling samsim's numba kernels on {default_processes()} cores "
                "(about a minute, once; cached on disk)"
            )
            precompile()
        status.update(
            f"simulating {sc.name} (seed {seed}, {float(sc.duration):.0f} s of simulated time)"
        )
        result = simulate(sc, seed=seed)
        status.update(f"writing {target}")
        write_run_dir(target, result.write)
    if replacing and not quiet:
        err.print(f"replaced the previous run in {target}", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps(result.summary, indent=2) + "\n")
    elif not quiet:
        _print_summary(result.summary, target, result.wall_time_s)


def _fmt_km(m: float | None) -> str:
    return "-" if m is None else f"{m / 1000:.1f}"


def _print_summary(s: dict[str, Any], target: Path, wall_s: float) -> None:
    from samsim.console import print_table

    out.print(
        f"[bold]{s['scenario']}[/bold]  seed {s['seed']}  simulated "
        f"{s['simulated_time_s']:.0f} s in {wall_s:.2f} s wall",
        highlight=False,
        soft_wrap=True,
    )
    counts = ("threats", "detected", "engaged", "killed", "leaked", "survived")
    rows = [[name, *(str(row[c]) for c in counts)] for name, row in s["by_threat_type"].items()]
    rows.append(["[bold]all[/bold]", *(str(s[c]) for c in counts)])
    print_table(out, "Outcome by threat type", ["threat type", *counts], rows, right=range(1, 7))
    fd = s["first_detection_range_m"]
    if fd:
        print_table(
            out,
            "First detection of each threat: true range from the radar, km",
            ["threat type", "threats", "min", "median", "max"],
            [
                [t, str(v["count"]), _fmt_km(v["min"]), _fmt_km(v["median"]), _fmt_km(v["max"])]
                for t, v in fd.items()
            ],
            right=range(1, 5),
        )
    fired = ", ".join(f"{k} {v}" for k, v in s["interceptors_fired"].items()) or "none"
    per_kill = s["interceptors_per_kill"]
    per_kill_text = "-" if per_kill is None else f"{per_kill:.2f}"
    out.print(
        f"Interceptors fired: {fired} (total {s['interceptors_fired_total']}); "
        f"per kill: {per_kill_text}",
        highlight=False,
        soft_wrap=True,
    )
    if s["leakers"]:
        out.print("Leakers:", highlight=False, soft_wrap=True)
        for lk in s["leakers"]:
            out.print(
                f"  {lk['threat']} ({lk['threat_type']}) reached {lk['asset']} at "
                f"t = {lk['time_s']:.0f} s",
                highlight=False,
                soft_wrap=True,
            )
    else:
        out.print("Leakers: none", highlight=False, soft_wrap=True)
    tl = s["timeline"]

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f} s"

    out.print(
        f"Timeline: first detection of a threat {f(tl['first_detection_s'])}, first track "
        f"{f(tl['first_track_s'])}, first launch {f(tl['first_launch_s'])}, first kill "
        f"{f(tl['first_kill_s'])}, first leak {f(tl['first_leak_s'])}, last event "
        f"{f(tl['last_event_s'])}",
        highlight=False,
        soft_wrap=True,
    )
    if s.get("false_alarms"):
        out.print(
            f"False alarms: {s['false_alarms']} (first at {f(tl.get('first_false_alarm_s'))}); "
            f"false tracks confirmed: {s['false_tracks_confirmed']}, engaged: "
            f"{s['false_track_engagements']}",
            highlight=False,
            soft_wrap=True,
        )
    _print_network(out, s)
    from samsim.engine.run import RUN_FILES

    out.print(f"Wrote {target}/: {', '.join(RUN_FILES)}", highlight=False, soft_wrap=True)


def _print_network(out: Any, s: dict[str, Any]) -> None:
    """The network under attack, when anything happened to it: nodes lost, radars that
    went dark, what the anti-radiation missiles did (docs/sead.md)."""
    for x in s.get("nodes_lost", []):
        out.print(
            f"Node lost: {x['node']} ({x['kind']}) at t = {x['time_s']:.0f} s by "
            f"{x['threat'] or '?'}",
            highlight=False,
            soft_wrap=True,
        )
    dark = {r: e for r, e in s.get("emission", {}).items() if e["dark_s"] > 0 or e["lost_s"] > 0}
    if dark:
        text = "; ".join(
            f"{r} {e['emitting_s']:.0f} s on, {e['dark_s']:.0f} s dark, {e['lost_s']:.0f} s lost"
            for r, e in dark.items()
        )
        out.print(f"Emission: {text}", highlight=False, soft_wrap=True)
    arms = s.get("anti_radiation_missiles")
    if arms:
        miss = arms["miss_m"]
        med = f", median miss {miss['median']:.0f} m" if miss else ""
        out.print(
            f"Anti-radiation missiles: {arms['launched']} launched, {arms['killed']} killed, "
            f"{arms['hit']} hit, {arms['missed']} missed{med}",
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario file; prints every problem with its line, or 'ok'.

    Everything `run` checks is checked (the terrain, every raid group's route), compiling
    only the first and last member of each group, so validating a large raid is cheap."""
    from samsim.console import Status

    with Status(f"checking {scenario}", console=err) as status:
        from samsim.engine.world import compile_world
        from samsim.jit import interpreted

        sc = _load(scenario)
        status.update(f"checking {scenario}: terrain and the raid's trajectories")
        with interpreted():  # a few points each: quicker than loading numba
            world = compile_world(sc, probe=True)
    threats = sum(g.count for g in sc.raid.values())
    out.print(
        f"{scenario}: ok ({len(world.radars)} radars, {len(world.launcher_names)} "
        f"launchers, {threats} threats)",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def schema() -> None:
    """Print the scenario JSON schema (for editor completion)."""
    from samsim.scenario.models import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command()
def catalog(
    section: Annotated[
        str | None,
        typer.Argument(help="radars, launchers, command_posts, missiles or threats (default: all)"),
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures", help="list every figure with its source and confidence")
    ] = False,
) -> None:
    """List catalogue entries with their key figures, sources and confidence."""
    from samsim.scenario.catalog import load_catalog

    cat = load_catalog()
    sections = list(cat.sections) if section is None else [section]
    for sec in sections:
        if sec not in cat.sections:
            _fail(f"unknown catalogue section {sec!r}; use one of: {', '.join(cat.sections)}")
        # One entry a block, one figure or description a line: names and sources stay
        # whole at any width (a table of five columns cannot fit 80).
        out.print(f"[bold]{sec}[/bold]", highlight=False, soft_wrap=True)
        for name, entry in sorted(cat[sec].items()):
            out.print(
                f"  [bold]{escape(name)}[/bold]  {escape(entry.description)}",
                highlight=False,
                soft_wrap=True,
            )
            if figures:
                for key, fig in entry.figures.items():
                    rng = (
                        ""
                        if fig.range is None
                        else f" (range (SI) {' .. '.join(_g(v) for v in fig.range)})"
                    )
                    out.print(
                        f"      {key} = {fig.value} ({fig.confidence}){rng}: {fig.source}",
                        highlight=False,
                        markup=False,
                        soft_wrap=True,
                    )
                continue
            keys = _KEY_FIGURES.get(sec, [])
            # figures that do not apply to an entry (null values) are left out
            shown = "; ".join(
                f"{k} = {entry.figures[k].value} ({entry.figures[k].confidence})"
                for k in keys
                if k in entry.figures and entry.figures[k].value is not None
            )
            if shown:
                out.print(f"      {shown}", highlight=False, markup=False, soft_wrap=True)


def _g(v: Any) -> str:
    return f"{v:g}" if isinstance(v, int | float) else str(v)


_KEY_FIGURES = {
    "radars": [
        "role",
        "instrumented_range_m",
        "frequency_hz",
        "scan_period_s",
        "target_channels",
        "missile_channels",
    ],
    "missiles": ["max_range_m", "max_altitude_m", "max_target_speed_mps", "pk_nominal"],
    "threats": [
        "kind",
        "rcs_m2",
        "speed_mps",
        "altitude_m",
        "min_range_m",
        "max_range_m",
        "burn_time_s",
    ],
    "launchers": ["slots", "launch_interval_s"],
    "command_posts": ["max_targets", "max_missiles", "reaction_time_s"],
}

from samsim.analysis.coverage_cli import register as _reg_coverage  # noqa: E402

_reg_coverage(app)
from samsim.physics.envelope_cli import envelope as _envelope  # noqa: E402


@functools.wraps(_envelope)
def _envelope_with_status(*args: Any, **kwargs: Any) -> None:
    import samsim.physics.envelope  # noqa: F401 (the kernels it will run)
    from samsim.console import Status, first_run_note, kernels_need_compiling

    missile = kwargs.get("missile", args[0] if args else "")
    with Status(
        f"computing the engagement envelope of {missile}: interceptor flyouts at each "
        f"altitude and target speed (15-40 s){first_run_note(kernels_need_compiling())}",
        console=err,
    ):
        _envelope(*args, **kwargs)


app.command("envelope")(_envelope_with_status)


from samsim.web.cli import optional_file_args  # noqa: E402
from samsim.web.cli import register as _reg_web  # noqa: E402

_reg_web(app)


from samsim.study.cli import register as _reg_study  # noqa: E402

_reg_study(app)


daemon_app = typer.Typer(
    no_args_is_help=True,
    help="A warm samsim process: while it runs, `samsim run`, validate, schema, catalog, "
    "envelope, coverage, report and export run in a fork of it and start at once (no imports or "
    "kernel loading: about 0.05 s instead of 1 s a command). Linux only.",
)
app.add_typer(daemon_app, name="daemon")


@daemon_app.command("start")
def daemon_start(
    scenarios: Annotated[
        list[Path] | None,
        typer.Argument(help="scenario files to warm up with (each simulated once, seed 0)"),
    ] = None,
    idle_minutes: Annotated[
        float, typer.Option(min=0.01, help="exit after this many minutes without a command")
    ] = 30.0,
) -> None:
    """Start a warm daemon in the background for this samsim and environment (one per
    user, source version and import-time environment; a second start leaves it running).
    It also warms itself with each scenario it runs, once, after that first run. It exits
    when idle for --idle-minutes, when samsim's source or catalogue changes, or on
    `samsim daemon stop`. SAMSIM_NO_DAEMON=1 runs a command in its own process."""
    from samsim import daemon
    from samsim.console import Status

    files = [str(p) for p in scenarios or ()]
    for f in files:
        if not Path(f).is_file():
            _fail(f"{f}: no such scenario file (daemon start warms up with scenario files)")
    with Status("starting the samsim daemon (a minute if the kernels compile first)", console=err):
        info = daemon.start(files, idle_minutes=idle_minutes)
    verb = "already running" if info["already"] else "started"
    if not info["already"]:
        for f in files:
            if os.path.abspath(f) not in info["warmed"]:
                _print_error(
                    f"{f}: the daemon could not warm up with it (`samsim validate {f}` says "
                    "why); it runs without",
                    label="warning",
                )
    if "samsim.launcher" not in sys.modules:
        _print_error(
            "this samsim did not start through samsim's console script (samsim.launcher), "
            "so its commands do not use the daemon; the `samsim` command of a current "
            "install does (an editable install older than the daemon needs `pip install -e "
            ".` again)",
            label="warning",
        )
    warmed = ", ".join(info["warmed"]) or "nothing yet (it warms with each scenario it runs)"
    out.print(
        f"samsim daemon {verb}: pid {info['pid']}, warmed with {warmed}; it exits after "
        f"{info['idle_minutes']:g} min without a command (`samsim daemon stop` ends it now)",
        highlight=False,
        soft_wrap=True,
    )


@daemon_app.command("stop")
def daemon_stop() -> None:
    """Stop the daemon serving this samsim and environment (none running: says so)."""
    from samsim import daemon

    if daemon.stop():
        out.print("samsim daemon stopped", highlight=False)
    else:
        out.print("no samsim daemon was running for this samsim and environment", highlight=False)


@daemon_app.command("status")
def daemon_status() -> None:
    """Whether a daemon serves this samsim and environment, and what it holds; exit code 1
    if none does."""
    import datetime

    from samsim import daemon

    info = daemon.status()
    if info is None:
        out.print(
            "no samsim daemon is running for this samsim and environment "
            f"(socket {daemon.socket_path()}); `samsim daemon start` starts one",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    started = datetime.datetime.fromtimestamp(info["started"]).isoformat(timespec="seconds")
    rss = "-" if info["rss_mb"] is None else f"{info['rss_mb']:.0f} MB"
    rows = [
        ("pid", str(info["pid"])),
        ("socket", info["socket"]),
        ("started", started),
        ("exits after idle", f"{info['idle_minutes']:g} min"),
        ("commands served", str(info["served"])),
        ("running now", str(info["running"])),
        ("warmed with", ", ".join(info["warmed"]) or "-"),
        ("memory (resident)", rss),
    ]
    for name, value in rows:
        out.print(f"{name:>18}: {value}", highlight=False, soft_wrap=True)


def main(args: list[str] | None = None) -> None:
    """Run the app (on ``args``, default ``sys.argv[1:]``), turning user errors into
    messages and exit code 2 (``SystemExit``, so a caller in Python keeps its process)."""
    _main(args)


def console() -> None:
    """The ``samsim`` command (console script and ``python -m samsim.cli``): :func:`main`
    on the command line, then the process ends at once (:func:`_hard_exit`). numpy's BLAS
    starts one thread (``OPENBLAS_NUM_THREADS=1`` unless set: samsim's matrices are small,
    the engine runs on one BLAS thread anyway, and starting a pool costs 0.05-0.1 s)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        _main(None)
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    _hard_exit(code)


def _hard_exit(code: Any) -> None:
    """Exit without tearing the interpreter down: freeing numba's and the engine's objects
    one by one takes 0.1-0.6 s once the work is done (mypy does the same, ``hard_exit``).
    Exit handlers run and the streams are flushed first; with a thread still running, the
    ordinary exit (which waits for it)."""
    import atexit
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    code = _exit_code(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _exit_code(code: Any) -> int:
    """The process exit code of ``SystemExit(code)``, as Python's own exit makes it: None
    is 0, and anything not an int is printed on stderr and gives 1."""
    if code is None:
        return 0
    if not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        return 1
    return code


def _interrupted() -> NoReturn:
    """Ctrl-C: say so and exit 130, as a shell does for SIGINT."""
    err.print("interrupted", highlight=False, soft_wrap=True)
    sys.exit(130)


def _caused_by_interrupt(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in ``exc``'s chain of causes and contexts."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _main(args: list[str] | None) -> None:
    try:
        # Without standalone mode click returns the code of a typer.Exit instead of exiting.
        code = app(
            args=optional_file_args(sys.argv[1:] if args is None else list(args)),
            standalone_mode=False,
        )
        if code == 130:
            # typer turns Ctrl-C into a silent Exit(130) (no command exits 130 itself; an
            # interrupted study raises StudyInterrupted): say why the command stopped.
            _interrupted()
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except SamsimError as exc:
        _print_error(str(exc))
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _interrupted()
    except typer.Abort:
        err.print("aborted", highlight=False, soft_wrap=True)
        sys.exit(130)
    except Exception as exc:
        if _caused_by_interrupt(exc):
            # Ctrl-C while a compiled kernel was returning: numba reports the pending
            # KeyboardInterrupt as a SystemError ("returned a result with an exception
            # set") whose cause is the interrupt. It is an interrupt, not a bug.
            _interrupted()
        # Usage errors (bad option values) come from the click that typer bundles; they
        # know how to show themselves and their exit code (2).
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        if os.environ.get("SAMSIM_DEBUG"):
            raise
        _print_error(
            f"{type(exc).__name__}: {exc}\nThis is a bug in samsim; rerun with "
            "SAMSIM_DEBUG=1 for the traceback and report it.",
            label="internal error",
        )
        sys.exit(70)


if __name__ == "__main__":
    console()
