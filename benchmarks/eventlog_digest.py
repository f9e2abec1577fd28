"""SHA-256 of the Arrow IPC bytes of the event log and trajectories (and of the summary
JSON) of seeds of the example scenarios: a speed change must leave them bit for bit.

Run it on two source trees and compare the outputs (e.g. `git archive` of main into
/tmp/samsim-main):

    python benchmarks/eventlog_digest.py --seeds 10 > after.txt
    PYTHONPATH=/tmp/samsim-main/src python benchmarks/eventlog_digest.py --seeds 10 > before.txt
    diff before.txt after.txt && echo identical
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("battalion_vs_cruise_raid", "regiment_vs_mixed_raid", "battalion_in_hills")


def ipc_digest(table: pa.Table) -> str:
    """SHA-256 of a table's Arrow IPC stream (schema and every buffer)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--examples", nargs="*", default=list(EXAMPLES))
    args = ap.parse_args()
    import samsim

    for name in args.examples:
        sc = samsim.load_scenario(ROOT / "examples" / f"{name}.yaml")
        for seed in range(args.seeds):
            run = samsim.simulate(sc, seed=seed)
            summary = hashlib.sha256(json.dumps(run.summary, sort_keys=True).encode())
            print(
                f"{name} seed {seed}: events {ipc_digest(run.events)} "
                f"({run.events.num_rows} rows) trajectories {ipc_digest(run.trajectories)} "
                f"summary {summary.hexdigest()[:16]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
