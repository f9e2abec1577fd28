"""The ``samsim serve``, ``samsim report`` and ``samsim export`` commands.

Registered on the main app by :func:`register` (one line in ``samsim/cli.py``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from samsim.errors import SamsimError


class ExportError(SamsimError):
    """Bad arguments to ``samsim export``."""


#: ``samsim export`` options whose file is optional: ``--kml`` alone writes RUN_DIR/run.kml.
OPTIONAL_FILE_OPTIONS = ("--kml", "--czml")


def optional_file_args(argv: list[str]) -> list[str]:
    """``argv`` with an empty value after an optional-file option of ``samsim export``
    given without one (last, or followed by another option), so that ``--kml`` alone
    means "next to the run" (typer options cannot take an optional value)."""
    if "export" not in argv:
        return list(argv)
    out: list[str] = []
    for k, arg in enumerate(argv):
        out.append(arg)
        nxt = argv[k + 1] if k + 1 < len(argv) else None
        if arg in OPTIONAL_FILE_OPTIONS and (nxt is None or nxt.startswith("-")):
            out.append("")
    return out


def _parse_heights(text: str) -> list[float]:
    from samsim.units import length_m

    try:
        out = [length_m(x.strip()) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise ExportError(
            f"--coverage-heights {text!r}: {exc}; give heights above ground separated by "
            "commas, e.g. '30 m,1 km,10 km'"
        ) from None
    if any(h < 0 for h in out):
        raise ExportError(f"--coverage-heights {text!r}: heights must be >= 0")
    return out


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``report`` and ``export`` to the ``samsim`` app."""

    @app.command()
    def serve(
        target: Annotated[
            Path, typer.Argument(help="run folder (runs/<scenario>/<seed>) or a study folder")
        ],
        host: Annotated[
            str, typer.Option(help="interface to listen on (loopback unless you mean it)")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=0, max=65535, help="port (0 = any free)")] = 8765,
        no_browser: Annotated[
            bool, typer.Option("--no-browser", help="do not open a browser")
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log requests")] = False,
        point: Annotated[
            int | None,
            typer.Option(help="study folder: the sweep point of the run to replay (default 0)"),
        ] = None,
        seed: Annotated[
            int | None,
            typer.Option(help="study folder: the seed of the run to replay (default the first)"),
        ] = None,
    ) -> None:
        """Replay a run in the browser (local server; Ctrl-C stops it).

        A study keeps no trajectories: for a study folder the chosen run (--point, --seed)
        is rerun in full, exactly as the study ran it, into DIR/replays/ and served with
        any run replayed before."""
        from samsim.web.server import serve as _serve

        if (target / "manifest.json").is_file():
            from samsim.study.replay import REPLAYS, replay_run

            if point is not None or seed is not None or not (target / REPLAYS).is_dir():
                from samsim.console import Status

                with Status(
                    f"rerunning point {point or 0}"
                    f"{'' if seed is None else f', seed {seed}'} of the study in full"
                ):
                    out = replay_run(target, point or 0, seed)
                typer.echo(f"replaying {out} (rebuilt from the study's scenario and seed)")
        elif point is not None or seed is not None:
            raise ExportError(
                f"--point and --seed choose a run of a study; {target} is not a study folder "
                "(no manifest.json)"
            )
        _serve(
            target,
            host=host,
            port=port,
            open_browser=not no_browser,
            verbose=verbose,
            echo=typer.echo,
        )

    @app.command()
    def report(
        target: Annotated[Path, typer.Argument(help="run folder or study folder")],
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="HTML file to write (default <target>/report.html)"),
        ] = None,
    ) -> None:
        """Write a self-contained HTML report (opens offline, prints well)."""
        from samsim.console import Status
        from samsim.export.report import write_report
        from samsim.outputs import check_output_file

        check_output_file(out or target / "report.html", "--out", "report.html")
        with Status(
            f"writing the report of {target}: coverage of each radar, maps, timelines, tables"
        ):
            path = write_report(target, out)
        typer.echo(f"Wrote {path}")

    @app.command()
    def export(
        run_dir: Annotated[Path, typer.Argument(help="run folder (runs/<scenario>/<seed>)")],
        kml: Annotated[
            str | None,
            typer.Option(
                "--kml",
                metavar="[FILE]",
                help="write KML for Google Earth to FILE (without FILE: RUN_DIR/run.kml)",
            ),
        ] = None,
        czml: Annotated[
            str | None,
            typer.Option(
                "--czml",
                metavar="[FILE]",
                help="write CZML for Cesium to FILE (without FILE: RUN_DIR/run.czml)",
            ),
        ] = None,
        coverage_heights: Annotated[
            str,
            typer.Option(help="target heights above ground for coverage outlines, comma-separated"),
        ] = "30 m,1 km,10 km",
        epoch: Annotated[
            str,
            typer.Option(help="UTC date-time of simulated t = 0 (ISO 8601) in the exported times"),
        ] = "2000-01-01T00:00:00Z",
    ) -> None:
        """Export a run as KML (Google Earth) and/or CZML (Cesium)."""
        from samsim.export.rundir import RunData

        if kml is None and czml is None:
            raise ExportError(
                "give --kml and/or --czml (each optionally followed by a file name): "
                "nothing to export"
            )
        from samsim.console import Status
        from samsim.outputs import check_output_file

        for option, given, example in (("--kml", kml, "run.kml"), ("--czml", czml, "run.czml")):
            if given is not None:
                check_output_file(given or run_dir / example, option, example)
        heights = _parse_heights(coverage_heights)
        run = RunData(run_dir)
        t0 = _parse_epoch(epoch)
        written = []
        with Status(f"exporting {run_dir}") as status:
            if kml is not None:
                from samsim.export.kml import write_kml

                kml_path = Path(kml) if kml else run_dir / "run.kml"
                status.update(f"writing {kml_path}: sites, coverage outlines, tracks, events")
                written.append(write_kml(run, kml_path, heights, epoch=t0))
            if czml is not None:
                from samsim.export.czml import write_czml

                czml_path = Path(czml) if czml else run_dir / "run.czml"
                status.update(f"writing {czml_path}: sites, coverage outlines, tracks, events")
                written.append(write_czml(run, czml_path, heights, epoch=t0))
        for path in written:
            typer.echo(f"Wrote {path}")


def _parse_epoch(text: str) -> dt.datetime:
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError(
            f"--epoch {text!r} is not an ISO 8601 date-time; write e.g. 2000-01-01T00:00:00Z"
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
