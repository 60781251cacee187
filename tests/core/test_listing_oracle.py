"""Differential: listings, child/parent routes, statistics, metadata, attachments, changes on Donjon and Orthanc 1.10.1.

The same files and the same requests go to both servers; answers are compared after a
normalisation that blanks what legitimately differs: timestamps, UUIDs of stored files,
the keys Orthanc 1.12 added (``Labels``, ``IsProtected``), ``IsStable`` (timing), the
``uuid`` operation that 1.10.1 lists without serving it, and the free-text ``Details``
of errors (codes and statuses are compared).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.oracle

CONFIG = {"StableAge": 3600, "UserMetadata": {"Sample": 1024}, "UserContentType": {"Report": 1024, "Pdf": [1025, "application/pdf"]}}
_DATE = re.compile(r"^\d{8}T\d{6}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DROP = {"Labels", "IsProtected", "IsStable", "Details", "TimezoneOffsetFromUTC", "0008,0201"}


def normalise(value: Any) -> Any:
    """Blank what differs legitimately between two servers given the same data."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k not in _DROP}
    if isinstance(value, list):
        return [normalise(v) for v in value if v != "uuid"]
    if isinstance(value, str):
        if _DATE.match(value):
            return "<date>"
        if _UUID.match(value):
            return "<uuid>"
    return value


def answer_of(response: Any) -> tuple[int, Any]:
    """Status and normalised body (JSON when it parses, else text or byte length)."""
    if not response.content:
        return response.status_code, None
    try:
        return response.status_code, normalise(response.json())
    except ValueError:
        try:
            return response.status_code, normalise(response.content.decode())
        except UnicodeDecodeError:
            return response.status_code, f"<{len(response.content)} bytes, md5 {__import__('hashlib').md5(response.content).hexdigest()}>"


class Differ:
    """Send each request to both servers and keep the differences."""

    def __init__(self, ours: Any, theirs: Any) -> None:
        self.ours, self.theirs = ours, theirs
        self.differences: list[str] = []

    def __call__(self, method: str, url: str, *, etag: bool = False, **kwargs: Any) -> tuple[Any, Any]:
        mine = self.ours.http.request(method, url, **kwargs)
        ref = self.theirs.http.request(method, url, **kwargs)
        if answer_of(mine) != answer_of(ref):
            self.differences.append(f"{method} {url}:\n  donjon  {answer_of(mine)}\n  orthanc {answer_of(ref)}")
        if etag and mine.headers.get("etag") != ref.headers.get("etag"):
            self.differences.append(f"{method} {url}: ETag {mine.headers.get('etag')} != {ref.headers.get('etag')}")
        return mine, ref


@pytest.fixture
def differ(donjon_server, orthanc_oracle, dicom_samples, dicom_factory):
    ours, theirs = donjon_server(CONFIG), orthanc_oracle(CONFIG)
    files = [dicom_samples("CT_small.dcm"), *dicom_factory.study(series=2, instances=2, PatientID="DIFF"), dicom_samples("MR_small.dcm")]
    ids = []
    for data in files:
        mine = ours.http.post("/instances", content=data).json()
        assert mine == theirs.http.post("/instances", content=data).json()
        ids.append(mine)
    return Differ(ours, theirs), ids


def test_listings_match_orthanc(differ):
    d, ids = differ
    for level in ("patients", "studies", "series", "instances"):
        for query in ("", "?expand", "?since=1&limit=2", "?since=1&limit=1&expand", "?limit=1", "?since=1", "?since=abc&limit=1",
                      "?since=0&limit=0", "?since=0&limit=-1", "?expand&short", "?expand&full"):
            d("GET", f"/{level}{query}")
    assert not d.differences, "\n".join(d.differences)


def test_child_and_parent_routes_match_orthanc(differ):
    d, ids = differ
    a = ids[1]
    levels = {"patients": a["ParentPatient"], "studies": a["ParentStudy"], "series": a["ParentSeries"], "instances": a["ID"]}
    singular = {"patients": "patient", "studies": "study", "series": "series", "instances": "instance"}
    order = list(levels)
    for i, level in enumerate(order):
        for public_id in (*levels.values(), "unknown"):
            for below in order[i + 1 :]:
                d("GET", f"/{level}/{public_id}/{below}")
            for above in order[:i]:
                d("GET", f"/{level}/{public_id}/{singular[above]}")
            d("GET", f"/{level}/{public_id}/statistics")
        for public_id in (*levels.values(), "unknown"):
            d("GET", f"/{level}/{public_id}")
    d("DELETE", f"/patients/{a['ParentSeries']}")
    d("DELETE", "/series/unknown")
    d("GET", f"/patients/{a['ParentPatient']}/studies?short")
    d("GET", f"/studies/{a['ParentStudy']}/instances?full")
    assert not d.differences, "\n".join(d.differences)


