"""The ``samsim envelope`` command: a missile type's engagement envelope, printed and plotted.

Registered on the main app by :func:`register`; the flyout and matplotlib are imported
inside the command so ``samsim --help`` stays fast.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from samsim.errors import SamsimError

__all__ = ["EnvelopeInputError", "register"]


class EnvelopeInputError(SamsimError):
    """A bad argument of ``samsim envelope`` (printed without a traceback, exit 2)."""


def _speeds(values: list[str] | None) -> list[float]:
    from samsim.units import UnitError, speed_mps

    if not values:
        return [0.0, 300.0]
    out = []
    for v in values:
        try:
            s = speed_mps(v)
        except UnitError as exc:
            raise EnvelopeInputError(
                f"--target-speed {v!r}: {exc}; give a speed such as 300, '300 m/s' or 'Mach 0.9'"
            ) from None
        if not (math.isfinite(s) and s >= 0):
            raise EnvelopeInputError(
                f"--target-speed {v!r}: a target speed must be >= 0 (0: stationary target)"
            )
        out.append(s)
    return out


def _altitudes(values: list[str] | None) -> list[float] | None:
    from samsim.units import UnitError, length_m

    if not values:
        return None
    out = []
    for v in values:
        try:
            h = length_m(v)
        except UnitError as exc:
            raise EnvelopeInputError(f"--altitude {v!r}: {exc}") from None
        if not (math.isfinite(h) and h > 0):
            raise EnvelopeInputError(
                f"--altitude {v!r}: a target altitude must be > 0 (e.g. --altitude '5 km')"
            )
        out.append(h)
    return sorted(set(out))


def envelope(
    missile: Annotated[str, typer.Argument(help="catalogue missile type (e.g. 48N6E3)")],
    target_speed: Annotated[
        list[str] | None,
        typer.Option(
            "--target-speed",
            help="target speed, radially inbound at constant altitude (repeat for several; "
            "default 0 and 300 m/s)",
        ),
    ] = None,
    altitude: Annotated[
        list[str] | None,
        typer.Option(
            "--altitude",
            help="target altitude rows (repeat; default 0.05 to 40 km every 2.5 km)",
        ),
    ] = None,
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="folder for envelope_<MISSILE>.png and .txt"),
    ] = Path("."),
    pk: Annotated[
        str | None,
        typer.Option(
            "--pk",
            help="also map the single-shot Pk against this catalogue threat type (e.g. "
            "subsonic_cruise_missile) over intercept range, altitude and aspect, from the "
            "flyout itself",
        ),
    ] = None,
) -> None:
    """Print and plot a missile's engagement envelope (intercept-point range vs altitude),
    with flight time and speed at the far point; with --pk THREAT, its single-shot Pk."""
    from samsim.physics.missile import load_missile_catalog

    catalog = load_missile_catalog()
    if missile not in catalog:
        raise EnvelopeInputError(
            f"unknown missile {missile!r}; known missiles: {', '.join(sorted(catalog))}"
        )
    threat_spec = None
    if pk is not None:
        from samsim.scenario.catalog import load_catalog

        threats = load_catalog().sections["threats"]
        if pk not in threats:
            raise EnvelopeInputError(
                f"--pk {pk!r}: unknown threat type; known threat types: "
                f"{', '.join(sorted(threats))}"
            )
        threat_spec = threats[pk].spec
    speeds = _speeds(target_speed)
    alts = _altitudes(altitude)
    from samsim.physics.envelope import envelope_report

    _, text, fig = envelope_report(catalog[missile], speeds, altitudes_m=alts)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / f"envelope_{missile}.png"
    fig.savefig(png, dpi=110)
    (out_dir / f"envelope_{missile}.txt").write_text(text + "\n")
    typer.echo(text)
    typer.echo(f"\nwrote {png} and {png.with_suffix('.txt')}")
    if threat_spec is not None:
        from samsim.physics.pk_table import pk_table, pk_table_text, plot_pk_table

        table = pk_table(catalog[missile], threat_spec, str(pk))
        ptxt = pk_table_text(table)
        pk_png = out_dir / f"envelope_{missile}_pk_{pk}.png"
        plot_pk_table(table).savefig(pk_png, dpi=110)
        pk_png.with_suffix(".txt").write_text(ptxt + "\n")
        typer.echo("\n" + ptxt)
        typer.echo(f"\nwrote {pk_png} and {pk_png.with_suffix('.txt')}")


def register(app: typer.Typer) -> None:
    """Add ``samsim envelope`` to the main app."""
    app.command("envelope")(envelope)
