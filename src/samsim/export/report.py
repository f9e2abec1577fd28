"""The HTML report of a run (or of a folder of runs, or of a study): one self-contained
file with the scenario summary, maps, per-threat timelines, the engagement table and
detection-range distributions; images are inline PNG (matplotlib), styles inline, no
external request of any kind; a print stylesheet makes it PDF-friendly.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import io
import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from samsim.engine.run import atomic_write_bytes
from samsim.errors import SamsimError
from samsim.export.atlas import land_rings_in
from samsim.export.coverage import CoverageSet, CoverageUnavailable, run_coverage
from samsim.export.rundir import RunData, RunDirError, find_runs

#: Runs shown in full in a report of a folder of runs (the overview lists them all).
MAX_DETAILED_RUNS = 20
#: Threat rows drawn in the timeline chart (the threat table lists them all).
MAX_GANTT_ROWS = 150

_OUTCOME_COLOR = {
    "killed": "#1b7837",
    "leaked": "#d7301f",
    "survived": "#7f7f7f",
    "in flight": "#e08214",
}

_CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; }
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px 40px; font-size: 14px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #762a83; padding-bottom: 2px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.muted { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 90px; }
.card b { display: block; font-size: 20px; }
.card.killed b { color: #1b7837; } .card.leaked b { color: #d7301f; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 6px; text-align: left;
  vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; }
th { background: #f4f1f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.outcome-leaked td.outcome { color: #d7301f; font-weight: 600; }
tr.outcome-killed td.outcome { color: #1b7837; font-weight: 600; }
figure { margin: 8px 0 16px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.grid2 figure { margin: 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 12px; color: #555; margin-top: 4px; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 6px 10px; margin: 8px 0; }
details summary { cursor: pointer; font-weight: 600; margin: 10px 0; }
footer { margin-top: 30px; font-size: 12px; color: #777; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, .cards { break-inside: avoid; page-break-inside: avoid; }
  table { font-size: 10px; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  details { display: block; }
  details > summary { list-style: none; }
  section.run { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fmt(v: float | None, nd: int = 1, scale: float = 1.0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    return f"{v / scale:.{nd}f}"


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(fig: Figure, caption: str, alt: str) -> str:
    return (
        f'<figure><img src="{_png(fig)}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Sequence[int] = (),
    row_class: Callable[[int], str] | None = None,
    cell_class: dict[int, str] | None = None,
) -> str:
    cc = cell_class or {}
    head = "".join(
        f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{row_class(r)}"' if row_class else ""
        cells = "".join(
            f'<td class="{"num " if i in numeric else ""}{cc.get(i, "")}">{_e(v)}</td>'
            for i, v in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


# ----------------------------------------------------------------------------------- maps
def _setup_map(ax: Axes, west: float, south: float, east: float, north: float) -> None:
    ax.set_facecolor("#dbe9f3")
    from matplotlib.collections import PolyCollection

    rings = land_rings_in(west - 1, south - 1, east + 1, north + 1)
    if rings:
        land = PolyCollection(
            rings, facecolors="#f4f1e8", edgecolors="#a89f86", linewidths=0.6, zorder=1
        )
        ax.add_collection(land, autolim=False)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / max(math.cos(math.radians(0.5 * (south + north))), 0.05))
    ax.grid(True, color="#9bb7cc", lw=0.4, alpha=0.7)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")


_SITE_STYLE = {
    "asset": ("D", "#1b7837", 40),
    "radar": ("^", "#762a83", 50),
    "launcher": ("s", "#4d4d4d", 14),
    "command_post": ("*", "#b35806", 60),
}
_COVERAGE_COLOR = "#762a83"


def _draw_run_on(
    ax: Axes, run: RunData, cov: CoverageSet | None, label_kinds: tuple[str, ...]
) -> list[tuple[str, float, float, str]]:
    """Draw a run on a map; returns the labels to place: (text, lon, lat, colour)."""
    if cov is not None:
        h = next(iter(cov.by_height))
        for o in cov.by_height[h]:
            az = np.linspace(0, 2 * np.pi, 241)
            from samsim.export.coverage import destination

            la, lo = destination(o.site_lat_deg, o.site_lon_deg, az, np.full(241, o.naive_range_m))
            ax.plot(lo, la, color=_COVERAGE_COLOR, lw=0.8, ls="--", zorder=2)
        area = (cov.areas or {}).get(h)
        if area is not None:
            # the covered cells themselves (an outline would also shade the terrain's
            # shadows inside it, as radial stripes over hills)
            if area.covered.any():
                ax.contourf(
                    area.lon_deg,
                    area.lat_deg,
                    area.covered.astype(float),
                    levels=[0.5, 1.5],
                    colors=[_COVERAGE_COLOR],
                    alpha=0.18,
                    zorder=2,
                )
            if cov.has_terrain:
                ax.plot(
                    area.terrain_box_lon_deg,
                    area.terrain_box_lat_deg,
                    color="#555555",
                    lw=0.8,
                    ls=":",
                    zorder=2,
                )
        else:
            for o in cov.by_height[h]:
                ax.fill(
                    o.lon_deg,
                    o.lat_deg,
                    facecolor=_COVERAGE_COLOR,
                    alpha=0.08,
                    edgecolor=_COVERAGE_COLOR,
                    lw=1.0,
                    zorder=2,
                )
    timelines = {t.threat_id: t for t in run.timelines}
    for i, tr in run.tracks("threat", 50.0).items():
        oc = timelines[i].outcome if i in timelines else "survived"
        ax.plot(
            tr["lon_deg"],
            tr["lat_deg"],
            color=_OUTCOME_COLOR.get(oc, "#d7301f"),
            lw=1.1,
            alpha=0.85,
            zorder=3,
        )
    for tr in run.tracks("interceptor", 50.0).values():
        ax.plot(tr["lon_deg"], tr["lat_deg"], color="#2166ac", lw=0.8, alpha=0.9, zorder=4)
    ev = run.ev
    for kind, marker, color, size in (("kill", "*", "#1b7837", 90), ("leak", "o", "#d7301f", 70)):
        m = ev["kind"] == kind
        if m.any():
            pts = np.stack([ev["x_m"][m], ev["y_m"][m], ev["z_m"][m]], axis=1).astype(float)
            pts = pts[np.isfinite(pts).all(axis=1)]
            if len(pts):
                la, lo, _ = run.frame.enu_to_geodetic(pts)
                ax.scatter(
                    lo,
                    la,
                    marker=marker,
                    s=size,
                    c=color,
                    edgecolors="white",
                    linewidths=0.6,
                    zorder=6,
                )
    labels = []
    for s in run.sites():
        mk, c, sz = _SITE_STYLE[s.kind]
        ax.scatter(
            [s.lon_deg],
            [s.lat_deg],
            marker=mk,
            c=c,
            s=sz,
            zorder=7,
            edgecolors="white",
            linewidths=0.5,
        )
        if s.kind in label_kinds:
            labels.append((s.name, s.lon_deg, s.lat_deg, c))
    return labels


def _place_labels(
    fig: Figure,
    ax: Axes,
    labels: list[tuple[str, float, float, str]],
    leaders: bool,
    obstacles: Sequence[tuple[float, float]] = (),
) -> None:
    """Place each label beside its point where it overlaps no other label, no site and
    stays inside the axes; with ``leaders`` a label may move further out on a thin line,
    else one that finds no room is left out (the other panel names it).

    Greedy, in the order given, over 8 directions at 2 distances (and 3 more with
    leaders); overlaps are tested on the rendered text boxes in display pixels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    ax.apply_aspect()  # the drawn box of an equal-aspect map, not its layout slot
    to_px = ax.transData.transform
    frame = ax.get_window_extent(renderer)
    points = [to_px((lon, lat)) for _, lon, lat, _ in labels]
    # the markers: of the labelled points and of every other site
    taken = [
        Bbox.from_bounds(x - 5, y - 5, 10, 10) for x, y in [*points, *(to_px(p) for p in obstacles)]
    ]
    steps = (8, 16) + ((30, 48, 70) if leaders else ())
    directions = [(1, 0.4), (1, -1.2), (-1, 0.4), (-1, -1.2), (0, 1), (0, -1.8), (1, 1), (-1, 1)]
    for (text, lon, lat, color), (x, y) in zip(labels, points, strict=True):
        ann = ax.annotate(
            text,
            (lon, lat),
            xytext=(0, 0),
            textcoords="offset points",
            fontsize=7,
            color=color,
            zorder=8,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7},
        )
        w, h = ann.get_window_extent(renderer).size
        px_per_pt = fig.dpi / 72.0
        placed = False
        for step in steps:
            for dx, dy in directions:
                left = x + dx * step * px_per_pt - (w if dx < 0 else w / 2 if dx == 0 else 0)
                bottom = y + dy * step * px_per_pt * (0.6 if dy < 0 else 1.0)
                box = Bbox.from_bounds(left, bottom, w, h)
                inside = (
                    box.x0 >= frame.x0
                    and box.x1 <= frame.x1
                    and box.y0 >= frame.y0
                    and box.y1 <= frame.y1
                )
                if not inside or any(box.overlaps(t) for t in taken):
                    continue
                ann.set_position(((left - x) / px_per_pt, (bottom - y) / px_per_pt))
                if step > 16:
                    ax.annotate(
                        "",
                        (lon, lat),
                        xytext=((left + w / 2 - x) / px_per_pt, (bottom + h / 2 - y) / px_per_pt),
                        textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": color, "lw": 0.5},
                        zorder=7,
                    )
                taken.append(box)
                placed = True
                break
            if placed:
                break
        if not placed:
            ann.remove()


