"""Start-up time to the first HTTP answer and idle RSS, Donjon beside Orthanc.

Usage: python bench/startup.py [--runs 5]
Aims (issue 2): first HTTP answer within 2 s, idle RSS under 80 MB.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, donjon_process, median, orthanc_process, print_table, rss_mb  # noqa: E402


def measure(runs: int) -> list[Row]:
    starts: dict[str, list[float]] = {"donjon": [], "orthanc": []}
    rss: dict[str, list[float]] = {"donjon": [], "orthanc": []}
    for _ in range(runs):
        # The two servers take turns (PERFORMANCE.md: compare ratios taken in one run).
        t0 = time.perf_counter()
        with donjon_process() as srv:
            starts["donjon"].append(time.perf_counter() - t0)
            time.sleep(1.0)
            assert srv.process is not None
            rss["donjon"].append(rss_mb(srv.process.pid))
        t0 = time.perf_counter()
        with orthanc_process() as ref:
            starts["orthanc"].append(time.perf_counter() - t0)
            time.sleep(1.0)
            assert ref.process is not None
            rss["orthanc"].append(rss_mb(ref.process.pid))
    return [
        Row("start-up to first HTTP answer", median(starts["donjon"]), median(starts["orthanc"]), "s", False),
        Row("idle RSS", median(rss["donjon"]), median(rss["orthanc"]), "MB", False),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_table(f"Start-up and idle memory (median of {args.runs} runs)", measure(args.runs))


if __name__ == "__main__":
    main()
