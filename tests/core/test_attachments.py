"""Attachments over REST: user files, the DICOM file, compression, MD5 checks, revisions, changes."""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import pytest

TYPES = {"UserContentType": {"Report": 1024, "Pdf": [1025, "application/pdf"]}}
OPS = ["compress", "compressed-data", "compressed-md5", "compressed-size", "data", "info", "is-compressed", "md5", "size", "uncompress", "verify-md5"]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture
def stored(donjon_server, dicom_factory):
    def make(**config):
        srv = donjon_server({**TYPES, **config})
        data = dicom_factory.bytes()
        answer = srv.http.post("/instances", content=data).json()
        return srv, answer, data

    return make


def _stored_file(srv, uuid: str) -> Path:
    """Orthanc's storage layout: ``xx/yy/uuid`` under the storage directory."""
    return Path(srv.config["StorageDirectory"]) / uuid[:2] / uuid[2:4] / uuid


def test_instance_lists_its_dicom_attachment(stored):
    srv, a, data = stored()
    base = f"/instances/{a['ID']}/attachments"
    assert srv.http.get(base).json() == ["dicom"]
    assert srv.http.get(f"{base}?full").json() == {"dicom": 1}
    assert srv.http.get(f"/series/{a['ParentSeries']}/attachments").json() == []
    ops = srv.http.get(f"{base}/dicom")
    assert ops.json() == OPS and ops.headers["etag"] == f'"0-{_md5(data)}"'
    assert srv.http.get(f"{base}/1").json() == OPS


def test_dicom_attachment_reads(stored):
    srv, a, data = stored()
    base = f"/instances/{a['ID']}/attachments/dicom"
    got = srv.http.get(f"{base}/data")
    assert got.content == data and got.headers["content-type"] == "application/dicom"
    assert srv.http.get(f"{base}/size").text == str(len(data))
    assert srv.http.get(f"{base}/compressed-size").text == str(len(data))
    assert srv.http.get(f"{base}/md5").text == _md5(data)
    assert srv.http.get(f"{base}/is-compressed").text == "0"
    info = srv.http.get(f"{base}/info").json()
    assert info["ContentType"] == 1 and info["UncompressedSize"] == len(data) and info["UncompressedMD5"] == _md5(data)
    assert set(info) == {"CompressedMD5", "CompressedSize", "ContentType", "UncompressedMD5", "UncompressedSize", "Uuid"}
    assert srv.http.post(f"{base}/verify-md5").json() == {}


def test_user_attachment_round_trip_with_mime_type(stored):
    srv, a, _ = stored()
    base = f"/patients/{a['ParentPatient']}/attachments"
    put = srv.http.put(f"{base}/Pdf", content=b"%PDF-1.4 report")
    assert put.status_code == 200 and put.json() == {} and put.headers["etag"] == f'"0-{_md5(b"%PDF-1.4 report")}"'
    data = srv.http.get(f"{base}/Pdf/data")
    assert data.content == b"%PDF-1.4 report" and data.headers["content-type"] == "application/pdf"
    srv.http.put(f"{base}/Report", content=b"text")
    srv.http.put(f"{base}/3000", content=b"n")
    assert srv.http.get(base).json() == ["Report", "Pdf", "3000"]
    assert srv.http.get(f"{base}?full").json() == {"3000": 3000, "Pdf": 1025, "Report": 1024}
    assert srv.http.get(f"{base}/Report/data").headers["content-type"] == "application/octet-stream"


def test_replacing_an_attachment_bumps_revision_and_removes_old_file(stored):
    srv, a, _ = stored()
    url = f"/instances/{a['ID']}/attachments/Report"
    srv.http.put(url, content=b"one")
    old_uuid = srv.http.get(f"{url}/info").json()["Uuid"]
    second = srv.http.put(url, content=b"two")
    assert second.headers["etag"] == f'"1-{_md5(b"two")}"'
    assert srv.http.get(f"{url}/data").content == b"two"
    assert not _stored_file(srv, old_uuid).exists()


def test_dicom_attachment_cannot_be_replaced_or_deleted(stored):
    srv, a, data = stored()
    base = f"/instances/{a['ID']}/attachments"
    assert srv.http.put(f"{base}/dicom", content=b"x").status_code == 403
    assert srv.http.put(f"{base}/5", content=b"x").status_code == 403
    assert srv.http.delete(f"{base}/dicom").status_code == 403
    assert srv.http.get(f"/instances/{a['ID']}/file").content == data


def test_unknown_names_and_absent_attachments(stored):
    srv, a, _ = stored()
    base = f"/instances/{a['ID']}/attachments"
    assert srv.http.get(f"{base}/Nope").json()["OrthancStatus"] == 7
    assert srv.http.put(f"{base}/Nope", content=b"x").json()["OrthancStatus"] == 7
    for url in (f"{base}/Report", f"{base}/Report/info", f"{base}/dicom-as-json"):
        answer = srv.http.get(url)
        assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17, url
    assert srv.http.delete(f"{base}/Report").json()["OrthancStatus"] == 17
    assert srv.http.get(f"/patients/{a['ID']}/attachments").json()["OrthancStatus"] == 17
    assert srv.http.put(f"/studies/{a['ID']}/attachments/Report", content=b"x").status_code == 404


