"""Start-up time of the ``samsim`` command: whole processes, against baselines measured in
the same run.

Goals (issue 16): a warm ``samsim run`` of the flagship example, whole process, within
1.5x of the engine time alone; ``samsim --help``, ``schema``, ``catalog`` and ``validate``
under 0.5 s. "Warm" means the on-disk caches exist (numba kernels, time-of-flight tables):
the script runs every command once untimed first.

Baselines, measured interleaved with the commands (round-robin, so load drifts hit all
alike; medians reported):

- ``python -c pass``: the interpreter alone;
- engine alone: in a process that has already run the example once, the wall time of
  ``samsim.simulate(scenario, seed=0)`` (the engine loop, outputs built in memory, world
  compiled), as a study worker or a second ``simulate`` call pays it.

Python's bytecode caches count as warm too (an installed package has them): the commands
run with ``PYTHONPYCACHEPREFIX`` set to a temporary folder (nothing is written into the
source trees) and without ``PYTHONDONTWRITEBYTECODE``, which would otherwise make every
process compile samsim's modules from source (0.1-0.25 s).

The commands run in processes of their own (``SAMSIM_NO_DAEMON=1``). With the console
script installed, a second set runs the same commands with a warm daemon
(``samsim daemon start SCENARIO``, started for this benchmark only and stopped at the
end): what a user who asks many questions in a row pays.

    python benchmarks/startup.py [--repeat 7] [--scenario examples/battalion_vs_cruise_raid.yaml]
    # A/B: the same commands from another source tree (e.g. `git archive` of main), run as
    # `python -m samsim.cli` with PYTHONPATH set, interleaved in the same rounds
    python benchmarks/startup.py --compare /tmp/samsim-main/src
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_ENGINE_ALONE = """
import sys, time
import samsim
sc = samsim.load_scenario(sys.argv[1])
samsim.simulate(sc, seed=1)
t = time.perf_counter()
samsim.simulate(sc, seed=0)
print(time.perf_counter() - t)
"""


def _samsim() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m samsim.cli``."""
    script = Path(sys.executable).with_name("samsim")
    if script.exists():
        return [str(script)]
    found = shutil.which("samsim")
    return [found] if found else [sys.executable, "-m", "samsim.cli"]


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr}")
    return wall, done.stdout


def _commands(sam: list[str], scenario: str, out: Path) -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "samsim --help": [*sam, "--help"],
        "samsim schema": [*sam, "schema"],
        "samsim catalog": [*sam, "catalog"],
        "samsim validate": [*sam, "validate", scenario],
        "samsim run": [*sam, "run", scenario, "--out", str(out), "--quiet"],
        "engine alone": [sys.executable, "-c", _ENGINE_ALONE, scenario],
    }


def _report(label: str, times: dict[str, list[float]]) -> None:
    med = {k: statistics.median(v) for k, v in times.items()}
    base, eng = med["python -c pass"], med["engine alone"]
    print(f"\n{label}: medians of {len(times['engine alone'])} interleaved rounds")
    print(f"{'command':<20} {'wall s':>8} {'- python s':>11}  goal")
    for name, m in med.items():
        if name == "engine alone":
            continue
        goal = ""
        if name in ("samsim --help", "samsim schema", "samsim catalog", "samsim validate"):
            goal = f"< 0.5 s -> {'PASS' if m < 0.5 else 'FAIL'}"
        print(f"{name:<20} {m:8.3f} {m - base:11.3f}  {goal}")
    print(f"{'engine alone':<20} {eng:8.3f} {'':>11}  simulate(seed=0) in a warm process")
    ratio = med["samsim run"] / eng
    print(
        f"samsim run / engine alone: {ratio:.2f} (goal <= 1.5 -> "
        f"{'PASS' if ratio <= 1.5 else 'FAIL'}); start-up and outputs cost "
        f"{med['samsim run'] - eng:.2f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7, help="rounds (medians reported)")
    ap.add_argument("--scenario", default=str(ROOT / "examples" / "battalion_vs_cruise_raid.yaml"))
    ap.add_argument("--compare", default=None, help="another samsim source tree (its src/)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="samsim-startup-"))
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base_env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    base_env["SAMSIM_NO_DAEMON"] = "1"
    variants: dict[str, tuple[dict[str, list[str]], dict[str, str] | None]] = {
        "this tree": (_commands(_samsim(), args.scenario, tmp / "a"), base_env)
    }
    daemon_env: dict[str, str] | None = None
    if _samsim()[0].endswith("samsim") and not args.compare:
        # a daemon of this benchmark only: the variable is part of the daemon's key
        daemon_env = {k: v for k, v in base_env.items() if k != "SAMSIM_NO_DAEMON"}
        daemon_env["SAMSIM_BENCHMARK_DAEMON"] = str(os.getpid())
        print("starting a daemon for this benchmark ...", flush=True)
        _wall([*_samsim(), "daemon", "start", args.scenario], daemon_env)
        variants["this tree, daemon running (samsim daemon start)"] = (
            _commands(_samsim(), args.scenario, tmp / "d"),
            daemon_env,
        )
    if args.compare:
        # both trees started the same way: python -m samsim.cli with PYTHONPATH set
        sam = [sys.executable, "-m", "samsim.cli"]
        for label, src, out in (
            ("this tree", ROOT / "src", tmp / "a"),
            (f"compare ({args.compare})", Path(args.compare).resolve(), tmp / "b"),
        ):
            env = {**base_env, "PYTHONPATH": str(src)}
            variants[label] = (_commands(sam, args.scenario, out), env)
    print("warming caches (every command once) ...", flush=True)
    for cmds, env in variants.values():
        for cmd in cmds.values():
            _wall(cmd, env)
    times = {v: {k: [] for k in cmds} for v, (cmds, _) in variants.items()}
    try:
        for _ in range(args.repeat):
            for v, (cmds, env) in variants.items():
                for name, cmd in cmds.items():
                    wall, out = _wall(cmd, env)
                    if name == "engine alone":
                        wall = float(out.strip().splitlines()[-1])
                    times[v][name].append(wall)
    finally:
        if daemon_env is not None:
            _wall([*_samsim(), "daemon", "stop"], daemon_env)
        shutil.rmtree(tmp, ignore_errors=True)
    for v, t in times.items():
        _report(v, t)


if __name__ == "__main__":
    main()
