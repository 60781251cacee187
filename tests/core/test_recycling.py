"""MaximumPatientCount / MaximumStorageSize: recycling of the least recently updated unprotected patients."""

from __future__ import annotations

from pathlib import Path

import pytest

from donjon_sdk import ChangeType


def _store(srv, dicom_factory, patient: str, **kwargs) -> dict:
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID=patient, **kwargs))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _patients(srv) -> set[str]:
    return set(srv.http.get("/patients").json())


def _files(srv) -> set[str]:
    return {p.name for p in Path(srv.config["StorageDirectory"]).glob("??/??/*")}


def test_oldest_patient_is_recycled_with_its_files(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 2})
    p1 = _store(srv, dicom_factory, "P1")
    uuid1 = srv.http.get(f"/instances/{p1['ID']}/attachments/dicom/info").json()["Uuid"]
    p2 = _store(srv, dicom_factory, "P2")
    p3 = _store(srv, dicom_factory, "P3")
    assert _patients(srv) == {p2["ParentPatient"], p3["ParentPatient"]}
    assert uuid1 not in _files(srv)
    # Plugins hear one Deleted change per recycled resource; /changes forgets them (Orthanc 1.10).
    recycled = {p1["ParentPatient"], p1["ParentStudy"], p1["ParentSeries"], p1["ID"]}
    for public_id in recycled:
        srv.events.wait_for(lambda e, i=public_id: getattr(e, "change_type", None) == ChangeType.Deleted and e.resource_id == i)
    logged = {c["ID"] for c in srv.http.get("/changes?limit=100").json()["Changes"]}
    assert not logged & recycled


def test_new_instance_makes_a_patient_recent(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 2})
    p1 = _store(srv, dicom_factory, "P1")
    p2 = _store(srv, dicom_factory, "P2")
    _store(srv, dicom_factory, "P1")  # P1 is now the most recently updated
    p3 = _store(srv, dicom_factory, "P3")
    assert _patients(srv) == {p1["ParentPatient"], p3["ParentPatient"]}
    assert p2["ParentPatient"] not in _patients(srv)


def test_protected_patient_is_never_recycled(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 2})
    p1 = _store(srv, dicom_factory, "P1")
    p2 = _store(srv, dicom_factory, "P2")
    assert srv.http.put(f"/patients/{p1['ParentPatient']}/protected", content="1").status_code == 200
    p3 = _store(srv, dicom_factory, "P3")
    assert _patients(srv) == {p1["ParentPatient"], p3["ParentPatient"]}
    assert p2["ParentPatient"] not in _patients(srv)


def test_storage_size_limit_recycles_until_the_instance_fits(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumStorageSize": 1})  # MB; each file is ~0.4 MB
    answers = [_store(srv, dicom_factory, f"S{i}", rows=448, columns=448) for i in range(4)]
    kept = _patients(srv)
    assert kept == {answers[2]["ParentPatient"], answers[3]["ParentPatient"]}
    assert int(srv.http.get("/statistics").json()["TotalDiskSize"]) <= 1024 * 1024


def test_full_storage_when_every_other_patient_is_protected(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 1})
    p1 = _store(srv, dicom_factory, "P1")
    srv.http.put(f"/patients/{p1['ParentPatient']}/protected", content="1")
    files_before = _files(srv)
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="P2"))
    assert answer.status_code == 500
    body = answer.json()
    assert body["OrthancStatus"] == 19 and body["OrthancError"] == "The file storage is full"
    assert _patients(srv) == {p1["ParentPatient"]}
    assert _files(srv) == files_before  # the refused file was removed
    # The patient already stored may still grow.
    assert _store(srv, dicom_factory, "P1")["Status"] == "Success"


@pytest.mark.oracle
def test_full_storage_answer_matches_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    first, second = dicom_factory.bytes(PatientID="F1"), dicom_factory.bytes(PatientID="F2")
    answers = []
    for srv in (donjon_server({"MaximumPatientCount": 1}), orthanc_oracle({"MaximumPatientCount": 1})):
        patient = srv.http.post("/instances", content=first).json()["ParentPatient"]
        srv.http.put(f"/patients/{patient}/protected", content="1")
        answer = srv.http.post("/instances", content=second)
        body = answer.json()
        answers.append((answer.status_code, body["OrthancStatus"], body["HttpStatus"], body["Message"]))
        assert len(srv.http.get("/instances").json()) == 1
    assert answers[0] == answers[1]


def test_reject_mode_refuses_and_deletes_nothing(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPatientCount": 1, "MaximumStorageMode": "Reject"})
    p1 = _store(srv, dicom_factory, "P1")
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="P2"))
    assert answer.status_code == 500 and answer.json()["OrthancStatus"] == 19
    assert "MaximumPatientCount" in answer.json()["Details"]
    assert _patients(srv) == {p1["ParentPatient"]}
    assert len(_files(srv)) == 1
    assert _store(srv, dicom_factory, "P1")["Status"] == "Success"


def test_refused_cstore_answers_out_of_resources(donjon_server, dicom_factory, dcmtk, tmp_path):
    srv = donjon_server({"MaximumPatientCount": 1, "MaximumStorageMode": "Reject"})
    _store(srv, dicom_factory, "P1")
    path = tmp_path / "p2.dcm"
    path.write_bytes(dicom_factory.bytes(PatientID="P2"))
    result = dcmtk.store(srv.dicom_port, [path], called=srv.aet, extra=("-v",))
    assert "Refused: OutOfResources" in result.stdout + result.stderr  # 0xA700
    assert len(srv.http.get("/patients").json()) == 1
