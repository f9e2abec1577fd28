"""Planned against realised single-shot Pk, and miss distances, over many runs of a
scenario: what the command post expects of each interceptor against what the engine
produces.

For every interceptor launched, the launch event carries the single-shot Pk the command
post planned it with (its Pk table at the predicted intercept geometry). An interceptor
counts as a trial unless its flight ended because its target had already been killed by
another missile (target_gone), it was destroyed on command, or it lost its guidance when
its fire-control radar went dark or was destroyed (guidance_lost: counted apart, in the
last column); it is a success if it killed. Per missile type and threat type the script
prints the number of trials, the mean planned Pk, the realised kill fraction with a
cluster-bootstrap 95 % interval (runs resampled, since the interceptors of one run are not
independent), and whether the planned mean lies inside it.

It also prints the miss distances of the intercepts (median and 90th percentile) and
the fuze-and-warhead Pk at those misses, per missile and threat type.

Usage: python tools/validate_planning_pk.py examples/battalion_vs_cruise_raid.yaml --runs 40
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd


def _one(args: tuple[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    import samsim

    path, seed = args
    ev = samsim.simulate(samsim.load_scenario(path), seed=seed).events.to_pandas()
    hits = ev[ev.kind == "intercept"][["missile_type", "threat_type", "miss_m", "pk"]]
    launch = ev[ev.kind == "launch"].set_index("interceptor_id")
    end = ev[ev.kind == "interceptor_end"].set_index("interceptor_id").detail
    kill = set(ev[(ev.kind == "intercept") & (ev.detail == "kill")].interceptor_id)
    out = pd.DataFrame(
        {
            "seed": seed,
            "missile": launch.missile_type,
            "threat": launch.threat_type,
            "planned": launch.pk,
            "end": end.reindex(launch.index).fillna(""),
            "kill": [i in kill for i in launch.index],
        }
    )
    return out, hits


#: Ends that are not trials of the planned single-shot Pk: the target was already dead,
#: the missile was destroyed on command, or it lost its guidance because its fire-control
#: radar went dark or was destroyed (the defence's own emission control or losses, which
#: the Pk table does not model; counted apart).
NOT_TRIALS = ("target_gone", "self_destruct", "guidance_lost")


def summarize(df: pd.DataFrame, boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per (missile, threat) and overall: trials, planned mean, realised, 95 % cluster
    bootstrap interval of realised - planned (runs resampled)."""
    rng = np.random.default_rng(seed)
    rows = []
    lost = df[df.end == "guidance_lost"].groupby(["missile", "threat"]).size()
    df = df[~df.end.isin(NOT_TRIALS)]
    groups = [*df.groupby(["missile", "threat"]), (("all", "all"), df)]
    for (m, t), g in groups:
        seeds = g.seed.unique()
        per = g.groupby("seed").agg(k=("kill", "sum"), p=("planned", "sum"), n=("kill", "size"))
        per = per.reindex(seeds)
        diffs = []
        for _ in range(boot):
            pick = per.iloc[rng.integers(0, len(per), len(per))]
            n = pick.n.sum()
            diffs.append((pick.k.sum() - pick.p.sum()) / n if n else np.nan)
        lo, hi = np.nanpercentile(diffs, [2.5, 97.5])
        rows.append(
            {
                "missile": m,
                "threat": t,
                "trials": len(g),
                "planned": g.planned.mean(),
                "realised": g.kill.mean(),
                "diff_lo": lo,
                "diff_hi": hi,
                "agree": lo <= 0.0 <= hi,
                "guidance_lost": int(lost.sum() if m == "all" else lost.get((m, t), 0)),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with ProcessPoolExecutor(args.workers) as ex:
        parts = list(ex.map(_one, [(args.scenario, s) for s in range(args.runs)]))
    df = pd.concat([p for p, _ in parts], ignore_index=True)
    hits = pd.concat([h for _, h in parts], ignore_index=True)
    res = summarize(df)
    pd.set_option("display.width", 120)
    print(f"{args.scenario}: {args.runs} runs (seeds 0-{args.runs - 1})")
    print("\nmiss distance at closest approach, m, and the fuze-and-warhead Pk there")
    miss = hits.groupby(["missile_type", "threat_type"]).agg(
        intercepts=("miss_m", "size"),
        miss_median=("miss_m", "median"),
        miss_p90=("miss_m", lambda x: x.quantile(0.9)),
        pk_mean=("pk", "mean"),
    )
    print(miss.to_string(float_format=lambda x: f"{x:.2f}"))
    print("\nplanned single-shot Pk against realised (kills / trials), 95 % cluster bootstrap")
    print("interval of realised - planned")
    print(res.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


if __name__ == "__main__":
    main()
