"""Differential tests: Donjon's DICOMweb plugin beside Orthanc 1.10.1 with its DICOMweb plugin (1.7).

Same files into both, same requests, compared answers. Normalised, and only these:
the host and port in absolute URLs (RetrieveURL, BulkDataURI) and the order of the
answers, which neither server promises (QIDO answers are sorted by UID here).
"""

from __future__ import annotations

import os
import re
from typing import Any

import pydicom
import pytest
from pydicom.data import get_testdata_file

from dicomweb_helpers import ORTHANC_DICOMWEB
from donjon_sdk.testing import DicomFactory, start_server
from donjon_sdk.testing.oracle import orthanc_binary, start_orthanc

import donjon_dicomweb.plugin as dicomweb_plugin

pytestmark = pytest.mark.skipif(not os.path.exists(ORTHANC_DICOMWEB), reason="orthanc-dicomweb is not installed (scripts/install-test-deps.sh)")

#: pydicom samples in explicit VR (an implicit-VR file's private tags get DCMTK's VRs in Orthanc).
SAMPLES = [
    "CT_small.dcm",
    "MR_small.dcm",
    "JPEG2000.dcm",
    "SC_rgb_rle_2frame.dcm",
    "examples_overlay.dcm",
    "examples_palette.dcm",
    "reportsi.dcm",
    "test-SR.dcm",
    "waveform_ecg.dcm",
    "liver_1frame.dcm",
    "image_dfl.dcm",
    "693_J2KI.dcm",
    "SC_rgb_gdcm_KY.dcm",
]
_URL = re.compile(r"http://127\.0\.0\.1:\d+/dicom-web")


def _samples() -> list[bytes]:
    out = []
    for name in SAMPLES:
        path = get_testdata_file(name)
        if path is not None:
            out.append(open(path, "rb").read())
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str):
        return _URL.sub("BASE", value)
    return value


