"""``/patients``, ``/studies``, ``/series``, ``/instances``: since/limit/expand and the child/parent routes."""

from __future__ import annotations

import pytest


@pytest.fixture
def two_patients(donjon_server, dicom_factory):
    """Patient A: 1 study, 2 series of 2 instances; patient B: 1 instance. Returns (server, answers)."""
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=2, PatientID="A") + [dicom_factory.bytes(PatientID="B")]
    answers = [srv.http.post("/instances", content=f).json() for f in files]
    return srv, answers


def test_listing_is_in_storage_order(two_patients):
    srv, answers = two_patients
    assert srv.http.get("/instances").json() == [a["ID"] for a in answers]
    assert srv.http.get("/patients").json() == [answers[0]["ParentPatient"], answers[4]["ParentPatient"]]


def test_since_and_limit_page_the_listing(two_patients):
    srv, answers = two_patients
    ids = [a["ID"] for a in answers]
    assert srv.http.get("/instances?since=1&limit=2").json() == ids[1:3]
    assert srv.http.get("/instances?since=4&limit=10").json() == ids[4:]
    assert srv.http.get("/instances?since=0&limit=0").json() == []
    assert srv.http.get("/instances?since=0&limit=-1").json() == ids  # Orthanc's unsigned wrap-around
    assert srv.http.get("/instances?since=9&limit=1").json() == []


@pytest.mark.parametrize("query,missing", [("limit=1", "since"), ("since=1", "limit")])
def test_since_and_limit_go_together(two_patients, query, missing):
    srv, _ = two_patients
    answer = srv.http.get(f"/patients?{query}")
    assert answer.status_code == 400
    body = answer.json()
    assert body["OrthancStatus"] == 8 and body["Details"] == f'Missing "{missing}" argument for GET request against: /patients/'


def test_non_numeric_since_is_a_bad_parameter_type(two_patients):
    srv, _ = two_patients
    answer = srv.http.get("/patients?since=abc&limit=1")
    assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 5


def test_expand_lists_full_resources(two_patients):
    srv, answers = two_patients
    expanded = srv.http.get("/patients?expand").json()
    assert [p["ID"] for p in expanded] == srv.http.get("/patients").json()
    assert expanded[0]["Type"] == "Patient" and expanded[0]["MainDicomTags"]["PatientID"] == "A"
    assert srv.http.get("/patients?expand=false").json() == srv.http.get("/patients").json()
    page = srv.http.get("/series?expand&since=1&limit=1").json()
    assert len(page) == 1 and page[0]["Type"] == "Series"


def test_short_and_full_tag_formats(two_patients):
    srv, _ = two_patients
    short = srv.http.get("/patients?expand&short").json()[0]["MainDicomTags"]
    assert short["0010,0020"] == "A"
    full = srv.http.get("/patients?expand&full").json()[0]["MainDicomTags"]
    assert full["0010,0020"] == {"Name": "PatientID", "Type": "String", "Value": "A"}


def test_children_are_expanded_by_default(two_patients):
    srv, answers = two_patients
    a = answers[0]
    studies = srv.http.get(f"/patients/{a['ParentPatient']}/studies").json()
    assert [s["ID"] for s in studies] == [a["ParentStudy"]] and studies[0]["Type"] == "Study"
    instances = srv.http.get(f"/patients/{a['ParentPatient']}/instances?expand=false").json()
    # Orthanc's order: the children of the last series first (GetChildResources splices at the front).
    assert instances == [x["ID"] for x in answers[2:4] + answers[0:2]]
    series = srv.http.get(f"/studies/{a['ParentStudy']}/series?expand=false").json()
    assert series == list(dict.fromkeys(x["ParentSeries"] for x in answers[:4]))
    assert srv.http.get(f"/series/{a['ParentSeries']}/instances?short").json()[0]["ID"] == a["ID"]


def test_parents_are_reached_from_any_level(two_patients):
    srv, answers = two_patients
    a = answers[0]
    assert srv.http.get(f"/instances/{a['ID']}/patient").json()["ID"] == a["ParentPatient"]
    assert srv.http.get(f"/instances/{a['ID']}/study").json()["ID"] == a["ParentStudy"]
    assert srv.http.get(f"/instances/{a['ID']}/series").json()["ID"] == a["ParentSeries"]
    assert srv.http.get(f"/series/{a['ParentSeries']}/patient").json()["ID"] == a["ParentPatient"]
    assert srv.http.get(f"/studies/{a['ParentStudy']}/patient?short").json()["MainDicomTags"]["0010,0020"] == "A"


