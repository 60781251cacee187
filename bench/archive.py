"""Synchronous study archive (ZIP) and media (DICOMDIR) downloads, Donjon beside Orthanc.

Usage: python bench/archive.py [--instances 200] [--rounds 3]

One study of ``--instances`` CT images of 512×512 16-bit (~0.5 MB each) is stored in
both servers; ``GET /studies/{id}/archive`` and ``/media`` are then timed in turns.
Figures: MB of DICOM per second (median), server CPU seconds per archive, ZIP size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, cpu_seconds, donjon_process, median, orthanc_process, print_table  # noqa: E402
from donjon_sdk.testing import DicomFactory  # noqa: E402


def download(client, path: str, pid: int) -> tuple[float, float, int]:
    """Seconds, server CPU seconds and bytes of one download."""
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    size = 0
    with client.stream("GET", path, headers={"Accept-Encoding": "identity"}) as answer:
        assert answer.status_code == 200, answer.status_code
        for chunk in answer.iter_raw():
            size += len(chunk)
    return time.perf_counter() - start, cpu_seconds(pid) - cpu, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = DicomFactory().study(series=1, instances=args.instances, rows=512, columns=512)
    dicom_mb = sum(len(f) for f in files) / 1e6
    with donjon_process() as donjon, orthanc_process() as orthanc:
        servers = {"donjon": (donjon.http, donjon.process.pid), "orthanc": (orthanc.http, orthanc.process.pid)}  # type: ignore[union-attr]
        study = ""
        for client, _ in servers.values():
            for data in files:
                study = client.post("/instances", content=data).json()["ParentStudy"]
        results: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
        for _ in range(args.rounds):
            for kind in ("archive", "media"):
                for name, (client, pid) in servers.items():
                    results.setdefault((name, kind), []).append(download(client, f"/studies/{study}/{kind}", pid))
    rows = []
    for kind in ("archive", "media"):
        d, o = results[("donjon", kind)], results[("orthanc", kind)]
        rows.append(Row(f"{kind}: {args.instances} × 0.5 MB CT, throughput", dicom_mb / median([r[0] for r in d]), dicom_mb / median([r[0] for r in o]), "MB/s", True))
        rows.append(Row(f"{kind}: server CPU per archive", median([r[1] for r in d]), median([r[1] for r in o]), "s", False))
        rows.append(Row(f"{kind}: ZIP size", d[0][2] / 1e6, o[0][2] / 1e6, "MB", False))
    print_table(f"Study {kind}s ({dicom_mb:.0f} MB of DICOM)", rows)


if __name__ == "__main__":
    main()
