"""Write src/samsim/kernels.json: the kernel signatures the examples call, with their
compile times, for samsim.precompile.

Runs every example scenario (``samsim run``) and a small coverage map in a process with an
empty numba cache, then again in a second process that loads them from that cache, and
lists the signatures of the kernels the second one loaded: only those called from Python
(a process that compiles a kernel also registers the signatures of the kernels it calls,
which are compiled within it, in an order that varies). Then it compiles each of them in
a third process with another empty cache, timing each (CPU seconds), and writes the
list. Run it after changing a kernel's arguments (``tests/test_precompile.py`` fails
when the flagship example calls a signature the list lacks). About 4 minutes on 2 cores.

Usage: python tools/write_kernel_list.py
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collect(out: Path) -> None:
    """Run the workload in this process and write the loaded kernels' signatures."""
    from samsim import cli
    from samsim.precompile import loaded_kernels, type_spec

    examples = ROOT / "examples"
    with tempfile.TemporaryDirectory(prefix="samsim-workload-") as tmp:
        for example in sorted(examples.glob("*.yaml")):
            with contextlib.suppress(SystemExit):
                cli.main(["run", str(example), "--quiet", "--out", f"{tmp}/{example.stem}"])
        with contextlib.suppress(SystemExit):
            cli.main(
                [
                    "coverage", str(examples / "battalion_in_hills.yaml"), "--cells", "32",
                    "--format", "npz", "--out", f"{tmp}/coverage",
                ]
            )  # fmt: skip
    entries = []
    for kernel, disp in loaded_kernels():
        for sig in disp.signatures:
            try:
                entries.append({"kernel": kernel, "signature": [type_spec(t) for t in sig]})
            except TypeError:  # a callee's constant argument: compiled within its caller
                continue
    out.write_text(json.dumps(entries))


def time_each(listing: Path, out: Path) -> None:
    """Compile every listed signature in this process (an empty cache), timing each."""
    from samsim.precompile import compile_one

    entries = json.loads(listing.read_text())
    for entry in entries:
        entry["compile_s"] = round(compile_one(entry["kernel"], entry["signature"]), 3)
    out.write_text(json.dumps([e for e in entries if e["compile_s"] == e["compile_s"]]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--collect", metavar="OUT", help=argparse.SUPPRESS)
    ap.add_argument("--time", nargs=2, metavar=("LISTING", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.collect:
        collect(Path(args.collect))
        return 0
    if args.time:
        time_each(Path(args.time[0]), Path(args.time[1]))
        return 0
    import numba

    from samsim.precompile import MANIFEST

    with tempfile.TemporaryDirectory(prefix="samsim-kernels-") as tmp:
        listing, timed = Path(tmp) / "signatures.json", Path(tmp) / "timed.json"
        steps = (
            ("--collect", "a", [str(listing)]),  # compiles
            ("--collect", "a", [str(listing)]),  # loads: lists what Python calls
            ("--time", "b", [str(listing), str(timed)]),
        )
        for step, cache, files in steps:
            env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / cache))
            subprocess.run([sys.executable, __file__, step, *files], env=env, check=True)
        entries = json.loads(timed.read_text())
    doc = {
        "about": "samsim's kernels and the signatures the example scenarios call, with "
        "their compile time (CPU s); written by tools/write_kernel_list.py",
        "numba": numba.__version__,
        "kernels": entries,
    }
    MANIFEST.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(entries)} signatures written to {MANIFEST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