def _map_legend(fig: Figure, cov: CoverageSet | None) -> None:
    """The symbols of the maps, inside the figure below the panels."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    def mark(marker: str, color: str, label: str, size: float = 8) -> Line2D:
        return Line2D([], [], ls="", marker=marker, color=color, mec="white", ms=size, label=label)

    handles: list[Any] = [
        Line2D([], [], color=_OUTCOME_COLOR["killed"], label="threat, killed"),
        Line2D([], [], color=_OUTCOME_COLOR["leaked"], label="threat, leaked"),
        Line2D([], [], color=_OUTCOME_COLOR["survived"], label="threat, survived"),
        Line2D([], [], color="#2166ac", label="interceptor"),
        mark("*", "#1b7837", "kill", 11),
        mark("o", "#d7301f", "leak"),
        mark("D", "#1b7837", "defended asset", 7),
        mark("^", "#762a83", "radar"),
        mark("s", "#4d4d4d", "launcher", 6),
        mark("*", "#b35806", "command post", 10),
    ]
    if cov is not None:
        h = next(iter(cov.by_height))
        handles += [
            Patch(
                facecolor=_COVERAGE_COLOR,
                alpha=0.3,
                label=f"coverage, {cov.threat_type} at {h:g} m",
            ),
            Line2D([], [], color=_COVERAGE_COLOR, ls="--", lw=0.8, label="range ring"),
        ]
        if cov.has_terrain:
            handles.append(
                Line2D([], [], color="#555555", ls=":", lw=0.8, label="edge of the terrain")
            )
    fig.legend(
        handles=handles,
        loc="lower center",
        ncols=5,
        fontsize=8,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )


def _extent(
    lats: list[float], lons: list[float], pad_frac: float = 0.06, min_half_deg: float = 0.15
) -> tuple[float, float, float, float]:
    south, north = min(lats), max(lats)
    west, east = min(lons), max(lons)
    cy, cx = 0.5 * (south + north), 0.5 * (west + east)
    hy = max(0.5 * (north - south) * (1 + pad_frac), min_half_deg)
    hx = max(
        0.5 * (east - west) * (1 + pad_frac), min_half_deg / max(math.cos(math.radians(cy)), 0.1)
    )
    return cx - hx, cy - hy, cx + hx, cy + hy


def map_figure(run: RunData, cov: CoverageSet | None) -> Figure:
    """Two panels: the whole engagement, and the defended area (assets and sites); the
    symbols' legend below them, inside the figure."""
    sites = run.sites()
    lats = [s.lat_deg for s in sites]
    lons = [s.lon_deg for s in sites]
    for tr in run.tracks("threat", 200.0).values():
        lats += tr["lat_deg"].tolist()
        lons += tr["lon_deg"].tolist()
    whole = _extent(lats, lons)
    slat = [s.lat_deg for s in sites]
    slon = [s.lon_deg for s in sites]
    near = _extent(slat, slon, pad_frac=0.6, min_half_deg=0.25)

    def shape(x: tuple[float, float, float, float]) -> float:
        """Width over height of a map of this extent (equal-distance aspect)."""
        west, south, east, north = x
        cos = max(math.cos(math.radians(0.5 * (south + north))), 0.05)
        return min(max((east - west) * cos / (north - south), 0.4), 2.5)

    fig = Figure(figsize=(11, 6.4))
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[shape(whole), shape(near)])
    _setup_map(ax1, *whole)
    labels1 = _draw_run_on(ax1, run, cov, ("asset",))
    ax1.set_title("the engagement", fontsize=10)
    _setup_map(ax2, *near)
    labels2 = _draw_run_on(ax2, run, None, ("asset", "radar"))
    ax2.set_title("defended area", fontsize=10)
    _map_legend(fig, cov)
    fig.tight_layout(rect=(0.0, 0.11, 1.0, 1.0))
    # assets first: they matter most and a crowded overview drops what cannot fit
    marks = [(st.lon_deg, st.lat_deg) for st in sites]
    _place_labels(fig, ax1, labels1, leaders=False, obstacles=marks)
    _place_labels(fig, ax2, labels2, leaders=True, obstacles=marks)
    return fig