def test_compress_and_uncompress_keep_the_content(stored):
    srv, a, data = stored()
    base = f"/instances/{a['ID']}/attachments/dicom"
    assert srv.http.post(f"{base}/compress").json() == {}
    assert srv.http.get(f"{base}/is-compressed").text == "1"
    info = srv.http.get(f"{base}/info").json()
    assert info["UncompressedSize"] == len(data) and info["CompressedSize"] < len(data)
    raw = srv.http.get(f"{base}/compressed-data").content
    assert struct.unpack("<Q", raw[:8])[0] == len(data) and zlib.decompress(raw[8:]) == data  # Orthanc's zlib-with-size
    assert srv.http.get(f"{base}/data").content == data
    assert srv.http.get(f"/instances/{a['ID']}/file").content == data
    assert srv.http.post(f"{base}/verify-md5").json() == {}
    assert srv.http.post(f"{base}/uncompress").json() == {}
    assert srv.http.get(f"{base}/info").json()["CompressedSize"] == len(data)
    assert srv.http.get(f"/instances/{a['ID']}/file").content == data


def test_storage_compression_applies_to_user_attachments(stored):
    srv, a, _ = stored(StorageCompression=True)
    url = f"/instances/{a['ID']}/attachments/Report"
    srv.http.put(url, content=b"A" * 10000)
    assert srv.http.get(f"{url}/is-compressed").text == "1"
    assert srv.http.get(f"{url}/data").content == b"A" * 10000


def test_verify_md5_detects_a_corrupted_file(stored):
    srv, a, _ = stored()
    url = f"/instances/{a['ID']}/attachments/Report"
    srv.http.put(url, content=b"original content")
    path = _stored_file(srv, srv.http.get(f"{url}/info").json()["Uuid"])
    path.write_bytes(b"tampered content")
    answer = srv.http.post(f"{url}/verify-md5")
    assert answer.status_code == 404 and answer.content == b""
    assert srv.http.get("/system").status_code == 200


def test_delete_user_attachment_removes_file_and_logs_changes(stored):
    srv, a, _ = stored()
    url = f"/instances/{a['ID']}/attachments/Report"
    srv.http.put(url, content=b"x")
    uuid = srv.http.get(f"{url}/info").json()["Uuid"]
    assert srv.http.delete(url).status_code == 200
    assert not _stored_file(srv, uuid).exists()
    assert srv.http.get(f"/instances/{a['ID']}/attachments").json() == ["dicom"]
    kinds = [c["ChangeType"] for c in srv.http.get("/changes").json()["Changes"]]
    assert kinds[-2:] == ["UpdatedAttachment", "UpdatedAttachment"]


def test_check_revisions_on_attachments(stored):
    srv, a, _ = stored(CheckRevisions=True)
    url = f"/instances/{a['ID']}/attachments/Report"
    first = srv.http.put(url, content=b"a0")
    assert first.status_code == 200
    assert srv.http.put(url, content=b"a1").status_code == 409
    second = srv.http.put(url, content=b"a1", headers={"If-Match": first.headers["etag"]})
    assert second.status_code == 200 and second.headers["etag"] == f'"1-{_md5(b"a1")}"'
    assert srv.http.get(f"{url}/info").headers["etag"] == second.headers["etag"]
    assert srv.http.get(f"{url}/data", headers={"If-None-Match": second.headers["etag"]}).status_code == 304
    assert srv.http.delete(url).status_code == 409
    assert srv.http.delete(url, headers={"If-Match": first.headers["etag"]}).status_code == 409
    assert srv.http.delete(url, headers={"If-Match": second.headers["etag"]}).status_code == 200


def test_refused_put_leaves_no_file_behind(stored):
    srv, a, _ = stored(CheckRevisions=True)
    url = f"/instances/{a['ID']}/attachments/Report"
    srv.http.put(url, content=b"a0")
    storage = Path(srv.config["StorageDirectory"])
    before = sorted(p.name for p in storage.rglob("*") if p.is_file())
    assert srv.http.put(url, content=b"a1", headers={"If-Match": '"5-abc"'}).status_code == 409
    assert sorted(p.name for p in storage.rglob("*") if p.is_file()) == before


def test_unknown_attachment_operation_is_404(stored):
    srv, a, _ = stored()
    assert srv.http.get(f"/instances/{a['ID']}/attachments/dicom/nope").status_code == 404
    assert srv.http.post(f"/instances/{a['ID']}/attachments/dicom/nope").status_code == 404
