"""Build the planning Pk tables of every catalogue (missile, threat) pair and ship them.

Writes src/samsim/physics/pk_tables.json: one table per pair of the packaged
catalogue's missiles and threats (samsim.physics.pk_table.compute_pk_table), keyed by
the content hash of both specs, so that the first run of a scenario built from
catalogue types does not have to compute them. Scenarios that override a missile or
threat figure get their own tables, computed on first use and cached on disk.

Usage: python tools/build_pk_tables.py [--stale]

With --stale only the pairs whose shipped table is missing or was built for other specs
or another table version (its key differs) are computed; every other entry is kept as it
is in the file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from samsim.physics.pk_table import TABLE_VERSION, compute_pk_table, table_key
from samsim.scenario.catalog import load_catalog

OUT = Path(__file__).resolve().parents[1] / "src" / "samsim" / "physics" / "pk_tables.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stale", action="store_true", help="compute only missing or stale pairs")
    args = ap.parse_args()
    cat = load_catalog()
    missiles = cat.sections["missiles"]
    threats = cat.sections["threats"]
    shipped: dict[tuple[str, str], dict[str, object]] = {}
    if args.stale and OUT.exists():
        old = json.loads(OUT.read_text())
        if old["version"] == TABLE_VERSION:
            shipped = {(str(d["missile"]), str(d["threat"])): d for d in old["tables"]}
    tables = []
    t0 = time.perf_counter()
    for m, me in missiles.items():
        for th, te in threats.items():
            kept = shipped.get((m, th))
            if kept is not None and kept["key"] == table_key(me.spec, te.spec):
                tables.append(kept)
                continue
            t = time.perf_counter()
            tab = compute_pk_table(me.spec, te.spec, th)
            tables.append(tab.to_json())
            print(
                f"{m:8s} {th:26s} mean Pk {tab.pk.mean():.3f} max {tab.pk.max():.3f} "
                f"({time.perf_counter() - t:.1f} s)",
                flush=True,
            )
    OUT.write_text(json.dumps({"version": TABLE_VERSION, "tables": tables}, indent=0) + "\n")
    print(f"wrote {len(tables)} tables to {OUT} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
