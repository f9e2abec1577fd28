"""Rerun every study shown in docs/studies.md and refresh its plots in docs/img.

    python tools/regenerate_study_docs.py [--only mast,theatre,saturate,sensitivity,coverage]
                                          [--workers N] [--out studies/docs]

Each study is the exact ``samsim`` command docs/studies.md shows (printed before it
runs); the study folders are resumable, so an interrupted regeneration continues where it
stopped (delete ``--out`` to start afresh, e.g. after a model change). At the end the
script prints each answer as a markdown table, for the text of docs/studies.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"


def commands(out: Path, workers: int) -> dict[str, list[list[str]]]:
    """The documented commands, by study."""
    w = ["--workers", str(workers)]
    return {
        "mast": [
            [
                "samsim", "study", "examples/battalion_in_hills.yaml", "--runs", "100",
                "--sweep", "units.bn1.radars.gravestone.mast_height_m=10 m,25 m,40 m",
                "--out", str(out / "mast_hills"), *w,
            ]
        ],
        "saturate": [
            [
                "samsim", "saturate", "examples/battalion_vs_cruise_raid.yaml",
                "--threat", "cruise_missile", "--sizes", "4:200", "--runs", "10",
                "--max-runs", "200", "--out", str(out / "saturate_battalion"), *w,
            ]
        ],
        "sensitivity": [
            [
                "samsim", "sensitivity", "examples/battalion_in_hills.yaml",
                "--section", "radars", "--section", "threats", "--runs", "6",
                "--out", str(out / "sensitivity_hills"), *w,
            ]
        ],
        "theatre": [
            [
                "samsim", "study", "examples/theatre_regiments.yaml",
                "--sweep", "units=1,2,3,4,5", "--runs", "8",
                "--out", str(out / "theatre_regiments"), *w,
            ]
        ],
        "coverage": [["python", "tools/interval_coverage.py"]],
    }  # fmt: skip


#: study -> (file in the study folder's plots, name in docs/img)
PLOTS = {
    "mast": [
        (
            "mean_leaked__vs__units.bn1.radars.gravestone.mast_height_m.png",
            "study_mast_height_leakers.png",
        )
    ],
    "saturate": [("saturation.png", "study_saturate_battalion.png")],
    "sensitivity": [
        ("tornado_leaked.png", "study_sensitivity_leaked.png"),
        ("tornado_interceptors_per_kill.png", "study_sensitivity_per_kill.png"),
    ],
    "theatre": [
        ("mean_leaked__vs__units.png", "study_theatre_leakers.png"),
        ("interceptors_per_kill__vs__units.png", "study_theatre_per_kill.png"),
    ],
}
FOLDERS = {
    "mast": "mast_hills",
    "saturate": "saturate_battalion",
    "sensitivity": "sensitivity_hills",
    "theatre": "theatre_regiments",
}


def _markdown(study: str, folder: Path) -> str:
    """The answer of a study folder as a markdown table."""
    proc = subprocess.run(
        ["samsim", "study", "summarize", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    rows = json.loads(proc.stdout)

    def ci(r: dict, k: str, nd: int = 2) -> str:
        v, lo, hi = r.get(k), r.get(f"{k}_lo"), r.get(f"{k}_hi")
        if v is None:
            return "-"
        if lo is None:
            return f"{v:.{nd}f}"
        return f"{v:.{nd}f} [{lo:.{nd}f}, {hi:.{nd}f}]"

    def pm(r: dict, k: str, nd: int = 2) -> str:
        v, lo, hi = r[k], r[f"{k}_lo"], r[f"{k}_hi"]
        return f"{v:.{nd}f} +- {(hi - lo) / 2:.{nd}f}"

    lines: list[str] = []
    if study == "mast":
        mast = "units.bn1.radars.gravestone.mast_height_m"
        lines += [
            f"| 92N6E mast | leakers per run (of {rows[0]['mean_threats']:.0f}) "
            "| P(a threat reaches the hill airfield) | interceptors fired per run |",
            "|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r[mast]:g} m | {pm(r, 'mean_leaked')} | {ci(r, 'p_reach.hill_airfield')} "
                f"| {pm(r, 'mean_interceptors_fired_total', 1)} |"
            )
    elif study == "saturate":
        lines += [
            "| raid size | runs | leakers per run | P(leak >= 1) | interceptors fired per run "
            "| interceptors per kill |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['raid_size']} | {r['runs']} | {ci(r, 'mean_leaked')} | {ci(r, 'p_leak')} "
                f"| {ci(r, 'mean_fired', 1)} | {ci(r, 'interceptors_per_kill')} |"
            )
    elif study == "sensitivity":
        lines += [
            "| figure | low .. high | leakers: low | leakers: high | leakers: high - low "
            "| per kill: low | per kill: high |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows[:12]:
            lines.append(
                f"| {r['entry']} `{r['key']}` | {r['low_value'] or '-'} .. "
                f"{r['high_value'] or '-'} | {ci(r, 'd_leaked_low')} | {ci(r, 'd_leaked_high')} "
                f"| {ci(r, 'd_leaked_swing')} | {ci(r, 'd_ipk_low')} | {ci(r, 'd_ipk_high')} |"
            )
    else:
        lines += [
            "| regiments | runs | leakers per run | kills per run | interceptors fired per run "
            "| interceptors per kill |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['units']} | {r['runs']} | {ci(r, 'mean_leaked', 1)} "
                f"| {ci(r, 'mean_killed', 1)} | {ci(r, 'mean_interceptors_fired_total', 1)} "
                f"| {ci(r, 'interceptors_per_kill')} |"
            )
        lines += ["", *_theatre_extra(folder)]
    return "\n".join(lines)


def _theatre_extra(folder: Path) -> list[str]:
    """What each additional regiment changed (paired over seeds) and the leakers by threat
    type."""
    import numpy as np

    from samsim.study import load_results
    from samsim.study.stats import paired_mean_difference, paired_ratio_difference

    t = load_results(folder)
    k = np.asarray(t.column("units").to_numpy())
    seeds = np.asarray(t.column("seed").to_numpy())
    col = {c: np.asarray(t.column(c).to_numpy(), dtype=float) for c in t.column_names}

    def at(n: int, c: str) -> np.ndarray:
        sel = k == n
        return col[c][sel][np.argsort(seeds[sel])]

    def f(d: tuple[float, float, float], nd: int) -> str:
        return f"{d[0]:+.{nd}f} [{d[1]:+.{nd}f}, {d[2]:+.{nd}f}]"

    out = [
        "| added | leakers per run | kills per run | interceptors fired per run "
        "| interceptors per kill |",
        "|---|---|---|---|---|",
    ]
    levels = sorted(set(k.tolist()))
    for a, b in itertools.pairwise(levels):
        dl = paired_mean_difference(at(b, "leaked"), at(a, "leaked"))
        dk = paired_mean_difference(at(b, "killed"), at(a, "killed"))
        df = paired_mean_difference(
            at(b, "interceptors_fired_total"), at(a, "interceptors_fired_total")
        )
        dr = paired_ratio_difference(
            at(b, "interceptors_fired_total"), at(b, "killed"),
            at(a, "interceptors_fired_total"), at(a, "killed"),
        )  # fmt: skip
        out.append(f"| {a} -> {b} | {f(dl, 1)} | {f(dk, 1)} | {f(df, 1)} | {f(dr, 2)} |")
    types = sorted(
        c.split(".")[1] for c in t.column_names if c.startswith("by_threat_type.")
        and c.endswith(".threats")
    )  # fmt: skip
    out += [
        "",
        "| regiments | " + " | ".join(f"{ty} leaked / killed" for ty in types) + " |",
        "|---|" + "---|" * len(types),
    ]
    for n in levels:
        cells = [
            f"{at(n, f'by_threat_type.{ty}.leaked').mean():.1f} / "
            f"{at(n, f'by_threat_type.{ty}.killed').mean():.1f}"
            for ty in types
        ]
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="mast,theatre,saturate,sensitivity,coverage")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("studies/docs"))
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    cmds = commands(args.out, args.workers)
    unknown = [s for s in chosen if s not in cmds]
    if unknown:
        parser.error(f"unknown study {unknown[0]!r}; choose from {', '.join(cmds)}")
    for study in chosen:
        for cmd in cmds[study]:
            print("$", shlex.join(cmd), flush=True)
            if cmd[0] == "python":
                cmd = [sys.executable, *cmd[1:]]
            subprocess.run(cmd, check=True, cwd=ROOT)
        for src, dst in PLOTS.get(study, []):
            shutil.copyfile(ROOT / args.out / FOLDERS[study] / "plots" / src, IMG / dst)
            print(f"copied {src} -> docs/img/{dst}", flush=True)
    for study in chosen:
        if study in FOLDERS:
            print(f"\n### {study}\n\n{_markdown(study, ROOT / args.out / FOLDERS[study])}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
