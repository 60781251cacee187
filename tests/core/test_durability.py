"""Durability: acknowledged instances survive kill -9, failed stores leave nothing, start-up repairs."""

from __future__ import annotations

import threading
import time
import uuid as uuidlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
from donjon_sdk import DonjonError, ErrorCode, hookimpl

from donjon.ids import hash_identifiers
from donjon.index.sqlite import SqliteIndex
from donjon.storage.filesystem import FilesystemStorage


def _storage_files(srv) -> set[str]:
    return {p.name for p in Path(srv.config["StorageDirectory"]).glob("??/??/*")}


def _all_uuids(srv) -> set[str]:
    uuids = set()
    for instance in srv.http.get("/instances").json():
        for name in srv.http.get(f"/instances/{instance}/attachments").json():
            uuids.add(srv.http.get(f"/instances/{instance}/attachments/{name}/info").json()["Uuid"])
    return uuids


def test_acknowledged_instances_survive_kill_9(donjon_server, dicom_factory):
    srv = donjon_server(mode="process")
    files = [dicom_factory.bytes(rows=128, columns=128) for _ in range(400)]
    acknowledged: dict[str, bytes] = {}
    stop = threading.Event()

    def upload() -> None:
        with httpx.Client(base_url=srv.url, timeout=10) as client:
            for data in files:
                if stop.is_set():
                    return
                try:
                    answer = client.post("/instances", content=data)
                except httpx.HTTPError:
                    return  # the server died mid-request: not acknowledged
                if answer.status_code == 200:
                    acknowledged[answer.json()["ID"]] = data

    uploader = threading.Thread(target=upload)
    uploader.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    srv.kill()
    stop.set()
    uploader.join()
    assert len(acknowledged) >= 40

    srv.start()
    stored = set(srv.http.get("/instances").json())
    assert set(acknowledged) <= stored
    for instance_id, data in acknowledged.items():
        assert srv.http.get(f"/instances/{instance_id}/file").content == data
    # The start-up check left exactly the files the index references.
    assert _storage_files(srv) == _all_uuids(srv)


class FailingStorage(FilesystemStorage):
    """A storage plugin whose disk is full for DICOM files of patient FAIL (a real write path)."""

    def write(self, uuid, data, content_type):
        if b"FAIL-WRITE" in data:
            raise DonjonError(ErrorCode.FullStorage, f"disk full while writing {uuid}")
        super().write(uuid, data, content_type)


class StoragePlugin:
    @hookimpl
    def donjon_storage_area(self, config):
        return FailingStorage(config.core.storage_directory)


class FailingIndex(SqliteIndex):
    """The SQLite index, except that transactions storing patient FAIL-INDEX fail at commit time."""

    @contextmanager
    def write(self):
        with super().write() as tx:
            yield tx
            if tx.lookup(_FAIL_PATIENT) is not None:
                raise DonjonError(ErrorCode.Database, "simulated index failure at commit")


_FAIL_PATIENT = hash_identifiers("FAIL-INDEX")


class IndexPlugin:
    @hookimpl
    def donjon_index_backend(self, config):
        return FailingIndex(Path(config.core.index_directory) / "index")


def test_failed_storage_write_leaves_nothing(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[StoragePlugin()])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="FAIL-WRITE"))
    assert answer.status_code == 500 and answer.json()["OrthancStatus"] == 19
    assert srv.http.get("/instances").json() == [] and _storage_files(srv) == set()
    assert srv.http.post("/instances", content=dicom_factory.bytes()).json()["Status"] == "Success"


def test_failed_index_transaction_removes_the_written_files(donjon_server, dicom_factory):
    srv = donjon_server({"StorageCompression": True}, plugins=[IndexPlugin()])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="FAIL-INDEX"))
    assert answer.status_code == 500 and answer.json()["OrthancStatus"] == 11
    assert srv.http.get("/instances").json() == [] and srv.http.get("/patients").json() == []
    assert srv.http.get("/changes").json()["Changes"] == []
    assert _storage_files(srv) == set()  # both the file and its dicom-until-pixel-data
    ok = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    assert ok["Status"] == "Success" and len(_storage_files(srv)) == 2


def test_startup_check_removes_orphans_and_reports_missing_files(donjon_server, dicom_factory):
    srv = donjon_server()
    kept = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    lost = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    lost_uuid = srv.http.get(f"/instances/{lost}/attachments/dicom/info").json()["Uuid"]
    srv.stop()
    root = Path(srv.config["StorageDirectory"])
    (root / lost_uuid[:2] / lost_uuid[2:4] / lost_uuid).unlink()
    orphan = str(uuidlib.uuid4())
    (root / orphan[:2] / orphan[2:4]).mkdir(parents=True, exist_ok=True)
    (root / orphan[:2] / orphan[2:4] / orphan).write_bytes(b"left by a crash before commit")
    temporary = root / orphan[:2] / orphan[2:4] / f".{uuidlib.uuid4()}.tmp"
    temporary.write_bytes(b"half written")

    srv.start()
    report = srv.server.consistency
    assert report.checked
    assert report.orphan_files_removed == [orphan]
    assert report.temporary_files_removed == 1
    assert report.missing_files == [lost_uuid]
    assert not (root / orphan[:2] / orphan[2:4] / orphan).exists() and not temporary.exists()
    # The index is untouched: the operator decides about the missing file.
    assert set(srv.http.get("/instances").json()) == {kept, lost}
    assert srv.http.get(f"/instances/{lost}/file").status_code == 404


def test_concurrent_uploads_of_same_and_different_studies(donjon_server, dicom_factory):
    srv = donjon_server()
    shared_study = dicom_factory.study(series=2, instances=5, PatientID="SHARED")
    own_studies = [dicom_factory.study(series=1, instances=5, PatientID=f"OWN{i}") for i in range(4)]
    # Each thread sends the shared study (same instances as the others) and its own study.
    work = [shared_study + own for own in own_studies]

    def send(files: list[bytes]) -> list[dict]:
        with httpx.Client(base_url=srv.url, timeout=60) as client:
            return [client.post("/instances", content=data).json() for data in files]

    with ThreadPoolExecutor(4) as pool:
        answers = [a for batch in pool.map(send, work) for a in batch]
    statuses = Counter(a["Status"] for a in answers)
    assert statuses == {"Success": 10 + 20, "AlreadyStored": 30}
    expected_instances = {a["ID"] for a in answers}
    assert set(srv.http.get("/instances").json()) == expected_instances and len(expected_instances) == 30
    assert len(srv.http.get("/patients").json()) == 5
    assert len(srv.http.get("/studies").json()) == 5
    assert len(srv.http.get("/series").json()) == 6
    changes = srv.http.get("/changes?limit=1000").json()["Changes"]
    new = Counter((c["ChangeType"], c["ID"]) for c in changes if c["ChangeType"].startswith("New"))
    assert set(new.values()) == {1} and len(new) == 30 + 6 + 5 + 5
    # One file per instance: the losers of a race removed theirs.
    assert len(_storage_files(srv)) == 30
