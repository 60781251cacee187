"""``test_hook_<name>`` for the ingest-path and event hooks, over REST and C-STORE."""

from __future__ import annotations

import threading

from pydicom import dcmread
from pydicom.filebase import DicomBytesIO

from donjon_sdk import Change, ChangeType, IncomingInstance, Origin, OriginKind, Refusal, Server, StoredInstance, hookimpl


class Anonymizer:
    """Replaces the PatientName of every incoming file, and discards files of patient "DROP"."""

    def __init__(self) -> None:
        self.origins: list[Origin] = []

    @hookimpl
    def donjon_received_instance(self, data: bytes, origin: Origin) -> bytes | bool | None:
        self.origins.append(origin)
        ds = dcmread(DicomBytesIO(data), force=True)
        if ds.PatientID == "DROP":
            return False
        if ds.PatientName == "KEEP^AS^IS":
            return None
        ds.PatientName = "ANONYMOUS"
        out = DicomBytesIO()
        ds.save_as(out, enforce_file_format=True)
        return out.getvalue()


def test_hook_received_instance(donjon_server, dicom_factory):
    plugin = Anonymizer()
    srv = donjon_server(plugins=[("anonymizer", plugin)])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientName="DOE^JOHN")).json()
    assert answer["Status"] == "Success"
    stored = dcmread(DicomBytesIO(srv.http.get(f"/instances/{answer['ID']}/file").content))
    assert stored.PatientName == "ANONYMOUS"
    assert plugin.origins[0].kind is OriginKind.RestApi


def test_hook_received_instance_none_keeps_the_bytes(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[("anonymizer", Anonymizer())])
    data = dicom_factory.bytes(PatientName="KEEP^AS^IS")
    instance = srv.http.post("/instances", content=data).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/file").content == data


def test_hook_received_instance_false_discards(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[("anonymizer", Anonymizer())])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientID="DROP"))
    assert answer.json()["Status"] == "FilteredOut"
    assert srv.http.get("/instances").json() == []


class RefuseModality:
    def __init__(self, modality: str) -> None:
        self.modality = modality

    @hookimpl
    def donjon_instance_filter(self, instance: IncomingInstance, origin: Origin) -> Refusal | None:
        if instance.tag("Modality") == self.modality:
            return Refusal(f"modality {self.modality} is not accepted here")
        return None


def test_hook_instance_filter(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[RefuseModality("MR")])
    refused = srv.http.post("/instances", content=dicom_factory.bytes(modality="MR"))
    assert refused.json()["Status"] == "FilteredOut"
    assert srv.http.get("/instances").json() == []
    assert srv.http.post("/instances", content=dicom_factory.bytes(modality="CT")).json()["Status"] == "Success"


def test_hook_instance_filter_refuses_c_store_too(donjon_server, dicom_factory, dcmtk, tmp_path):
    srv = donjon_server(plugins=[RefuseModality("MR")])
    path = tmp_path / "mr.dcm"
    path.write_bytes(dicom_factory.bytes(modality="MR"))
    dcmtk.store(srv.dicom_port, [path])
    assert srv.http.get("/instances").json() == []
    assert srv.http.get("/system").status_code == 200


class Recorder:
    """Records events from the event thread, and calls back into the server from there."""

    def __init__(self) -> None:
        self.instances: list[StoredInstance] = []
        self.changes: list[Change] = []
        self.threads: set[str] = set()
        self.counts: list[int] = []

    @hookimpl
    def donjon_stored_instance(self, server: Server, instance: StoredInstance) -> None:
        self.threads.add(threading.current_thread().name)
        self.instances.append(instance)
        with server.index.read() as tx:  # calling back into the server is allowed here
            self.counts.append(len(tx.children(tx.lookup(instance.series_id).internal_id)))

    @hookimpl
    def donjon_change(self, server: Server, change: Change) -> None:
        self.changes.append(change)


class Failing:
    @hookimpl
    def donjon_stored_instance(self, server: Server, instance: StoredInstance) -> None:
        raise RuntimeError("this plugin is broken")


def test_hook_stored_instance(donjon_server, dicom_factory):
    recorder = Recorder()
    srv = donjon_server(plugins=[("failing", Failing()), ("recorder", recorder)])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(modality="MR")).json()
    srv.events.wait_for(lambda e: isinstance(e, StoredInstance) and e.instance_id == answer["ID"])
    [event] = recorder.instances
    assert (event.instance_id, event.series_id, event.study_id, event.patient_id) == (
        answer["ID"],
        answer["ParentSeries"],
        answer["ParentStudy"],
        answer["ParentPatient"],
    )
    assert event.main_tags["Modality"] == "MR"
    assert event.origin.kind is OriginKind.RestApi
    assert recorder.counts == [1]
    assert recorder.threads == {"donjon-events"}


def test_hook_stored_instance_not_for_already_stored(donjon_server, dicom_factory):
    recorder = Recorder()
    srv = donjon_server(plugins=[("recorder", recorder)])
    data = dicom_factory.bytes()
    srv.http.post("/instances", content=data)
    srv.http.post("/instances", content=data)
    srv.events.wait_for(lambda e: isinstance(e, StoredInstance))
    srv.server.events.drain()
    assert len(recorder.instances) == 1


def test_hook_change(donjon_server, dicom_factory):
    recorder = Recorder()
    srv = donjon_server(plugins=[("recorder", recorder)])
    answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    srv.events.wait_for(lambda e: isinstance(e, Change) and e.change_type is ChangeType.NewPatient)
    assert [c.change_type for c in recorder.changes[:4]] == [
        ChangeType.NewInstance,
        ChangeType.NewSeries,
        ChangeType.NewStudy,
        ChangeType.NewPatient,
    ]
    assert recorder.changes[0].resource_id == answer["ID"]
    assert recorder.changes[0].path == f"/instances/{answer['ID']}"
    srv.http.delete(f"/patients/{answer['ParentPatient']}")
    srv.events.wait_for(lambda e: isinstance(e, Change) and e.change_type is ChangeType.Deleted)
    assert any(c.change_type is ChangeType.Deleted for c in recorder.changes)
