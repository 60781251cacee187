"""Storing over REST: the answers of POST /instances and the resources it creates."""

from __future__ import annotations

import io
import zipfile

from donjon.ids import hash_identifiers


def test_post_instance_answers_orthanc_ids(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(PatientID="P1")
    answer = srv.http.post("/instances", content=dicom_factory.encode(ds))
    assert answer.status_code == 200
    body = answer.json()
    assert body["Status"] == "Success"
    assert body["ParentPatient"] == hash_identifiers("P1")
    assert body["ParentStudy"] == hash_identifiers("P1", ds.StudyInstanceUID)
    assert body["ID"] == hash_identifiers("P1", ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert body["Path"] == f"/instances/{body['ID']}"


def test_second_upload_is_already_stored(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes()
    assert srv.http.post("/instances", content=data).json()["Status"] == "Success"
    assert srv.http.post("/instances", content=data).json()["Status"] == "AlreadyStored"
    assert len(srv.http.get("/instances").json()) == 1


def test_file_is_stored_as_received(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes()
    instance = srv.http.post("/instances", content=data).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/file").content == data


def test_non_dicom_body_is_a_bad_file_format(donjon_server):
    srv = donjon_server()
    answer = srv.http.post("/instances", content=b"this is not DICOM")
    assert answer.status_code == 400
    body = answer.json()
    assert body["OrthancStatus"] == 15
    assert body["OrthancError"] == "Bad file format"
    assert body["Method"] == "POST" and body["Uri"] == "/instances"
    assert srv.http.get("/instances").json() == []


def test_zip_upload_stores_every_member(donjon_server, dicom_factory):
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i, data in enumerate(files):
            archive.writestr(f"f{i}.dcm", data)
        archive.writestr("README.txt", "not dicom")
    answer = srv.http.post("/instances", content=buffer.getvalue())
    assert answer.status_code == 200
    assert [a["Status"] for a in answer.json()] == ["Success"] * 4
    assert len(srv.http.get("/series").json()) == 2


def test_study_lists_its_series_and_patient_tags(donjon_server, dicom_factory):
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=1, PatientName="DOE^JANE")
    answers = [srv.http.post("/instances", content=f).json() for f in files]
    study = srv.http.get(f"/studies/{answers[0]['ParentStudy']}").json()
    assert study["Type"] == "Study"
    assert sorted(study["Series"]) == sorted({a["ParentSeries"] for a in answers})
    assert study["PatientMainDicomTags"]["PatientName"] == "DOE^JANE"
    assert "PatientName" not in study["MainDicomTags"]


def test_delete_instance_removes_empty_parents(donjon_server, dicom_factory):
    srv = donjon_server()
    answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    deleted = srv.http.delete(f"/instances/{answer['ID']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"RemainingAncestor": None}
    assert srv.http.get("/patients").json() == []
    assert srv.http.get(f"/instances/{answer['ID']}").status_code == 404


def test_file_without_sop_instance_uid_is_refused_and_nothing_is_written(donjon_server, dicom_factory):
    from pathlib import Path

    srv = donjon_server()
    ds = dicom_factory.dataset()
    del ds.SOPInstanceUID
    answer = srv.http.post("/instances", content=dicom_factory.encode(ds))
    assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 21  # Orthanc: "Inexistent tag"
    assert "SOPInstanceUID" in answer.json()["Details"]
    assert srv.http.get("/instances").json() == []
    assert not list(Path(srv.config["StorageDirectory"]).glob("??/??/*"))


def test_truncated_header_is_a_bad_file_format(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes()
    answer = srv.http.post("/instances", content=data[:300])
    assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 15
    assert srv.http.get("/instances").json() == []


def test_rest_upload_records_ip_and_user_metadata(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    metadata = srv.http.get(f"/instances/{instance}/metadata?expand").json()
    assert metadata["Origin"] == "RestApi" and metadata["RemoteIP"] == "127.0.0.1"
    assert metadata["HttpUsername"] == "" and metadata["RemoteAET"] == ""
    assert "CalledAET" not in metadata


def test_file_is_stored_as_received_even_with_odd_encodings(donjon_server, dicom_samples):
    srv = donjon_server()
    for name in ("MR_small_bigendian.dcm", "image_dfl.dcm", "rtplan.dcm"):
        data = dicom_samples(name)
        instance = srv.http.post("/instances", content=data).json()["ID"]
        assert srv.http.get(f"/instances/{instance}/file").content == data, name


def test_truncated_pixel_data_is_refused_like_orthanc(donjon_server, dicom_samples):
    # DCMTK reads the whole file in Orthanc; Donjon checks the pixel data element's extent.
    srv = donjon_server()
    for name in ("MR_truncated.dcm", "SC_rgb_jpeg.dcm"):
        answer = srv.http.post("/instances", content=dicom_samples(name))
        assert answer.status_code == 400 and answer.json()["OrthancStatus"] == 15, name
        assert "truncated" in answer.json()["Details"]
    assert srv.http.get("/instances").json() == []
