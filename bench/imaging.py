"""Preview and rendered latency, and decode throughput, Donjon beside Orthanc.

Usage: python bench/imaging.py [--requests 30] [--no-orthanc]

Workloads (PERFORMANCE.md row "GET /instances/{id}/preview (512x512 16-bit, PNG)"):

- a 512x512 16-bit CT (synthetic phantom: body, organs, noise), ``/preview`` and
  ``/rendered?window-center=40&window-width=400`` (PNG), median of warm requests (Donjon
  answers them from its cache of encoded images), the first (cold) request after the
  upload, and ``/rendered`` with a new window each time (decoded frame cached, the
  windowing and PNG encoding done again);
- a JPEG baseline US frame (pydicom's examples_ybr_color.dcm, 30 frames of 320x240,
  YBR_FULL_422), ``/frames/12/preview`` and ``/frames/12/rendered`` as JPEG;
- decode throughput: every frame of that file, once each, through ``/frames/{n}/preview``
  (a cold decode per request on Donjon too: each frame is asked once per upload).

Both servers run as processes and take turns on every request.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from common import Row, donjon_process, median, orthanc_process, print_table  # noqa: E402
from donjon_sdk.testing import DicomFactory  # noqa: E402


def ct_phantom() -> bytes:
    """A 512x512 16-bit CT slice with structure and noise (compresses like a real one)."""
    factory = DicomFactory()
    ds = factory.dataset(rows=512, columns=512, WindowCenter=40, WindowWidth=400)
    ds.BitsStored, ds.HighBit = 16, 15
    y, x = np.mgrid[-256:256, -256:256]
    image = np.full((512, 512), 24.0)  # air, HU -1000 with intercept -1024
    image[(x / 220.0) ** 2 + (y / 170.0) ** 2 < 1] = 1064  # soft tissue
    image[((x + 80) / 60.0) ** 2 + (y / 90.0) ** 2 < 1] = 1100
    image[((x - 90) / 50.0) ** 2 + ((y + 20) / 70.0) ** 2 < 1] = 1130
    image[(x / 25.0) ** 2 + ((y - 120) / 25.0) ** 2 < 1] = 2000  # bone
    rng = np.random.default_rng(7)
    image += rng.normal(0, 12, image.shape)
    ds.PixelData = np.clip(image, 0, 4095).astype("<u2").tobytes()
    return factory.encode(ds)


def us_jpeg() -> bytes:
    from pydicom.data import get_testdata_file

    return Path(get_testdata_file("examples_ybr_color.dcm")).read_bytes()


def _time(client, uri: str, headers: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    answer = client.get(uri, headers=headers or {})
    elapsed = (time.perf_counter() - start) * 1000
    assert answer.status_code == 200, (uri, answer.status_code, answer.text[:200])
    return elapsed


def _upload(client, data: bytes) -> str:
    answer = client.post("/instances", content=data)
    assert answer.status_code == 200, answer.text
    return answer.json()["ID"]


def run(clients: dict[str, object], requests: int) -> dict[str, dict[str, float]]:
    """Every workload on every server, taking turns; figures per server name."""
    results: dict[str, dict[str, float]] = {name: {} for name in clients}
    ct, us = ct_phantom(), us_jpeg()
    ids = {name: (_upload(c, ct), _upload(c, us)) for name, c in clients.items()}
    jpeg = {"Accept": "image/jpeg"}
    # ``n`` varies the window of some workloads, so that no answer comes from Donjon's
    # cache of encoded images (the decoded frame is reused: that is what a viewer does
    # when the user drags the window).
    workloads = {
        "CT 512x512 /preview (PNG)": lambda i, n: (f"/instances/{i[0]}/preview", None),
        "CT 512x512 /rendered window 40/400 (PNG)": lambda i, n: (f"/instances/{i[0]}/rendered?window-center=40&window-width=400", None),
        "CT 512x512 /rendered, a new window each time (PNG)": lambda i, n: (f"/instances/{i[0]}/rendered?window-center={n}&window-width=400", None),
        "US JPEG frame /preview (JPEG)": lambda i, n: (f"/instances/{i[1]}/frames/12/preview", jpeg),
        "US JPEG frame /rendered width=160 (JPEG)": lambda i, n: (f"/instances/{i[1]}/frames/12/rendered?width=160", jpeg),
        "US JPEG frame /rendered, a new width each time (JPEG)": lambda i, n: (f"/instances/{i[1]}/frames/12/rendered?width={100 + n}", jpeg),
    }
    for workload, uri in workloads.items():
        for name, client in clients.items():
            results[name][f"{workload}, cold"] = _time(client, *uri(ids[name], 0))
        samples: dict[str, list[float]] = {name: [] for name in clients}
        for n in range(1, requests + 1):
            for name, client in clients.items():
                samples[name].append(_time(client, *uri(ids[name], n)))
        for name in clients:
            results[name][workload] = median(samples[name])
    # Decode throughput: fresh uploads, each frame asked once (cold decodes).
    for name, client in clients.items():
        client.delete(f"/instances/{ids[name][1]}")
        instance = _upload(client, us)
        start = time.perf_counter()
        for frame in range(30):
            _time(client, f"/instances/{instance}/frames/{frame}/preview", jpeg)
        results[name]["decode"] = 30 / (time.perf_counter() - start)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--no-orthanc", action="store_true")
    args = parser.parse_args()
    with donjon_process() as donjon:
        if args.no_orthanc:
            results = run({"donjon": donjon.http}, args.requests)
            results["orthanc"] = {k: float("nan") for k in results["donjon"]}
        else:
            with orthanc_process() as orthanc:
                results = run({"donjon": donjon.http, "orthanc": orthanc.http}, args.requests)
    ours, theirs = results["donjon"], results["orthanc"]
    rows = [Row(k, ours[k], theirs[k], "ms", False) for k in ours if k != "decode"]
    rows.append(Row("US JPEG 320x240 frames decoded + previewed, cold", ours["decode"], theirs["decode"], "frames/s", True))
    print_table("Imaging latency (median of warm requests; cold = first request after upload)", rows)


if __name__ == "__main__":
    main()
