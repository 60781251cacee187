"""DICOMweb latency and throughput, Donjon's plugin beside Orthanc 1.10.1 + its DICOMweb plugin (1.7).

Usage: python bench/dicomweb.py [--series-instances 500] [--size 256] [--instances 2000] [--runs 20] [--no-orthanc]

Both servers run as processes and receive the same files over ``POST /instances``:
one series of ``--series-instances`` CT images (``--size``² 16-bit) and ``--instances``
small synthetic instances (4 per study) for QIDO. Workloads take turns, one server then
the other, on every run (PERFORMANCE.md: compare ratios taken in one run):

- series ``/metadata``, first request after a restart of Donjon (its cache cold; Orthanc
  1.7 has none) and then the median of warm requests (the issue's aim: 3x Orthanc);
- QIDO-RS studies, exact PatientID and ``PatientName=SMI*``;
- WADO-RS of the whole series, MB/s;
- one frame (``/frames/1``) of one instance.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, median, print_table  # noqa: E402
from donjon_sdk.testing import DicomFactory  # noqa: E402
from donjon_sdk.testing.oracle import start_orthanc  # noqa: E402
from donjon_sdk.testing.server import start_server  # noqa: E402
from find import synthetic_files  # noqa: E402

ORTHANC_DICOMWEB = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
MULTIPART = 'multipart/related; type="application/dicom"'


def series_files(count: int, size: int) -> tuple[list[bytes], str, str, str]:
    """One series of ``count`` CT instances; returns the files and the study, series, first SOP UIDs."""
    factory = DicomFactory()
    first = factory.dataset(rows=size, columns=size, PatientID="BENCHSERIES")
    files = [factory.encode(first)]
    for _ in range(count - 1):
        ds = factory.dataset(rows=size, columns=size, PatientID="BENCHSERIES", StudyInstanceUID=first.StudyInstanceUID, SeriesInstanceUID=first.SeriesInstanceUID)
        files.append(factory.encode(ds))
    return files, first.StudyInstanceUID, first.SeriesInstanceUID, first.SOPInstanceUID


def timed_get(http, url: str, headers: dict[str, str] | None = None) -> tuple[float, int]:
    """Milliseconds of one GET (body read whole, as sent: no decoding) and the body's size.

    The body is read in 1 MB raw chunks: ``response.content`` through httpx's decoders
    capped the client itself near 120 MB/s on this machine, below both servers.
    """
    t0 = time.perf_counter()
    with http.stream("GET", url, headers=headers or {}) as answer:
        answer.raise_for_status()
        size = sum(len(chunk) for chunk in answer.iter_raw(1 << 20))
    return (time.perf_counter() - t0) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series-instances", type=int, default=500)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-orthanc", action="store_true")
    args = parser.parse_args()

    files, study, series, sop = series_files(args.series_instances, args.size)
    others = synthetic_files(args.instances)
    with tempfile.TemporaryDirectory(prefix="donjon-bench-dicomweb-") as folder:
        servers = {"Donjon": start_server(Path(folder) / "donjon", {"StableAge": 60}, mode="process", entry_points=["dicom-web"])}
        if not args.no_orthanc:
            servers["Orthanc"] = start_orthanc(Path(folder) / "orthanc", {"StableAge": 60}, plugins=[ORTHANC_DICOMWEB])
        try:
            for name, srv in servers.items():
                t0 = time.perf_counter()
                for data in files + others:
                    srv.http.post("/instances", content=data).raise_for_status()
                print(f"{name}: {len(files) + len(others)} instances stored in {time.perf_counter() - t0:.1f} s")
            results = run(servers, args, study, series, sop)
        finally:
            for srv in servers.values():
                srv.close() if hasattr(srv, "close") else srv.stop()
    rows = [Row(w, d.get("Donjon", float("nan")), d.get("Orthanc", float("nan")), unit, hib) for w, (d, unit, hib) in results.items()]
    print_table(f"DICOMweb ({args.series_instances}-instance series of {args.size}x{args.size}, {len(others)} other instances)", rows)


def run(servers, args, study: str, series: str, sop: str) -> dict[str, tuple[dict[str, float], str, bool]]:
    """Every workload, servers taking turns; medians per server."""
    base = "/dicom-web"
    metadata = f"{base}/studies/{study}/series/{series}/metadata"
    results: dict[str, tuple[dict[str, float], str, bool]] = {}
    # Cold: Donjon restarted (its cache lives in memory; a series that became stable during
    # the upload would otherwise be cached already). Orthanc 1.7 has no metadata cache.
    servers["Donjon"].restart()
    cold = {name: timed_get(srv.http, metadata)[0] for name, srv in servers.items()}
    results[f"series /metadata, {args.series_instances} instances, cold cache"] = (cold, "ms", False)

    def medians(url: str, headers: dict[str, str] | None = None, runs: int = args.runs) -> tuple[dict[str, float], dict[str, int]]:
        times: dict[str, list[float]] = {name: [] for name in servers}
        sizes: dict[str, int] = {}
        for _ in range(runs):
            for name, srv in servers.items():
                ms, size = timed_get(srv.http, url, headers)
                times[name].append(ms)
                sizes[name] = size
        return {name: median(t) for name, t in times.items()}, sizes

    results[f"series /metadata, {args.series_instances} instances, warm"] = (medians(metadata)[0], "ms", False)
    results["QIDO studies, exact PatientID"] = (medians(f"{base}/studies?PatientID=BENCH000123")[0], "ms", False)
    results["QIDO studies, PatientName=SMI*"] = (medians(f"{base}/studies?PatientName=SMI*&limit=100")[0], "ms", False)
    ms, sizes = medians(f"{base}/studies/{study}/series/{series}", {"Accept": MULTIPART}, runs=max(3, args.runs // 4))
    results[f"WADO-RS series ({sizes[next(iter(sizes))] / 1e6:.0f} MB)"] = ({n: sizes[n] / 1e6 / (ms[n] / 1000) for n in ms}, "MB/s", True)
    frame = f"{base}/studies/{study}/series/{series}/instances/{sop}/frames/1"
    results["one frame, /frames/1"] = (medians(frame, {"Accept": 'multipart/related; type="application/octet-stream"'})[0], "ms", False)
    return results


if __name__ == "__main__":
    main()