# -------------------------------------------------------------------------------- gantt
def gantt_figure(run: RunData) -> Figure:
    """Per-threat timelines: undetected, detected, tracked, engaged; launches and outcome."""
    tls = sorted(
        run.timelines, key=lambda t: (t.appear_s if t.appear_s is not None else 0.0, t.threat_id)
    )[:MAX_GANTT_ROWS]
    n = len(tls)
    fig = Figure(figsize=(11, max(2.2, 0.24 * n + 1.2)))
    ax = fig.subplots()
    end = run.end_time_s
    phases = (
        ("appear_s", "first_detection_s", "#e6e6e6", "not yet detected"),
        ("first_detection_s", "track_confirmed_s", "#bdbdbd", "detected"),
        ("track_confirmed_s", "engaged_s", "#fdd49e", "track confirmed"),
        ("engaged_s", None, "#fc8d59", "engaged"),
    )
    labels_done: set[str] = set()
    for y, tl in enumerate(tls):
        d = tl.as_dict()
        stop = tl.outcome_s if tl.outcome_s is not None else end
        for a, b, color, label in phases:
            t0 = d[a]
            if t0 is None:
                continue
            t1 = d[b] if b is not None and d[b] is not None else stop
            # a later phase that never started: this one runs to the outcome
            if b is not None and d[b] is None:
                t1 = stop
            if t1 <= t0:
                continue
            ax.barh(
                y,
                t1 - t0,
                left=t0,
                height=0.6,
                color=color,
                label=label if label not in labels_done else None,
            )
            labels_done.add(label)
        for ln in tl.launches:
            ax.plot(
                ln["time_s"],
                y,
                marker="^",
                color="#2166ac",
                ms=5,
                ls="",
                label="missile fired" if "missile fired" not in labels_done else None,
            )
            labels_done.add("missile fired")
        for x in tl.intercepts:
            what = "intercept, kill" if x["result"] == "kill" else "intercept, no kill"
            ax.plot(
                x["time_s"],
                y,
                marker="x",
                color="#1b7837" if x["result"] == "kill" else "#e08214",
                ms=6,
                mew=1.6,
                ls="",
                label=what if what not in labels_done else None,
            )
            labels_done.add(what)
        if tl.outcome_s is not None:
            mk = {"killed": "*", "leaked": "o"}.get(tl.outcome, "|")
            ax.plot(
                tl.outcome_s,
                y,
                marker=mk,
                ms=9 if mk != "|" else 10,
                ls="",
                color=_OUTCOME_COLOR.get(tl.outcome, "#555"),
                label=tl.outcome if tl.outcome not in labels_done else None,
            )
            labels_done.add(tl.outcome)
    ax.set_yticks(range(n), [t.name for t in tls], fontsize=7 if n > 40 else 8)
    ax.invert_yaxis()
    ax.set_xlim(0, end * 1.01 if end > 0 else 1)
    ax.set_xlabel("simulated time (s)")
    ax.grid(True, axis="x", alpha=0.3)
    # above the rows, never over them
    ax.legend(
        fontsize=7,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=8,
        frameon=False,
        borderaxespad=0.3,
    )
    fig.tight_layout()
    return fig