def test_unknown_ids_are_unknown_resource(two_patients):
    srv, _ = two_patients
    for url in ("/patients/nope/studies", "/instances/nope/patient", "/series/nope/instances"):
        answer = srv.http.get(url)
        assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17, url


def test_unknown_or_wrong_level_resource_is_a_bare_404(two_patients):
    srv, answers = two_patients
    a = answers[0]
    for url in ("/patients/nope", f"/patients/{a['ParentSeries']}", f"/instances/{a['ParentPatient']}"):
        assert (srv.http.get(url).status_code, srv.http.get(url).content) == (404, b""), url
    assert (srv.http.delete(f"/patients/{a['ParentSeries']}").status_code, srv.http.delete("/patients/nope").content) == (404, b"")
    assert a["ParentSeries"] in srv.http.get("/series").json()


def test_wrong_level_ids_follow_orthanc(two_patients):
    srv, answers = two_patients
    a = answers[0]
    # Walking down from a study where a series is expected lands on series, not instances: [].
    assert srv.http.get(f"/series/{a['ParentStudy']}/instances").json() == []
    assert srv.http.get(f"/studies/{a['ParentPatient']}/series").json() == []
    # Walking down from an instance is a bad parameter type.
    below = srv.http.get(f"/studies/{a['ID']}/instances")
    assert below.status_code == 400 and below.json()["OrthancStatus"] == 5
    # Walking up too far or to the wrong level: a bare 404.
    for url in (f"/instances/{a['ParentSeries']}/patient", f"/instances/{a['ParentStudy']}/series"):
        answer = srv.http.get(url)
        assert answer.status_code == 404 and answer.content == b"", url


def test_statistics_per_level(two_patients):
    srv, answers = two_patients
    a = answers[0]
    sizes = [int(srv.http.get(f"/instances/{x['ID']}/attachments/dicom/size").text) for x in answers[:4]]
    patient = srv.http.get(f"/patients/{a['ParentPatient']}/statistics").json()
    assert patient == {
        "CountInstances": 4, "CountSeries": 2, "CountStudies": 1,
        "DicomDiskSize": str(sum(sizes)), "DicomDiskSizeMB": 0,
        "DicomUncompressedSize": str(sum(sizes)), "DicomUncompressedSizeMB": 0,
        "DiskSize": str(sum(sizes)), "DiskSizeMB": 0,
        "UncompressedSize": str(sum(sizes)), "UncompressedSizeMB": 0,
    }
    study = srv.http.get(f"/studies/{a['ParentStudy']}/statistics").json()
    assert study["CountSeries"] == 2 and "CountStudies" not in study
    series = srv.http.get(f"/series/{a['ParentSeries']}/statistics").json()
    assert series["CountInstances"] == 2 and "CountSeries" not in series
    instance = srv.http.get(f"/instances/{a['ID']}/statistics").json()
    assert "CountInstances" not in instance and instance["DiskSize"] == str(sizes[0])
    assert srv.http.get("/patients/nope/statistics").json()["OrthancStatus"] == 17


def test_statistics_count_user_attachments_apart_from_dicom(donjon_server, dicom_factory):
    srv = donjon_server({"UserContentType": {"Report": 1024}, "StorageCompression": True})
    a = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    srv.http.put(f"/studies/{a['ParentStudy']}/attachments/Report", content=b"R" * 5000)
    stats = srv.http.get(f"/patients/{a['ParentPatient']}/statistics").json()
    base = f"/instances/{a['ID']}/attachments"
    infos = [srv.http.get(f"{base}/{name}/info").json() for name in srv.http.get(base).json()]
    infos.append(srv.http.get(f"/studies/{a['ParentStudy']}/attachments/Report/info").json())
    dicom = next(i for i in infos if i["ContentType"] == 1)
    assert stats["DicomDiskSize"] == str(dicom["CompressedSize"])
    assert stats["DicomUncompressedSize"] == str(dicom["UncompressedSize"])
    assert stats["DiskSize"] == str(sum(i["CompressedSize"] for i in infos))
    assert stats["UncompressedSize"] == str(sum(i["UncompressedSize"] for i in infos))
    assert int(stats["DiskSize"]) < int(stats["UncompressedSize"])