def test_metadata_match_orthanc(differ):
    d, ids = differ
    a = ids[0]
    for level, public_id in (("patients", a["ParentPatient"]), ("studies", a["ParentStudy"]), ("series", a["ParentSeries"]), ("instances", a["ID"])):
        d("GET", f"/{level}/{public_id}/metadata")
    inst = f"/instances/{a['ID']}/metadata"
    d("GET", f"{inst}?expand")
    d("GET", f"{inst}/IndexInSeries", etag=True)
    d("GET", f"{inst}/1", etag=True)
    d("GET", f"{inst}/TransferSyntax", etag=True)
    d("GET", f"{inst}/Sample")
    d("GET", f"{inst}/Nope")
    d("GET", f"{inst}/99999")
    d("GET", "/instances/unknown/metadata")
    d("GET", f"/instances/{a['ParentSeries']}/metadata")
    d("PUT", f"{inst}/Sample", content=b"hello", etag=True)
    d("GET", f"{inst}/Sample", etag=True)
    d("GET", f"{inst}/Sample", headers={"If-None-Match": "1"})
    d("GET", f"{inst}/IndexInSeries", headers={"If-None-Match": '"0-c4ca4238a0b923820dcc509a6f75849b"'})
    d("PUT", f"{inst}/2000", content=b"numbered", etag=True)
    d("GET", f"{inst}?expand")
    for name in ("ReceptionDate", "Nope", "70000", "5"):
        d("PUT", f"{inst}/{name}", content=b"x")
    d("PUT", f"{inst}/Sample", content=b"x", headers={"If-Match": "garbage"})
    d("DELETE", f"{inst}/ReceptionDate")
    d("DELETE", f"{inst}/Sample")
    d("DELETE", f"{inst}/Sample")
    d("GET", f"{inst}/Sample")
    d("PUT", f"/series/{a['ParentSeries']}/metadata/Sample", content=b"s", etag=True)
    d("GET", f"/series/{a['ParentSeries']}/metadata?expand")
    d("GET", "/changes?since=6")
    assert not d.differences, "\n".join(d.differences)


def test_attachments_match_orthanc(differ):
    d, ids = differ
    a = ids[0]
    base = f"/instances/{a['ID']}/attachments"
    d("GET", base)
    d("GET", f"{base}?full")
    d("GET", f"/series/{a['ParentSeries']}/attachments")
    d("GET", f"/patients/{a['ID']}/attachments")
    for name in ("dicom", "1"):
        d("GET", f"{base}/{name}", etag=True)
    for op in ("info", "size", "compressed-size", "md5", "compressed-md5", "is-compressed", "data"):
        d("GET", f"{base}/dicom/{op}", etag=True)
    d("POST", f"{base}/dicom/verify-md5")
    for name in ("dicom-as-json", "Report", "Nope"):
        d("GET", f"{base}/{name}")
    d("GET", f"{base}/Nope/info")
    d("PUT", f"{base}/Report", content=b"my report", etag=True)
    d("GET", f"{base}/Report/info", etag=True)
    d("GET", f"{base}/Report/data", etag=True)
    d("POST", f"{base}/Report/compress")
    for op in ("info", "is-compressed", "data", "compressed-data", "size", "compressed-size", "md5", "compressed-md5"):
        d("GET", f"{base}/Report/{op}")
    d("POST", f"{base}/Report/verify-md5")
    d("POST", f"{base}/Report/uncompress")
    d("GET", f"{base}/Report/info")
    d("PUT", f"{base}/Pdf", content=b"%PDF-1.4", etag=True)
    d("GET", f"{base}/Pdf/data")
    d("PUT", f"{base}/1500", content=b"num", etag=True)
    d("GET", f"{base}?full")
    d("GET", base)
    for name in ("dicom", "5"):
        d("PUT", f"{base}/{name}", content=b"x")
    d("DELETE", f"{base}/dicom")
    d("DELETE", f"{base}/Report")
    d("DELETE", f"{base}/Report")
    d("PUT", f"/patients/{a['ParentPatient']}/attachments/Report", content=b"patient file", etag=True)
    d("GET", f"/patients/{a['ParentPatient']}/attachments")
    for level, public_id in (("patients", a["ParentPatient"]), ("studies", a["ParentStudy"]), ("series", a["ParentSeries"]), ("instances", a["ID"])):
        d("GET", f"/{level}/{public_id}/statistics")
    d("GET", "/changes?since=6")
    assert not d.differences, "\n".join(d.differences)


def test_changes_exports_and_protection_match_orthanc(differ):
    d, ids = differ
    patient = ids[0]["ParentPatient"]
    for query in ("", "?limit=2", "?since=2&limit=2", "?since=100", "?limit=0", "?since=abc", "?last"):
        d("GET", f"/changes{query}")
    d("GET", f"/patients/{patient}/protected")
    for body in (b"1", b"false", b"true", b"0", b"yes", b""):
        d("PUT", f"/patients/{patient}/protected", content=body)
        d("GET", f"/patients/{patient}/protected")
    d("GET", "/patients/unknown/protected")
    d("GET", f"/patients/{ids[0]['ParentStudy']}/protected")
    d("DELETE", "/changes")
    d("GET", "/changes")
    d("GET", "/changes?last")
    d("GET", "/exports")
    d("GET", "/exports?since=3&limit=1")
    d("DELETE", "/exports")
    assert not d.differences, "\n".join(d.differences)
