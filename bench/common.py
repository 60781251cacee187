"""Shared pieces of the benchmarks: both servers as processes, /proc readings, the report table.

Absolute figures drift on shared machines; every benchmark runs Donjon and the
reference Orthanc in turns within one run and prints ratios (PERFORMANCE.md).
"""

from __future__ import annotations

import os
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from donjon_sdk.testing.oracle import OrthancOracle, start_orthanc
from donjon_sdk.testing.server import DonjonHandle, start_server

__all__ = ["Row", "cpu_seconds", "donjon_process", "median", "orthanc_process", "print_table", "rss_mb"]

_CLK_TCK = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time consumed so far by a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def donjon_process(config: dict[str, Any] | None = None) -> Iterator[DonjonHandle]:
    """Donjon as a child process (``python -m donjon``), storage in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="donjon-bench-") as folder:
        handle = start_server(Path(folder), {"StableAge": 60, **(config or {})}, mode="process")
        try:
            yield handle
        finally:
            handle.close()


@contextmanager
def orthanc_process(config: dict[str, Any] | None = None) -> Iterator[OrthancOracle]:
    """Debian's Orthanc 1.10.1, storage in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="orthanc-bench-") as folder:
        oracle = start_orthanc(Path(folder), {"StableAge": 60, **(config or {})})
        try:
            yield oracle
        finally:
            oracle.stop()


class Row:
    """One line of a report: a workload, both figures, and which way is better."""

    def __init__(self, workload: str, donjon: float, orthanc: float, unit: str, higher_is_better: bool) -> None:
        self.workload, self.donjon, self.orthanc, self.unit, self.higher_is_better = workload, donjon, orthanc, unit, higher_is_better

    @property
    def ratio(self) -> float:
        """Donjon's advantage: >1 means Donjon is better, whatever the unit."""
        if not self.donjon or not self.orthanc:
            return float("nan")
        return self.donjon / self.orthanc if self.higher_is_better else self.orthanc / self.donjon


def print_table(title: str, rows: list[Row], out: Callable[[str], None] = print) -> None:
    out(f"\n## {title}\n")
    out("| workload | Donjon | Orthanc 1.10.1 | unit | Donjon advantage (×) |")
    out("| --- | ---: | ---: | --- | ---: |")
    for r in rows:
        out(f"| {r.workload} | {r.donjon:.2f} | {r.orthanc:.2f} | {r.unit} | {r.ratio:.2f} |")
