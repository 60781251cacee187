"""/tools/find latency at study level as the index grows, Donjon beside Orthanc.

Usage: python bench/find.py [--instances 20000] [--queries 50] [--no-orthanc]

Donjon's index is filled through the ingest path (``Server.store``, in-process, small
synthetic files without pixel data), then served by a separate ``python -m donjon``
process; Orthanc gets the same files over ``POST /instances``. Both answer the same
queries in turns: exact PatientID and ``SMI*`` on PatientName (PERFORMANCE.md row
"/tools/find study level, exact PatientID / SMI*").
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, median, orthanc_process, print_table  # noqa: E402
from donjon_sdk.testing import DicomFactory  # noqa: E402
from donjon_sdk.testing.server import start_server  # noqa: E402

SURNAMES = ["SMITH", "SMYTHE", "JONES", "BROWN", "TAYLOR", "WILSON", "MARTIN", "DUBOIS", "MULLER", "ROSSI", "GARCIA", "NGUYEN"]
INSTANCES_PER_STUDY = 4


def synthetic_files(count: int, seed: int = 7) -> list[bytes]:
    """``count`` small instances, 4 per study (2 series × 2), one study per patient."""
    rng = random.Random(seed)
    factory = DicomFactory()
    files = []
    for n in range(count // INSTANCES_PER_STUDY):
        surname = rng.choice(SURNAMES)
        tags = {
            "PatientName": f"{surname}^{rng.choice(['JOHN', 'JANE', 'ALEX'])}{n}",
            "PatientID": f"BENCH{n:06d}",
            "StudyDate": f"20{rng.randint(10, 24)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            "modality": rng.choice(["CT", "MR", "US", "CR"]),
            "rows": 0,
            "columns": 0,
        }
        files += factory.study(series=2, instances=2, **tags)
    return files


ENGINE_MS: dict[str, float] = {}


def fill_donjon(folder: Path, files: list[bytes]) -> float:
    """Store every file through the ingest path, in-process; returns instances per second.

    Also times the find engine in-process (no HTTP) into ``ENGINE_MS``.
    """
    from donjon.enums import OriginKind
    from donjon.types import Origin

    handle = start_server(folder, {"StableAge": 60})
    server = handle.server
    origin = Origin(kind=OriginKind.Plugins)
    t0 = time.perf_counter()
    for data in files:
        server.store(data, origin)
    rate = len(files) / (time.perf_counter() - t0)
    # The engine alone, without HTTP: what the index and the find code cost.
    from donjon.find.engine import run_find
    from donjon.find.request import parse_find_request

    for name, body in QUERIES.items():
        request = parse_find_request(json.dumps(body).encode(), default_case_sensitive=False)
        times = []
        for _ in range(50):
            t1 = time.perf_counter()
            run_find(server, request)
            times.append((time.perf_counter() - t1) * 1000)
        ENGINE_MS[name] = median(times)
    handle.close()
    return rate


def fill_orthanc(http, files: list[bytes]) -> None:
    for data in files:
        http.post("/instances", content=data).raise_for_status()


def latency_ms(http, body: dict, runs: int) -> tuple[float, int]:
    """Median latency of one query, and its answer count."""
    times = []
    count = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = http.post("/tools/find", json=body)
        times.append((time.perf_counter() - t0) * 1000)
        count = len(answer.json())
    return median(times), count


QUERIES = {
    "exact PatientID": {"Level": "Study", "Query": {"PatientID": "BENCH000123"}},
    "PatientName SMI*": {"Level": "Study", "Query": {"PatientName": "SMI*"}},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=20000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--no-orthanc", action="store_true")
    args = parser.parse_args()
    files = synthetic_files(args.instances)
    with tempfile.TemporaryDirectory(prefix="donjon-bench-find-") as folder:
        rate = fill_donjon(Path(folder), files)
        print(f"Donjon: {len(files)} instances stored through the ingest path, {rate:.0f} inst/s")
        donjon = start_server(Path(folder), {"StableAge": 60}, mode="process")
        try:
            results = {}
            if args.no_orthanc:
                for name, body in QUERIES.items():
                    results[name] = (latency_ms(donjon.http, body, args.queries), None)
            else:
                with orthanc_process() as orthanc:
                    fill_orthanc(orthanc.http, files)
                    for name, body in QUERIES.items():
                        ours = latency_ms(donjon.http, body, args.queries)
                        theirs = latency_ms(orthanc.http, body, args.queries)
                        assert ours[1] == theirs[1], f"{name}: {ours[1]} answers here, {theirs[1]} from Orthanc"
                        results[name] = (ours, theirs)
        finally:
            donjon.close()
    rows = []
    for name, (ours, theirs) in results.items():
        print(f"{name}: {ours[1]} studies; Donjon engine alone (no HTTP): {ENGINE_MS[name]:.2f} ms")
        rows.append(Row(f"/tools/find study, {name}, {len(files)} inst", ours[0], theirs[0] if theirs else float("nan"), "ms", False))
    print_table("/tools/find latency (median)", rows)


if __name__ == "__main__":
    main()