def network_figure(run: RunData) -> Figure | None:
    """The defence's nodes over time (docs/sead.md): each radar's emission (green bars
    while it emits), node losses (red x) and moves (grey |); None when nothing happened
    to any node."""
    ev = run.events.to_pydict()
    kinds = ("emission_off", "emission_on", "node_lost", "relocate")
    rows = [i for i, k in enumerate(ev["kind"]) if k in kinds]
    if not rows:
        return None
    end = run.end_time_s
    radars = list(run.summary.get("emission", {}))
    nodes = sorted({ev["asset"][i] for i in rows if ev["asset"][i]} - set(radars))
    names = radars + [n for n in nodes if n.split(".", 1)[-1] not in radars]
    y_of = {n: k for k, n in enumerate(names)}
    fig = Figure(figsize=(11, max(1.8, 0.3 * len(names) + 1.2)))
    ax = fig.subplots()
    done: set[str] = set()

    def label(text: str) -> str | None:
        out = None if text in done else text
        done.add(text)
        return out

    for r in radars:
        on, t0 = True, 0.0
        for i in [i for i in rows if ev["sensor"][i] == r]:
            k, t = ev["kind"][i], ev["time_s"][i]
            if on and k in ("emission_off", "node_lost") and t > t0:
                ax.barh(
                    y_of[r], t - t0, left=t0, height=0.5, color="#7fbf7b", label=label("emitting")
                )
            if k == "emission_on":
                t0 = t
            on = k == "emission_on"
            if k == "node_lost":
                break
        else:
            if on and end > t0:
                ax.barh(
                    y_of[r], end - t0, left=t0, height=0.5, color="#7fbf7b", label=label("emitting")
                )
    for i in rows:
        k, t = ev["kind"][i], ev["time_s"][i]
        name = ev["sensor"][i] if ev["sensor"][i] in y_of else ev["asset"][i]
        if name not in y_of:
            continue
        if k == "node_lost":
            ax.plot(t, y_of[name], "x", color="#d7301f", ms=9, mew=2, label=label("lost"))
        elif k == "relocate":
            ax.plot(t, y_of[name], "|", color="#555", ms=12, label=label("moves"))
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, end * 1.01 if end > 0 else 1)
    ax.set_xlabel("simulated time (s)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False)
    fig.tight_layout()
    return fig


def detection_figure(runs: Sequence[RunData]) -> Figure | None:
    """First-detection range per threat type (histograms), pooled over the runs given."""
    by_type: dict[str, list[float]] = {}
    by_sensor: dict[str, list[float]] = {}
    for run in runs:
        for tl in run.timelines:
            if tl.first_detection_range_m is not None and math.isfinite(tl.first_detection_range_m):
                by_type.setdefault(tl.threat_type, []).append(tl.first_detection_range_m / 1000)
                by_sensor.setdefault(tl.first_detection_sensor, []).append(
                    tl.first_detection_range_m / 1000
                )
    if not by_type:
        return None
    fig = Figure(figsize=(11, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    for ax, data, title in ((ax1, by_type, "by threat type"), (ax2, by_sensor, "by first radar")):
        allv = np.concatenate([np.asarray(v) for v in data.values()])
        lo, hi = float(allv.min()), float(allv.max())
        bins = np.linspace(lo - 1, hi + 1, min(40, max(8, len(allv) // 2)) + 1)
        for name, vals in sorted(data.items()):
            ax.hist(
                vals,
                bins=bins,
                alpha=0.6,
                label=f"{name} (n={len(vals)}, median {np.median(vals):.0f} km)",
            )
        ax.set_xlabel("true range at first detection (km)")
        ax.set_ylabel("threats")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------ sections
def _summary_html(run: RunData) -> str:
    s = run.summary
    cards = [
        ("threats", s.get("threats"), ""),
        ("detected", s.get("detected"), ""),
        ("engaged", s.get("engaged"), ""),
        ("killed", s.get("killed"), "killed"),
        ("leaked", s.get("leaked"), "leaked"),
        ("survived", s.get("survived"), ""),
        ("interceptors fired", s.get("interceptors_fired_total"), ""),
        ("per kill", _fmt(s.get("interceptors_per_kill"), 2), ""),
    ]
    out = ['<div class="cards">']
    for label, v, cls in cards:
        out.append(f'<div class="card {cls}"><b>{_e(v)}</b>{_e(label)}</div>')
    out.append("</div>")
    rows = []
    for name, row in s.get("by_threat_type", {}).items():
        fd = s.get("first_detection_range_m", {}).get(name)
        rng = (
            "–"
            if not fd
            else f"{fd['min'] / 1e3:.1f} / {fd['median'] / 1e3:.1f} / {fd['max'] / 1e3:.1f}"
        )
        rows.append(
            [
                name,
                row["threats"],
                row["detected"],
                row["engaged"],
                row["killed"],
                row["leaked"],
                row["survived"],
                rng,
            ]
        )
    out.append("<h3>Outcome by threat type</h3>")
    out.append(
        _table(
            [
                "threat type",
                "threats",
                "detected",
                "engaged",
                "killed",
                "leaked",
                "survived",
                "first detection km (min / median / max)",
            ],
            rows,
            numeric=range(1, 7),
        )
    )
    fired = ", ".join(f"{k}: {v}" for k, v in s.get("interceptors_fired", {}).items()) or "none"
    outc = ", ".join(f"{k}: {v}" for k, v in s.get("interceptor_outcomes", {}).items()) or "none"
    tl = s.get("timeline", {})
    out.append(
        f"<p>Interceptors fired: {_e(fired)}. Flights ended: {_e(outc)}.<br>"
        f"First detection t = {_fmt(tl.get('first_detection_s'))} s, first track "
        f"{_fmt(tl.get('first_track_s'))} s, first launch {_fmt(tl.get('first_launch_s'))} s, "
        f"first kill {_fmt(tl.get('first_kill_s'))} s, first leak "
        f"{_fmt(tl.get('first_leak_s'))} s; simulated {_fmt(s.get('simulated_time_s'))} s "
        "(detections and tracks of threats: false alarms apart).</p>"
    )
    if s.get("false_alarms") is not None:
        out.append(
            f"<p>False alarms: {s['false_alarms']} (first at t = "
            f"{_fmt(tl.get('first_false_alarm_s'))} s); false tracks confirmed: "
            f"{s.get('false_tracks_confirmed', 0)}, engaged: "
            f"{s.get('false_track_engagements', 0)}.</p>"
        )
    leak = s.get("leaked_by_asset", {})
    if leak:
        out.append(
            "<p>Threats reaching each asset: "
            + ", ".join(f"{_e(a)} {n}" for a, n in leak.items())
            + ".</p>"
        )
    return "".join(out)


def _scenario_html(run: RunData) -> str:
    sc = run.scenario
    rows = []
    for uname, u in sc.get("units", {}).items():
        radars = ", ".join(f"{n} ({r['type']})" for n, r in u.get("radars", {}).items())
        loads: dict[str, int] = {}
        for ln in u.get("launchers", {}).values():
            for k, v in ln.get("load", {}).items():
                loads[k] = loads.get(k, 0) + int(v)
        rows.append(
            [
                uname,
                u["command_post"].get("type", ""),
                radars,
                len(u.get("launchers", {})),
                ", ".join(f"{v} x {k}" for k, v in loads.items()),
            ]
        )
    units = _table(["unit", "command post", "radars", "launchers", "missiles"], rows, numeric=[3])
    raid = []
    for gname, g in sc.get("raid", {}).items():
        raid.append(
            [
                gname,
                g["threat"],
                g.get("count", 1),
                _fmt(g.get("launch_time"), 0),
                _fmt(g.get("interval"), 0),
                g.get("target") or "–",
            ]
        )
    raid_t = _table(
        ["group", "threat type", "count", "start (s)", "interval (s)", "target"],
        raid,
        numeric=[2, 3, 4],
    )
    assets = _table(
        ["asset", "lat", "lon", "value", "radius (km)"],
        [
            [
                n,
                f"{a['position']['lat']:.3f}",
                f"{a['position']['lon']:.3f}",
                a.get("value"),
                _fmt(a.get("radius"), 1, 1000),
            ]
            for n, a in sc.get("assets", {}).items()
        ],
        numeric=[1, 2, 3, 4],
    )
    return f"<h3>Defence</h3>{units}<h3>Defended assets</h3>{assets}<h3>Raid</h3>{raid_t}"


def _threat_table(run: RunData) -> str:
    rows = []
    tls = run.timelines
    for tl in tls:
        rows.append(
            [
                tl.threat_id,
                tl.name,
                tl.threat_type,
                _fmt(tl.appear_s),
                _fmt(tl.first_detection_s),
                _fmt(tl.first_detection_range_m, 1, 1000),
                tl.first_detection_sensor or "–",
                _fmt(tl.track_confirmed_s),
                _fmt(tl.engaged_s),
                len(tl.launches),
                tl.outcome,
                _fmt(tl.outcome_s),
                tl.outcome_detail,
            ]
        )
    return _table(
        [
            "id",
            "threat",
            "type",
            "appeared (s)",
            "first detected (s)",
            "at (km)",
            "by",
            "track confirmed (s)",
            "engaged (s)",
            "missiles",
            "outcome",
            "at (s)",
            "detail",
        ],
        rows,
        numeric=[0, 3, 4, 5, 7, 8, 9, 11],
        row_class=lambda r: f"outcome-{tls[r].outcome.replace(' ', '-')}",
        cell_class={10: "outcome"},
    )


def _engagement_table(run: RunData) -> str:
    rows = []
    for r in run.interceptors:
        rows.append(
            [
                r["id"],
                r["missile_type"],
                r["unit"],
                r["launcher"],
                r["threat"],
                _fmt(r["launch_s"]),
                _fmt(r["end_s"]),
                r["outcome"],
                _fmt(r["miss_m"], 2),
                _fmt(r.get("pk"), 3),
            ]
        )
    if not rows:
        return "<p>No interceptor was fired.</p>"
    table = _table(
        [
            "interceptor",
            "missile",
            "unit",
            "launcher",
            "target",
            "launched (s)",
            "ended (s)",
            "outcome",
            "miss (m)",
            "Pk at that miss",
        ],
        rows,
        numeric=[0, 5, 6, 8, 9],
    )
    types = sorted({str(r["missile_type"]) for r in run.interceptors})
    return table + _kill_note(run, types)


_LETHALITY_WORDS = {
    "fragmentation": (
        "proximity fuze (fires within {rf:g} m, works {pf:.0%} of the time) and a "
        "fragmentation warhead ({n:,.0f} fragments): Pk falls with the miss as the "
        "fragments thin out on the target's vulnerable area, and with the burst-time error "
        "at a high encounter speed against a short target"
    ),
    "cookie_cutter": "cookie cutter: a kill within {r:g} m, none beyond",
    "gaussian": "Gaussian damage function of scale {r:g} m",
    "rice": (
        "lethal radius {r:g} m with a circular-normal scatter of {s:g} m about the computed "
        "miss (fuze delay and errors the point-mass flyout does not model; Rice model)"
    ),
}


def _kill_note(run: RunData, missile_types: list[str]) -> str:
    """What decides a kill: the miss, the lethality model of each type fired, the draw."""
    parts = []
    try:
        from samsim.physics.lethality import intercept_pk
        from samsim.scenario.loader import resolve
        from samsim.scenario.models import Scenario

        specs = resolve(Scenario.model_validate(run.scenario)).missiles
        for name in missile_types:
            spec = specs.get(name)
            if spec is None:
                continue
            words = _LETHALITY_WORDS.get(spec.lethality_model, spec.lethality_model).format(
                r=spec.lethal_radius_m,
                s=spec.miss_sigma_m,
                rf=spec.fuze_range_m,
                pf=spec.fuze_reliability,
                n=spec.warhead_fragments,
            )
            # at a zero miss: a body hit for the fragmentation model (any target)
            pk0 = float(intercept_pk(spec, 0.0, 1000.0, 1.0, 1.0))
            parts.append(f"{_e(name)}: {_e(words)}, Pk {pk0:.2f} at a zero miss")
    except (SamsimError, ValueError, KeyError):  # a scenario this samsim cannot resolve
        parts = []
    models = (" Lethality of the types fired: " + "; ".join(parts) + ".") if parts else ""
    return (
        '<p class="note"><b>What decides a kill.</b> At closest approach the flyout gives the '
        "miss distance, the result of the endgame: the seeker's noise (growing with range, "
        "glint of the target's span, multipath over the surface for a low target), the "
        "flight-control lags and the target's manoeuvres. The missile type's lethality "
        "model turns the miss and the encounter speed into a kill probability Pk, and the "
        'engine draws the kill against it: an intercept marked "miss" at a small miss '
        f"distance is a draw that failed.{models}</p>"
    )


def _run_section(
    run: RunData, heading: str, coverage_cache: dict[str, CoverageSet] | None = None
) -> str:
    cov: CoverageSet | None = None
    try:
        # runs of one scenario (seeds) share their coverage
        key = json.dumps(run.scenario, sort_keys=True)
        cache = coverage_cache if coverage_cache is not None else {}
        if key not in cache:
            cache[key] = run_coverage(run.scenario)
        cov = cache[key]
        h = next(iter(cov.by_height))
        cov_note = (
            " Shaded: true coverage of each radar (line of sight over terrain and the 4/3 "
            "earth, Pd ≥ 0.5 per look) "
            f"against {cov.threat_type} ({cov.rcs_m2:g} m², Swerling {cov.swerling}) at "
            f"{h:g} m above ground; dashed: the range ring (min(instrumented range, "
            f"free-space radar-equation range))."
        )
    except CoverageUnavailable as exc:
        cov_note = f" Coverage not shown: {exc}"
    parts = [f"<h2>{_e(heading)}</h2>", _summary_html(run)]
    parts.append("<h3>Map</h3>")
    fig = map_figure(run, cov)
    parts.append(
        _figure(
            fig,
            "Threat tracks coloured by outcome (green killed, red leaked, grey survived), "
            "interceptors in blue; ★ kill, ● leak; ◆ asset, ▲ radar, ■ launcher." + cov_note,
            "map of the engagement",
        )
    )
    parts.append("<h3>Threat timelines</h3>")
    parts.append(
        _figure(
            gantt_figure(run),
            "Each threat from its appearance: grey until detected, darker grey until its track "
            "is confirmed, light orange until engaged, orange while engaged; ▲ missile fired, "
            "x intercept (green kill, orange miss), outcome marker at the end."
            + (f" First {MAX_GANTT_ROWS} threats shown." if run.n_threats > MAX_GANTT_ROWS else ""),
            "per-threat timelines",
        )
    )
    parts.append(_threat_table(run))
    net = network_figure(run)
    if net is not None:
        parts.append("<h3>The defence under attack</h3>")
        parts.append(
            _figure(
                net,
                "Each radar's emission over time (green while it emits: gaps are emission "
                "control or moves), nodes lost (red x) and moves (|); see docs/sead.md.",
                "timeline of the defence's nodes",
            )
        )
    parts.append("<h3>Engagements</h3>")
    parts.append(_engagement_table(run))
    parts.append("<h3>Detection ranges</h3>")
    det = detection_figure([run])
    parts.append(
        _figure(
            det,
            "True range from the detecting radar at each threat's first detection.",
            "detection range distributions",
        )
        if det is not None
        else "<p>No threat was detected.</p>"
    )
    return "".join(parts)


def _runs_overview(runs: Sequence[RunData], root: Path) -> str:
    rows = []
    for r in runs:
        s = r.summary
        rows.append(
            [
                r.path.relative_to(root).as_posix() if r.path != root else ".",
                r.name,
                r.seed,
                s.get("threats"),
                s.get("detected"),
                s.get("killed"),
                s.get("leaked"),
                s.get("interceptors_fired_total"),
            ]
        )
    table = _table(
        ["run", "scenario", "seed", "threats", "detected", "killed", "leaked", "interceptors"],
        rows,
        numeric=range(2, 8),
    )
    from samsim.study.stats import proportion_interval, wilson_interval

    threats = [int(r.summary.get("threats", 0)) for r in runs]
    leaked = [int(r.summary.get("leaked", 0)) for r in runs]
    killed = [int(r.summary.get("killed", 0)) for r in runs]
    any_leak = sum(1 for k in leaked if k > 0)
    lf = proportion_interval(leaked, threats)
    kf = proportion_interval(killed, threats)
    pl = wilson_interval(any_leak, len(runs))

    def ci(lo: float, hi: float) -> str:
        return "–" if not math.isfinite(lo) else f"{lo:.3f}–{hi:.3f}"

    pooled = (
        f"<p>Pooled over {len(runs)} runs: leak fraction {sum(leaked)}/{sum(threats)} "
        f"(95% interval over runs {ci(lf[1], lf[2])}), kill fraction "
        f"{sum(killed)}/{sum(threats)} ({ci(kf[1], kf[2])}), runs with at least one leaker "
        f"{any_leak}/{len(runs)} (Wilson {ci(float(pl[0]), float(pl[1]))}). The intervals "
        "treat the runs, not the threats, as independent (docs/studies.md).</p>"
    )
    det = detection_figure(runs)
    fig = (
        _figure(det, "First-detection ranges pooled over the runs.", "detection ranges")
        if det is not None
        else ""
    )
    return table + pooled + fig


def _study_html(root: Path) -> str:
    """The study section: outcomes against each swept parameter with 95% intervals (or a
    saturation study's curves, or a sensitivity study's tornado)."""
    import tempfile

    from samsim.study.plots import measured, plot_summary
    from samsim.study.stats import summarize_results
    from samsim.study.store import load_results, read_manifest

    manifest = read_manifest(root)
    design = manifest.get("design")
    if design is not None and design.get("kind") == "saturation":
        return _saturation_html(root, manifest)
    if design is not None and design.get("kind") == "sensitivity":
        return _sensitivity_html(root, manifest)
    paths = [a["path"] for a in manifest.get("sweep", [])]
    table = summarize_results(load_results(root), paths)
    cols = table.to_pydict()
    parts = [
        f"<p>Scenario {_e(manifest['scenario']['name'])}, {len(manifest.get('points', []))} "
        f"sweep points x {manifest.get('runs_per_point')} runs; swept: "
        f"{_e(', '.join(paths) or 'nothing')}. Every interval is a 95% interval over runs "
        "(the runs, not the threats, are independent).</p>"
    ]

    def ci(name: str, i: int) -> str:
        v, lo, hi = cols[name][i], cols[f"{name}_lo"][i], cols[f"{name}_hi"][i]
        if v is None or not math.isfinite(v):
            return "–"
        if lo is None or not math.isfinite(lo):
            return f"{v:.3f}"
        return f"{v:.3f} [{lo:.3f}, {hi:.3f}]"

    rows = []
    for i in range(table.num_rows):
        rows.append(
            [
                cols["point"][i],
                *[cols[p][i] for p in paths],
                cols["runs"][i],
                ci("p_leak", i),
                ci("leak_fraction", i),
                ci("kill_fraction", i),
                _fmt(cols["mean_interceptors_fired_total"][i], 2),
                ci("interceptors_per_kill", i),
            ]
        )
    parts.append(
        _table(
            [
                "point",
                *paths,
                "runs",
                "P(any leaker) [95%]",
                "leak fraction [95%]",
                "kill fraction [95%]",
                "interceptors per run",
                "interceptors per kill [95%]",
            ],
            rows,
        )
    )
    parts.append('<div class="grid2">')
    with tempfile.TemporaryDirectory(prefix="samsim-report-") as tmp:
        for png in plot_summary(table, paths, tmp, manifest["scenario"]["name"]):
            name, _, x_path = png.stem.partition("__vs__")
            caption = (
                f"Against {x_path}: {measured(name)}, at each sweep point "
                f"({manifest.get('runs_per_point')} runs per point, the same seeds at each)."
            )
            parts.append(_png_file_figure(png, caption))
    parts.append("</div>")
    return "".join(parts)


def _png_file_figure(png: Path, caption: str) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(png.stem)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _saturation_html(root: Path, manifest: dict[str, Any]) -> str:
    """A saturation study: the curves against raid size, the break point, the table."""
    import tempfile

    from samsim.study.saturation import break_point, plot_saturation, saturation_table
    from samsim.study.store import load_results

    d = manifest["design"]
    table = saturation_table(load_results(root), float(d.get("confidence", 0.95)))
    bp = break_point(table)
    runs = sum(table.column("runs").to_pylist())
    groups = ", ".join(d.get("groups", []))
    parts = [
        f"<p>Saturation of {_e(manifest['scenario']['name'])} against raids of "
        f"{_e(d['threat'])}: the scenario's groups of that type ({_e(groups)}) scaled to each "
        f"raid size ({_e(d['spacing'])} spacing), the other threats unchanged; {runs} runs over "
        f"{table.num_rows} raid sizes, placed adaptively (more runs where the curve crosses "
        "0.5). Every interval is a 95% interval over runs.</p>",
        f"<p><b>{_e(bp.describe(d['sizes']['low'], d['sizes']['high']))}.</b></p>",
    ]
    rows = [
        [
            r["raid_size"],
            r["runs"],
            _ci3(r, "mean_leaked", 2),
            _ci3(r, "p_leak", 3),
            _ci3(r, "mean_fired", 1),
            _ci3(r, "interceptors_per_kill", 2),
        ]
        for r in table.to_pylist()
    ]
    parts.append(
        _table(
            [
                "raid size",
                "runs",
                "leakers per run",
                "P(leak >= 1)",
                "fired per run",
                "fired per kill",
            ],
            rows,
            numeric=range(0, 6),
        )
    )
    with tempfile.TemporaryDirectory(prefix="samsim-report-") as tmp:
        for png in plot_saturation(table, tmp, manifest["scenario"]["name"], d["threat"]):
            caption = (
                "Against the raid size: leakers per run (mean over the runs, t interval); "
                "P(at least one leaker), the fraction of runs in which a threat reached an "
                "asset (Wilson interval), with the break point (red line) and its interval "
                "(red band); interceptors launched per run (mean, t interval); interceptors "
                "per kill, all launches over all kills (cluster-robust interval). The small "
                "numbers are the runs at each size."
            )
            parts.append(_png_file_figure(png, caption))
    return "".join(parts)


def _ci3(r: dict[str, Any], name: str, nd: int) -> str:
    v, lo, hi = r.get(name), r.get(f"{name}_lo"), r.get(f"{name}_hi")
    if v is None or not math.isfinite(v):
        return "–"
    if lo is None or not math.isfinite(lo):
        return f"{v:.{nd}f}"
    return f"{v:.{nd}f} [{lo:.{nd}f}, {hi:.{nd}f}]"


def _sensitivity_html(root: Path, manifest: dict[str, Any], top: int = 20) -> str:
    """A sensitivity study: the tornado table and charts."""
    import tempfile

    from samsim.study.sensitivity import plot_tornado, tornado_table, unexercised
    from samsim.study.store import load_results

    d = manifest["design"]
    table = tornado_table(load_results(root), d.get("swept"))
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
    runs = int(meta.get("base_runs", "0"))
    parts = [
        f"<p>Sensitivity of {_e(manifest['scenario']['name'])} to {table.num_rows} catalogue "
        f"figures (confidence {_e(', '.join(d.get('confidences') or []))}"
        + (f"; sections {_e(', '.join(d['sections']))}" if d.get("sections") else "")
        + (f"; figures {_e(', '.join(d['figures']))}" if d.get("figures") else "")
        + f"): each set to the low and the high end of its range, one at a time, {runs} runs "
        "per point with the same seeds as the base point. Base: "
        f"{float(meta.get('base_leaked', 'nan')):.2f} leakers per run, "
        f"{float(meta.get('base_ipk', 'nan')):.2f} interceptors per kill. Effects are means of "
        "per-seed differences from the base (and, for the swing, of the high value from the "
        "low), with 95% intervals; the figures are ordered by the size of the swing, which "
        "does not share the base point's noise.</p>"
    ]
    rows = [
        [
            f"{r['entry']}.{r['key']}",
            r["confidence"] or "",
            f"{r['low_value'] or '–'} .. {r['high_value'] or '–'}",
            r["range_rule"] or "",
            _ci3(r, "d_leaked_low", 2),
            _ci3(r, "d_leaked_high", 2),
            _ci3(r, "d_leaked_swing", 2),
            _ci3(r, "d_ipk_low", 2),
            _ci3(r, "d_ipk_high", 2),
            "–" if r.get("runs_changed") is None else f"{r['runs_changed']}/{r['runs']}",
        ]
        for r in table.to_pylist()[:top]
    ]
    parts.append(
        _table(
            [
                "figure",
                "confidence",
                "low .. high (SI)",
                "range",
                "leakers: low",
                "leakers: high",
                "leakers: high - low",
                "per kill: low",
                "per kill: high",
                "runs changed",
            ],
            rows,
        )
    )
    idle = unexercised(table)
    source = meta.get("runs_changed_from", "event log")
    how = "event log" if source == "event log" else "recorded outcomes"
    if idle:
        parts.append(
            f"<p>No run changed for {len(idle)} figures: at every seed the runs at both "
            f"values had the base run's {_e(how)}, so these figures are not exercised by "
            "this scenario and their 0 is not a measured effect (left out of the charts): "
            f"{_e(', '.join(idle))}.</p>"
        )
    captions = {
        "tornado_leaked": "The change in leakers per run when each figure is set to its low "
        "(blue) or high (red) value, all else as in the base scenario: the mean over seeds of "
        "(leakers at that value - leakers in the base run of the same seed), with its 95% "
        "interval; the figures with the largest swing (high - low) first.",
        "tornado_interceptors_per_kill": "The change in interceptors per kill (all launches "
        "over all kills) when each figure is set to its low (blue) or high (red) value, "
        "against the base scenario with the same seeds, with its 95% cluster-robust "
        "interval; the figures with the largest swing (high - low) first.",
    }
    with tempfile.TemporaryDirectory(prefix="samsim-report-") as tmp:
        for png in plot_tornado(table, tmp, manifest["scenario"]["name"], top=top):
            parts.append(_png_file_figure(png, captions.get(png.stem, png.stem)))
    return "".join(parts)


def build_report(target: str | Path) -> str:
    """The report of a run, a folder of runs, or a study, as one HTML string."""
    root = Path(target)
    is_study = (root / "manifest.json").is_file()
    try:
        run_dirs = find_runs(root)
    except RunDirError:
        if not is_study:
            raise
        run_dirs = []
    runs = [RunData(p) for p in run_dirs]
    title = runs[0].name if runs else root.name
    if is_study:
        with contextlib.suppress(OSError, ValueError, KeyError):
            title = json.loads((root / "manifest.json").read_text())["scenario"]["name"]
    from samsim import __version__

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body: list[str] = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">samsim {__version__} report of {_e(root.resolve().name)}, written '
        f"{now}. Fictional sites, public figures; a simulation, not a prediction.</p>",
    ]
    if runs and runs[0].scenario.get("description"):
        body.append(f"<p>{_e(runs[0].scenario['description'])}</p>")
    if is_study:
        kind = None
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            kind = json.loads((root / "manifest.json").read_text())["design"]["kind"]
        heading = {
            "saturation": "Study: saturation curve",
            "sensitivity": "Study: sensitivity to the catalogue's figures",
        }.get(str(kind), "Study: outcomes against the swept parameters")
        body.append(f"<h2>{_e(heading)}</h2>")
        body.append(_study_html(root))
    if runs:
        body.append("<h2>Scenario</h2>")
        body.append(_scenario_html(runs[0]))
    if len(runs) == 1:
        body.append(_run_section(runs[0], f"Run: seed {runs[0].seed}"))
    elif len(runs) > 1:
        body.append(f"<h2>Runs ({len(runs)})</h2>")
        body.append(_runs_overview(runs, root))
        cache: dict[str, CoverageSet] = {}
        for r in runs[:MAX_DETAILED_RUNS]:
            rel = r.path.relative_to(root).as_posix()
            body.append(
                f'<section class="run"><details><summary>{_e(rel)} (seed {r.seed})</summary>'
            )
            body.append(_run_section(r, f"Run {rel}: seed {r.seed}", cache))
            body.append("</details></section>")
        if len(runs) > MAX_DETAILED_RUNS:
            body.append(
                f'<p class="note">Runs after the first {MAX_DETAILED_RUNS} are listed '
                "in the overview only.</p>"
            )
    body.append(
        "<footer>Generated by <code>samsim report</code>. Derived from each run's event log "
        "(events.parquet), trajectories and scenario; land outlines: Natural Earth (public "
        "domain).</footer>"
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>samsim report: {_e(title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_report(target: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``target`` (run, folder of runs or study) to ``out`` (default
    ``<target>/report.html``), atomically; returns the file written."""
    path = Path(out) if out is not None else Path(target) / "report.html"
    text = build_report(target)
    atomic_write_bytes(path, text.encode("utf-8"))
    return path
