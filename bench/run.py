"""Run every benchmark, Donjon beside the reference Orthanc, and print their tables.

Usage: python bench/run.py [--quick] [--only startup ingest ...]

Each benchmark is its own script (run one alone for its options); this runner calls
them one after the other so that the two servers never compete for the two cores.
``--quick`` uses small sizes for a smoke run; the defaults are the sizes of the issues
(20k instances for find, 2,000 for C-STORE, a 500-instance series for DICOMweb).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

#: name → (arguments for a full run, arguments for --quick)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "startup": ([], ["--runs", "2"]),
    "ingest": ([], ["--count", "100", "--rounds", "1"]),
    "cstore": ([], ["--counts", "200"]),
    "find": ([], ["--instances", "2000", "--queries", "20"]),
    "imaging": ([], ["--requests", "10"]),
    "archive": ([], ["--instances", "50", "--rounds", "1"]),
    "dicomweb": ([], ["--series-instances", "100", "--instances", "500", "--runs", "5"]),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run these benchmarks only")
    args = parser.parse_args()
    failed = []
    for name in args.only or list(BENCHMARKS):
        script = HERE / f"{name}.py"
        if not script.exists():
            continue
        full, quick = BENCHMARKS[name]
        print(f"\n# {name}", flush=True)
        result = subprocess.run([sys.executable, str(script), *(quick if args.quick else full)])
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
