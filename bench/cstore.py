"""C-STORE ingest benchmark: DCMTK storescu → Donjon, beside the reference Orthanc.

Sends N synthetic CT instances (512×512, 16-bit, ~0.5 MB each, one series) over one
association with Debian's ``/usr/bin/storescu``, to Orthanc 1.10.1 and to Donjon (each a
separate process with a fresh storage folder), taking turns, and prints for each:
instances per second, server CPU per instance (``/proc/<pid>/stat``, all threads) and
the Donjon/Orthanc ratios. Absolute figures drift on shared machines; compare the
ratios of one run (PERFORMANCE.md).

Usage: ``python bench/cstore.py [--counts 500 2000] [--rounds 1] [--keep]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from donjon_sdk.testing import DicomFactory
from donjon_sdk.testing.oracle import start_orthanc
from donjon_sdk.testing.server import free_port
from pydicom.uid import generate_uid

STORESCU = "/usr/bin/storescu"  # DCMTK's, not pynetdicom's app of the same name
# Debian's DCMTK leaves Nagle's algorithm on unless TCP_NODELAY is set in the environment;
# both storescu and Orthanc (DCMTK inside) read it. Without it Orthanc takes ~17 inst/s
# instead of its documented 122 (PERFORMANCE.md), which would flatter Donjon.
os.environ.setdefault("TCP_NODELAY", "1")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def make_files(folder: Path, count: int) -> list[Path]:
    """``count`` CT 512×512 instances of one series, written once and reused by every run."""
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.dcm"))
    if len(existing) >= count:
        return existing[:count]
    factory = DicomFactory()
    study, series = generate_uid(), generate_uid()
    paths = []
    for i in range(count):
        path = folder / f"{i:05d}.dcm"
        path.write_bytes(factory.bytes(rows=512, columns=512, PatientID="BENCH", StudyInstanceUID=study, SeriesInstanceUID=series))
        paths.append(path)
    return paths


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_storescu(port: int, files: list[Path]) -> float:
    """Send ``files`` over one association; returns the wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run([STORESCU, "-aet", "BENCH", "-aec", "ORTHANC", "127.0.0.1", str(port), *map(str, files)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"storescu failed: {result.stderr[-2000:]}")
    return elapsed


def measure(name: str, start: Any, files: list[Path], folder: Path) -> dict[str, float]:
    """Start a server, send the files, check they are all stored, stop it."""
    server = start(folder)
    pid = server.process.pid
    try:
        cpu0 = cpu_seconds(pid)
        wall = run_storescu(server.dicom_port, files)
        cpu = cpu_seconds(pid) - cpu0
        stored = server.http.get("/statistics").json()["CountInstances"]
        if stored != len(files):
            raise RuntimeError(f"{name} stored {stored} of {len(files)} instances")
    finally:
        server.stop()
    return {"inst_s": len(files) / wall, "cpu_ms": 1000 * cpu / len(files), "wall": wall}


class _DonjonProcess:
    """``python -m donjon`` without ``--verbose`` (the SDK's process mode logs at INFO level,
    and pynetdicom logs several lines per C-STORE at that level; Orthanc runs without
    ``--verbose`` too)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.dicom_port = free_port(), free_port()
        config = {
            "Name": "bench",
            "StorageDirectory": str(folder / "storage"),
            "IndexDirectory": str(folder / "storage"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
        }
        path = folder / "donjon.json"
        path.write_text(json.dumps(config))
        env = dict(os.environ, DONJON_PLUGINS="-")
        log = open(folder / "donjon.log", "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "donjon", str(path), "--host", "127.0.0.1"], cwd=folder, stdout=log, stderr=log, env=env)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.http_port}", timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"donjon exited: {(folder / 'donjon.log').read_text()[-2000:]}")
            try:
                if self.http.get("/system", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("donjon did not start within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.http.close()


def start_donjon(folder: Path) -> Any:
    return _DonjonProcess(folder)


def start_reference(folder: Path) -> Any:
    return start_orthanc(folder, {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--rounds", type=int, default=1, help="Orthanc/Donjon turns per count")
    parser.add_argument("--files", type=Path, default=Path(tempfile.gettempdir()) / "donjon-bench-ct512")
    parser.add_argument("--keep", action="store_true", help="keep the servers' storage folders")
    args = parser.parse_args()
    if not Path(STORESCU).exists():
        sys.exit(f"{STORESCU} is missing (apt-get install dcmtk)")

    files = make_files(args.files, max(args.counts))
    size = sum(p.stat().st_size for p in files[:10]) / 10 / 1e6
    print(f"C-STORE, storescu, one association, CT 512x512 ({size:.2f} MB per instance)")
    print(f"{'instances':>9} {'server':>8} {'inst/s':>8} {'CPU ms/inst':>12} {'wall s':>7}")
    work = Path(tempfile.mkdtemp(prefix="donjon-bench-cstore-"))
    try:
        for count in args.counts:
            results: dict[str, list[dict[str, float]]] = {"orthanc": [], "donjon": []}
            for turn in range(args.rounds):
                for name, start in (("orthanc", start_reference), ("donjon", start_donjon)):
                    r = measure(name, start, files[:count], work / f"{name}-{count}-{turn}")
                    results[name].append(r)
                    print(f"{count:>9} {name:>8} {r['inst_s']:>8.1f} {r['cpu_ms']:>12.2f} {r['wall']:>7.1f}", flush=True)
            best = {n: max(rs, key=lambda r: r["inst_s"]) for n, rs in results.items()}
            print(
                f"{count:>9} {'ratio':>8} {best['donjon']['inst_s'] / best['orthanc']['inst_s']:>7.2f}x"
                f" {best['donjon']['cpu_ms'] / best['orthanc']['cpu_ms']:>11.2f}x   (Donjon / Orthanc)"
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
