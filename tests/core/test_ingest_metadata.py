"""Differential: the metadata recorded on ingest are Orthanc 1.10.1's (same files, same requests)."""

from __future__ import annotations

import pytest

#: Values that differ between two servers by nature: the reception time.
VOLATILE = {"ReceptionDate", "LastUpdate"}

SAMPLES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "image_dfl.dcm", "MR_small_bigendian.dcm", "JPEG2000.dcm", "SC_rgb_rle.dcm"]


def _metadata(http, path: str) -> dict[str, str]:
    answer = http.get(f"{path}/metadata?expand")
    assert answer.status_code == 200, answer.text
    return {k: ("<time>" if k in VOLATILE else v) for k, v in answer.json().items()}


@pytest.mark.oracle
@pytest.mark.parametrize("name", SAMPLES)
def test_instance_metadata_match_orthanc(name, donjon_server, orthanc_oracle, dicom_samples):
    data = dicom_samples(name)
    ours, theirs = donjon_server(), orthanc_oracle()
    a = ours.http.post("/instances", content=data).json()
    b = theirs.http.post("/instances", content=data).json()
    assert a == b
    for path in (f"/instances/{a['ID']}", f"/series/{a['ParentSeries']}", f"/studies/{a['ParentStudy']}", f"/patients/{a['ParentPatient']}"):
        assert _metadata(ours.http, path) == _metadata(theirs.http, path), path


@pytest.mark.oracle
def test_expected_instances_and_completed_series_match_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    # ImagesInAcquisition x NumberOfTemporalPositions = 2: instances 1 and 2 complete the series.
    shared = {"PatientID": "P-EXPECTED", "StudyInstanceUID": "1.2.3.4", "SeriesInstanceUID": "1.2.3.4.5", "ImagesInAcquisition": 1, "NumberOfTemporalPositions": 2}
    files = [dicom_factory.bytes(InstanceNumber=n, **shared) for n in (1, 2)]
    ours, theirs = donjon_server(), orthanc_oracle()
    for data in files:
        assert ours.http.post("/instances", content=data).json() == theirs.http.post("/instances", content=data).json()
    series = ours.http.get("/series").json()[0]
    a, b = ours.http.get(f"/series/{series}").json(), theirs.http.get(f"/series/{series}").json()
    assert a["ExpectedNumberOfInstances"] == b["ExpectedNumberOfInstances"] == 2
    assert a["Status"] == b["Status"] == "Complete"
    assert _metadata(ours.http, f"/series/{series}") == _metadata(theirs.http, f"/series/{series}")

    def kinds(http):
        return [(c["ChangeType"], c["ID"]) for c in http.get("/changes?limit=100").json()["Changes"]]

    assert kinds(ours.http) == kinds(theirs.http)
    assert ("CompletedSeries", series) in kinds(ours.http)


@pytest.mark.oracle
def test_out_of_range_index_makes_an_inconsistent_series_like_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    shared = {"PatientID": "P-BAD", "StudyInstanceUID": "1.2.3.6", "SeriesInstanceUID": "1.2.3.6.7", "CardiacNumberOfImages": 2}
    files = [dicom_factory.bytes(InstanceNumber=n, **shared) for n in (1, 5)]
    ours, theirs = donjon_server(), orthanc_oracle()
    for data in files:
        ours.http.post("/instances", content=data)
        theirs.http.post("/instances", content=data)
    series = ours.http.get("/series").json()[0]
    assert ours.http.get(f"/series/{series}").json()["Status"] == theirs.http.get(f"/series/{series}").json()["Status"] == "Inconsistent"


def test_dicom_origin_records_the_peer(donjon_server, dicom_factory, dcmtk, tmp_path):
    srv = donjon_server()
    path = tmp_path / "ct.dcm"
    path.write_bytes(dicom_factory.bytes())
    result = dcmtk.store(srv.dicom_port, [path], aet="MODALITY1", called=srv.aet)
    assert result.returncode == 0, result.stderr
    instance = srv.http.get("/instances").json()[0]
    metadata = srv.http.get(f"/instances/{instance}/metadata?expand").json()
    assert metadata["Origin"] == "DicomProtocol"
    assert metadata["RemoteAET"] == "MODALITY1"
    assert metadata["CalledAET"] == srv.aet
    assert metadata["RemoteIP"] == "127.0.0.1"
    assert "HttpUsername" not in metadata
    series = srv.http.get(f"/instances/{instance}/series").json()["ID"]
    assert srv.http.get(f"/series/{series}/metadata/RemoteAET").text == "MODALITY1"


def test_database_server_identifier_is_set_once_and_kept(donjon_server):
    srv = donjon_server()
    first = srv.http.get("/system").json()["DatabaseServerIdentifier"]
    assert first
    srv.restart()
    assert srv.http.get("/system").json()["DatabaseServerIdentifier"] == first