def _sorted(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(answer: dict[str, Any]) -> tuple[str, ...]:
        return tuple(answer.get(t, {}).get("Value", [""])[0] for t in ("0020000D", "0020000E", "00080018"))

    return sorted((_normal(a) for a in answers), key=key)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """Donjon and Orthanc holding the same files: two synthetic studies and pydicom samples.

    Module-scoped (the tests only read, except the STOW test which adds to both alike).
    """
    if orthanc_binary() is None:
        pytest.skip("Debian's Orthanc is not installed")
    folder = tmp_path_factory.mktemp("dicomweb-oracle")
    srv = start_server(folder / "donjon", plugins=[dicomweb_plugin])
    oracle = start_orthanc(folder / "orthanc", plugins=[ORTHANC_DICOMWEB])
    try:
        factory = DicomFactory()
        files = factory.study(series=3, instances=2, PatientName="Doe^John", PatientID="P1")
        files += factory.study(series=1, instances=3, PatientName="SMITH^ANNA", PatientID="P2", StudyDate="20190301", Modality="MR")
        files += _samples()
        for data in files:
            assert srv.http.post("/instances", content=data).status_code == 200
            assert oracle.http.post("/instances", content=data).status_code == 200
        yield srv, oracle, files
    finally:
        srv.close()
        oracle.stop()


QIDO_QUERIES = [
    "studies",
    "series",
    "instances",
    "studies?PatientName=doe*",
    "studies?PatientName=DOE*&fuzzymatching=true",
    "studies?PatientID=P2",
    "studies?00100020=P1",
    "studies?StudyDate=20180101-20201231",
    "studies?StudyDate=-20100101",
    "series?Modality=MR",
    "studies?ModalitiesInStudy=MR",
    "studies?limit=2",
    "studies?limit=2&offset=1",
    "instances?limit=3&offset=2",
    "instances?SliceThickness=5",
    "studies?foo=bar",
    "studies?includefield=00081030",
    "series?includefield=SeriesDate,00080021",
    "instances?includefield=ImageType&Modality=CT",
]


@pytest.mark.parametrize("query", QIDO_QUERIES)
def test_qido_answers_as_orthanc(both, query):
    srv, oracle, _ = both
    ours = srv.http.get(f"/dicom-web/{query}", headers={"Accept": "application/dicom+json"})
    theirs = oracle.http.get(f"/dicom-web/{query}", headers={"Accept": "application/dicom+json"})
    assert ours.status_code == theirs.status_code == 200
    assert ours.headers["content-type"].startswith("application/dicom+json")
    if query.startswith("studies?limit"):
        # Which studies a page holds follows each server's internal order (Orthanc's is not
        # the order of arrival for studies): same count, each answer one of the full listing.
        everything = _sorted(oracle.http.get("/dicom-web/studies").json())
        assert len(ours.json()) == len(theirs.json())
        assert all(answer in everything for answer in _sorted(ours.json()))
        return
    assert _sorted(ours.json()) == _sorted(theirs.json())


def test_nested_qido_answers_as_orthanc(both):
    srv, oracle, files = both
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    first = pydicom.dcmread(__import__("io").BytesIO(files[0]))
    for query in (
        f"studies/{ds.StudyInstanceUID}/series",
        f"studies/{ds.StudyInstanceUID}/instances",
        f"studies/{first.StudyInstanceUID}/series",
        f"studies/{first.StudyInstanceUID}/series/{first.SeriesInstanceUID}/instances",
        "studies/1.2.3.4.5/series",
    ):
        ours = srv.http.get(f"/dicom-web/{query}")
        theirs = oracle.http.get(f"/dicom-web/{query}")
        assert ours.status_code == theirs.status_code, query
        assert _sorted(ours.json()) == _sorted(theirs.json()), query


@pytest.mark.parametrize("name", SAMPLES)
def test_instance_metadata_as_orthanc(both, name):
    srv, oracle, _ = both
    path = get_testdata_file(name)
    if path is None:
        pytest.skip(f"pydicom has no {name} here")
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    url = f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}/metadata"
    ours, theirs = srv.http.get(url), oracle.http.get(url)
    assert ours.status_code == theirs.status_code == 200
    assert _normal(ours.json()) == _normal(theirs.json())


def test_series_and_study_metadata_as_orthanc(both):
    srv, oracle, files = both
    first = pydicom.dcmread(__import__("io").BytesIO(files[0]))
    for url in (
        f"/dicom-web/studies/{first.StudyInstanceUID}/metadata",
        f"/dicom-web/studies/{first.StudyInstanceUID}/series/{first.SeriesInstanceUID}/metadata",
    ):
        ours, theirs = srv.http.get(url), oracle.http.get(url)
        assert ours.status_code == theirs.status_code == 200
        assert _sorted(ours.json()) == _sorted(theirs.json())


def test_unknown_study_is_404_as_orthanc(both):
    srv, oracle, _ = both
    for url in ("/dicom-web/studies/1.2.3/metadata", "/dicom-web/studies/1.2.3"):
        ours, theirs = srv.http.get(url), oracle.http.get(url)
        assert ours.status_code == theirs.status_code == 404
        assert ours.json()["OrthancStatus"] == theirs.json()["OrthancStatus"]


def test_stow_answer_as_orthanc(both):
    from dicomweb_helpers import multipart, stow_type

    srv, oracle, _ = both
    factory = DicomFactory()
    good = factory.bytes()
    other = factory.bytes(StudyInstanceUID="1.2.3.4")
    cases = [
        ("/dicom-web/studies", multipart([good, b"not dicom"])),
        ("/dicom-web/studies/1.2.3.4", multipart([good, other])),
        ("/dicom-web/studies", multipart([good])),
    ]
    for url, body in cases:
        ours = srv.http.post(url, content=body, headers={"Content-Type": stow_type()})
        theirs = oracle.http.post(url, content=body, headers={"Content-Type": stow_type()})
        assert ours.status_code == theirs.status_code, url
        assert _normal(ours.json()) == _normal(theirs.json()), url

