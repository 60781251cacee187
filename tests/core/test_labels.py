"""Labels (Orthanc 1.12) and patient protection over REST."""

from __future__ import annotations

import pytest


@pytest.fixture
def stored(donjon_server, dicom_factory):
    srv = donjon_server()
    answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    return srv, answer


@pytest.mark.parametrize("level,key", [("patients", "ParentPatient"), ("studies", "ParentStudy"), ("series", "ParentSeries"), ("instances", "ID")])
def test_labels_are_added_listed_and_removed(stored, level, key):
    srv, a = stored
    base = f"/{level}/{a[key]}/labels"
    assert srv.http.get(base).json() == []
    assert srv.http.put(f"{base}/zeta", content=b"").status_code == 200
    assert srv.http.put(f"{base}/alpha_1", content=b"").status_code == 200
    assert srv.http.put(f"{base}/alpha_1", content=b"").status_code == 200  # idempotent
    assert srv.http.get(base).json() == ["alpha_1", "zeta"]
    assert srv.http.get(f"/{level}/{a[key]}").json()["Labels"] == ["alpha_1", "zeta"]
    present = srv.http.get(f"{base}/zeta")
    assert present.status_code == 200 and present.content == b""
    assert srv.http.delete(f"{base}/zeta").status_code == 200
    absent = srv.http.get(f"{base}/zeta")
    assert absent.status_code == 404 and absent.content == b""
    assert srv.http.get(base).json() == ["alpha_1"]


def test_tools_labels_lists_every_label_once(stored):
    srv, a = stored
    srv.http.put(f"/studies/{a['ParentStudy']}/labels/b", content=b"")
    srv.http.put(f"/series/{a['ParentSeries']}/labels/b", content=b"")
    srv.http.put(f"/instances/{a['ID']}/labels/a-1", content=b"")
    assert srv.http.get("/tools/labels").json() == ["a-1", "b"]


@pytest.mark.parametrize("label", ["with space", "é", "a" * 65, "semi;colon"])
def test_invalid_label_is_parameter_out_of_range(stored, label):
    srv, a = stored
    answer = srv.http.put(f"/instances/{a['ID']}/labels/{label}", content=b"")
    assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 3
    assert srv.http.get("/tools/labels").json() == []


def test_labels_of_unknown_resource_are_404(stored):
    srv, a = stored
    assert srv.http.get("/patients/nope/labels").json()["OrthancStatus"] == 17
    assert srv.http.put(f"/patients/{a['ID']}/labels/x", content=b"").json()["OrthancStatus"] == 17


def test_labels_go_with_deleted_resources(stored):
    srv, a = stored
    srv.http.put(f"/instances/{a['ID']}/labels/gone", content=b"")
    srv.http.delete(f"/instances/{a['ID']}")
    assert srv.http.get("/tools/labels").json() == []


def test_patient_protection_round_trip(stored):
    srv, a = stored
    url = f"/patients/{a['ParentPatient']}/protected"
    assert srv.http.get(url).text == "0"
    for body, expected in ((b"1", "1"), (b"false", "0"), (b"true", "1"), (b" 0\n", "0")):
        answer = srv.http.put(url, content=body)
        assert answer.status_code == 200 and answer.content == b""
        assert srv.http.get(url).text == expected


@pytest.mark.parametrize("body", [b"yes", b"", b"2"])
def test_protection_needs_a_boolean(stored, body):
    srv, a = stored
    answer = srv.http.put(f"/patients/{a['ParentPatient']}/protected", content=body)
    assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 15


def test_protection_of_a_non_patient_is_parameter_out_of_range(stored):
    srv, a = stored
    for public_id in ("nope", a["ParentStudy"]):
        answer = srv.http.get(f"/patients/{public_id}/protected")
        assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 3


def test_protected_patient_is_not_recycled(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 1})
    first = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="A")).json()
    srv.http.put(f"/patients/{first['ParentPatient']}/protected", content=b"1")
    srv.http.post("/instances", content=dicom_factory.bytes(PatientID="B"))  # may be refused: nothing to recycle
    assert first["ParentPatient"] in srv.http.get("/patients").json()
    assert srv.http.get(f"/patients/{first['ParentPatient']}/protected").text == "1"


def test_patient_answers_show_protection(stored):
    srv, a = stored
    patient = a["ParentPatient"]
    assert srv.http.get(f"/patients/{patient}").json()["IsProtected"] is False
    srv.http.put(f"/patients/{patient}/protected", content=b"1")
    assert srv.http.get(f"/patients/{patient}").json()["IsProtected"] is True
    assert srv.http.get(f"/instances/{a['ID']}/patient").json()["IsProtected"] is True
    assert "IsProtected" not in srv.http.get(f"/studies/{a['ParentStudy']}").json()
