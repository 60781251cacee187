"""Ingest speed: ``POST /instances`` of 512x512 16-bit CT files, 1 and 4 clients, Donjon beside Orthanc.

Usage: python bench/ingest.py [--count 200] [--rounds 2] [--profile out.prof]

Both servers run as processes with their defaults (SQLite index, filesystem
storage, SyncStorageArea and StoreMD5ForAttachments on, compression off) and take
turns on every workload; each round uses fresh files. Besides throughput, the
server CPU per instance (``/proc/<pid>/stat``) is the steadier figure on a
2-core machine shared with the client (PERFORMANCE.md).

``--profile FILE`` instead runs Donjon in this process under cProfile for the
1-client workload and writes the statistics to FILE (``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, cpu_seconds, donjon_process, median, orthanc_process, print_table  # noqa: E402
from donjon_sdk.testing import DicomFactory  # noqa: E402


def make_files(factory: DicomFactory, count: int) -> list[bytes]:
    """``count`` CT instances of ~0.5 MB in studies of 50, like a scanner sends them."""
    files: list[bytes] = []
    while len(files) < count:
        files += factory.study(series=1, instances=min(50, count - len(files)), rows=512, columns=512)
    return files


def upload(url: str, files: list[bytes], clients: int) -> float:
    """Send every file with ``clients`` keep-alive connections; returns the elapsed seconds."""
    chunks = [files[i::clients] for i in range(clients)]

    def send(chunk: list[bytes]) -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            for data in chunk:
                answer = client.post("/instances", content=data, headers={"Content-Type": "application/dicom"})
                if answer.status_code != 200 or answer.json()["Status"] != "Success":
                    raise RuntimeError(f"upload failed: {answer.status_code} {answer.text[:200]}")

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, chunks))
    return time.perf_counter() - start


def measure(count: int, rounds: int) -> list[Row]:
    factory = DicomFactory()
    rate: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    with donjon_process() as donjon, orthanc_process() as orthanc:
        servers = {"donjon": (donjon.url, donjon.process.pid), "orthanc": (orthanc.url, orthanc.process.pid)}  # type: ignore[union-attr]
        upload(donjon.url, make_files(factory, 10), 1)  # warm-up: imports, first SQLite pages
        upload(orthanc.url, make_files(factory, 10), 1)
        for _ in range(rounds):
            for clients in (1, 4):
                files = make_files(factory, count)
                for name, (url, pid) in servers.items():
                    cpu0 = cpu_seconds(pid)
                    elapsed = upload(url, files, clients)
                    rate.setdefault((name, clients), []).append(count / elapsed)
                    cpu.setdefault((name, clients), []).append((cpu_seconds(pid) - cpu0) / count * 1000)
    rows = []
    for clients in (1, 4):
        rows.append(Row(f"POST /instances, {clients} client(s)", median(rate[("donjon", clients)]), median(rate[("orthanc", clients)]), "inst/s", True))
        rows.append(Row(f"server CPU per instance, {clients} client(s)", median(cpu[("donjon", clients)]), median(cpu[("orthanc", clients)]), "ms", False))
    return rows


def profile(count: int, out: str) -> None:
    """Profile the server side of a 1-client upload, in this process."""
    import cProfile
    import tempfile

    from donjon_sdk.testing.server import start_server

    with tempfile.TemporaryDirectory(prefix="donjon-profile-") as folder:
        srv = start_server(Path(folder), {"StableAge": 60})
        try:
            factory = DicomFactory()
            upload(srv.url, make_files(factory, 10), 1)
            files = make_files(factory, count)
            profiler = cProfile.Profile()
            profiler.enable()
            elapsed = upload(srv.url, files, 1)
            profiler.disable()
            profiler.dump_stats(out)
            print(f"{count / elapsed:.1f} inst/s in-process, profile written to {out}")
        finally:
            srv.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200, help="instances per workload and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", metavar="FILE", help="profile Donjon in-process instead of comparing")
    args = parser.parse_args()
    if args.profile:
        profile(args.count, args.profile)
        return
    print_table(f"Ingest over HTTP, 512x512 16-bit CT (median of {args.rounds} rounds of {args.count})", measure(args.count, args.rounds))


if __name__ == "__main__":
    main()
