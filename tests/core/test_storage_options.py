"""Storage options: StorageCompression, StoreMD5ForAttachments, StoreDicom, OverwriteInstances, SyncStorageArea."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest


def _stored_file(srv, uuid: str) -> Path:
    return Path(srv.config["StorageDirectory"]) / uuid[:2] / uuid[2:4] / uuid


def test_compressed_file_has_orthanc_size_prefix_on_disk(donjon_server, dicom_factory):
    srv = donjon_server({"StorageCompression": True})
    data = dicom_factory.bytes(rows=64, columns=64)
    instance = srv.http.post("/instances", content=data).json()["ID"]
    info = srv.http.get(f"/instances/{instance}/attachments/dicom/info").json()
    raw = _stored_file(srv, info["Uuid"]).read_bytes()
    assert struct.unpack("<Q", raw[:8])[0] == len(data)
    assert zlib.decompress(raw[8:]) == data
    assert info["CompressedSize"] == len(raw) < len(data) == info["UncompressedSize"]
    assert info["UncompressedMD5"] == hashlib.md5(data).hexdigest()
    assert info["CompressedMD5"] == hashlib.md5(raw).hexdigest()
    # The API gives the file back as received.
    assert srv.http.get(f"/instances/{instance}/file").content == data


@pytest.mark.oracle
def test_compression_attachments_and_statistics_match_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    data = dicom_factory.bytes(rows=64, columns=64)
    ours, theirs = donjon_server({"StorageCompression": True}), orthanc_oracle({"StorageCompression": True})
    instance = ours.http.post("/instances", content=data).json()["ID"]
    theirs.http.post("/instances", content=data)
    # Orthanc keeps the header alone (dicom-until-pixel-data) beside a compressed file.
    assert ours.http.get(f"/instances/{instance}/attachments").json() == theirs.http.get(f"/instances/{instance}/attachments").json()
    for name in ("dicom", "dicom-until-pixel-data"):
        a = ours.http.get(f"/instances/{instance}/attachments/{name}/info").json()
        b = theirs.http.get(f"/instances/{instance}/attachments/{name}/info").json()
        for key in ("ContentType", "UncompressedSize", "UncompressedMD5"):
            assert a[key] == b[key], (name, key)
    a, b = ours.http.get("/statistics").json(), theirs.http.get("/statistics").json()
    assert a["TotalUncompressedSize"] == b["TotalUncompressedSize"]
    assert int(a["TotalDiskSize"]) < int(a["TotalUncompressedSize"])


def test_md5_can_be_switched_off(donjon_server, dicom_factory):
    srv = donjon_server({"StoreMD5ForAttachments": False})
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    info = srv.http.get(f"/instances/{instance}/attachments/dicom/info").json()
    assert info["UncompressedMD5"] == info["CompressedMD5"] == ""


def test_store_dicom_false_indexes_without_writing_the_file(donjon_server, dicom_factory):
    srv = donjon_server({"StoreDicom": False})
    data = dicom_factory.bytes(rows=32, columns=32)
    answer = srv.http.post("/instances", content=data).json()
    assert answer["Status"] == "Success"
    assert [p for p in Path(srv.config["StorageDirectory"]).rglob("*") if p.is_file() and p.name != "index" and not p.name.startswith("index")] == []
    # The attachment is recorded (sizes, MD5) as in Orthanc's index-only mode...
    info = srv.http.get(f"/instances/{answer['ID']}/attachments/dicom/info").json()
    assert info["UncompressedSize"] == len(data)
    assert srv.http.get("/statistics").json()["TotalDiskSize"] == str(len(data))
    # ...but the file cannot be read back: Orthanc 1.10.1 answers 404 Unknown resource.
    answer = srv.http.get(f"/instances/{answer['ID']}/file")
    assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17
    # A restart reports no missing file for what was never meant to be stored.
    srv.restart()
    assert srv.server.consistency.missing_files == []


def test_overwrite_replaces_file_tags_and_metadata(donjon_server, dicom_factory):
    srv = donjon_server({"OverwriteInstances": True})
    ds = dicom_factory.dataset(PatientID="OVR", StudyDescription="first", InstanceNumber=1)
    first = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()
    old_uuid = srv.http.get(f"/instances/{first['ID']}/attachments/dicom/info").json()["Uuid"]
    ds.StudyDescription = "second"
    ds.InstanceNumber = 7
    data = dicom_factory.encode(ds)
    second = srv.http.post("/instances", content=data).json()
    assert second == first  # same IDs, Status Success (Orthanc 1.10.1)
    assert srv.http.get(f"/instances/{first['ID']}/file").content == data
    assert srv.http.get(f"/studies/{first['ParentStudy']}").json()["MainDicomTags"]["StudyDescription"] == "second"
    assert srv.http.get(f"/instances/{first['ID']}/metadata/IndexInSeries").text == "7"
    assert not _stored_file(srv, old_uuid).exists()
    assert srv.http.get("/statistics").json()["CountInstances"] == 1
    # The re-created parents wait for their stable change again.
    assert srv.http.get(f"/series/{first['ParentSeries']}").json()["IsStable"] is False


@pytest.mark.oracle
def test_overwrite_answers_like_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    ds = dicom_factory.dataset(PatientID="OVR2", StudyDescription="first")
    ours, theirs = donjon_server({"OverwriteInstances": True}), orthanc_oracle({"OverwriteInstances": True})
    for description in ("first", "second"):
        ds.StudyDescription = description
        data = dicom_factory.encode(ds)
        assert ours.http.post("/instances", content=data).json() == theirs.http.post("/instances", content=data).json()
    study = ours.http.get("/studies").json()[0]
    assert ours.http.get(f"/studies/{study}").json()["MainDicomTags"] == theirs.http.get(f"/studies/{study}").json()["MainDicomTags"]


def test_without_overwrite_the_first_file_stays(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(StudyDescription="first")
    first = dicom_factory.encode(ds)
    instance = srv.http.post("/instances", content=first).json()["ID"]
    ds.StudyDescription = "second"
    assert srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["Status"] == "AlreadyStored"
    assert srv.http.get(f"/instances/{instance}/file").content == first
    assert len(list(Path(srv.config["StorageDirectory"]).glob("??/??/*"))) == 1


@pytest.mark.parametrize("sync", [True, False])
def test_sync_storage_area_reaches_the_storage(donjon_server, dicom_factory, sync):
    srv = donjon_server({"SyncStorageArea": sync})
    assert srv.server.storage.sync is sync
    data = dicom_factory.bytes()
    instance = srv.http.post("/instances", content=data).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/file").content == data
