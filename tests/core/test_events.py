"""Events after commit: stored-instance and change hooks, stable resources, ingest-path hooks."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pydicom
import pytest
from donjon_sdk import ChangeType, Refusal, ResourceLevel, hookimpl

from donjon.dicom.header import read_dataset


class Recorder:
    """Records what the event hooks see, and whether the index already shows it."""

    def __init__(self) -> None:
        self.stored: list[tuple[str, str, bool]] = []
        self.changes: list[int] = []
        self.lock = threading.Lock()

    @hookimpl
    def donjon_stored_instance(self, server, instance):
        with server.index.read() as tx:
            visible = tx.lookup(instance.instance_id) is not None
        with self.lock:
            self.stored.append((instance.instance_id, threading.current_thread().name, visible))

    @hookimpl
    def donjon_change(self, server, change):
        with self.lock:
            self.changes.append(change.seq)


class Failing:
    @hookimpl
    def donjon_stored_instance(self, server, instance):
        raise RuntimeError("this plugin always fails")

    @hookimpl
    def donjon_change(self, server, change):
        raise RuntimeError("this plugin always fails")


def test_stored_instance_hook_runs_after_commit_on_the_event_thread(donjon_server, dicom_factory):
    recorder = Recorder()
    srv = donjon_server(plugins=[recorder])
    instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    srv.events.wait_for(lambda e: getattr(e, "instance_id", None) == instance)
    assert recorder.stored == [(instance, "donjon-events", True)]


def test_changes_reach_plugins_in_changes_order(donjon_server, dicom_factory):
    recorder = Recorder()
    srv = donjon_server(plugins=[recorder])
    files = [f for _ in range(4) for f in dicom_factory.study(series=2, instances=3)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda data: srv.http.post("/instances", content=data).json(), files))
    assert {a["Status"] for a in answers} == {"Success"}
    srv.server.events.drain()
    logged = [c["Seq"] for c in srv.http.get("/changes?limit=1000").json()["Changes"]]
    assert recorder.changes == logged
    assert len(logged) == 24 + 8 + 4 + 4  # instances, series, studies, patients


def test_failing_plugin_is_logged_and_others_still_run(donjon_server, dicom_factory, caplog):
    recorder = Recorder()
    srv = donjon_server(plugins=[("failing", Failing()), ("recorder", recorder)])
    logger = logging.getLogger("donjon.plugins")
    logger.addHandler(caplog.handler)  # the server's logging setup may stop propagation to the root
    try:
        instance = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
        srv.events.wait_for(lambda e: getattr(e, "instance_id", None) == instance)
        srv.server.events.drain()
    finally:
        logger.removeHandler(caplog.handler)
    assert [s[0] for s in recorder.stored] == [instance]
    assert len(recorder.changes) == 4
    messages = [r.getMessage() for r in caplog.records]
    assert any("failing" in m and "donjon_stored_instance" in m for m in messages)
    assert any("failing" in m and "donjon_change" in m for m in messages)
    # The server lives on.
    assert srv.http.post("/instances", content=dicom_factory.bytes()).json()["Status"] == "Success"


def test_stable_changes_after_stable_age(donjon_server, dicom_factory):
    srv = donjon_server({"StableAge": 1})
    answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    assert srv.http.get(f"/series/{answer['ParentSeries']}").json()["IsStable"] is False
    srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.StablePatient, timeout=10)
    stable = [(c["ChangeType"], c["ID"]) for c in srv.http.get("/changes").json()["Changes"] if c["ChangeType"].startswith("Stable")]
    # Orthanc 1.10.1 reports series, then study, then patient.
    assert stable == [("StableSeries", answer["ParentSeries"]), ("StableStudy", answer["ParentStudy"]), ("StablePatient", answer["ParentPatient"])]
    for level, key in (("series", "ParentSeries"), ("studies", "ParentStudy"), ("patients", "ParentPatient")):
        assert srv.http.get(f"/{level}/{answer[key]}").json()["IsStable"] is True


def test_new_instance_rearms_the_stable_timer(donjon_server, dicom_factory):
    srv = donjon_server({"StableAge": 2})
    files = dicom_factory.study(series=1, instances=2)
    first = srv.http.post("/instances", content=files[0]).json()
    srv.http.post("/instances", content=files[1])
    event = srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.StableSeries, timeout=10)
    assert event.resource_id == first["ParentSeries"]
    stable = [c for c in srv.http.get("/changes").json()["Changes"] if c["ChangeType"] == "StableSeries"]
    assert len(stable) == 1


class ReplacePatientName:
    @hookimpl
    def donjon_received_instance(self, data, origin):
        ds = read_dataset(data)
        ds.PatientName = "REPLACED^BY^PLUGIN"
        from io import BytesIO

        out = BytesIO()
        ds.save_as(out, enforce_file_format=True)
        return out.getvalue()


class DiscardAll:
    @hookimpl
    def donjon_received_instance(self, data, origin):
        return False


class RefuseModality:
    def __init__(self, modality: str) -> None:
        self.modality = modality

    @hookimpl
    def donjon_instance_filter(self, instance, origin):
        if instance.main_tags[ResourceLevel.SERIES].get("Modality") == self.modality:
            return Refusal(f"modality {self.modality} is not accepted here")
        return None


def _no_files(srv) -> bool:
    return not list(Path(srv.config["StorageDirectory"]).glob("??/??/*"))


def test_received_instance_hook_replaces_the_bytes(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[ReplacePatientName()])
    answer = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    assert answer["Status"] == "Success"
    stored = srv.http.get(f"/instances/{answer['ID']}/file").content
    assert str(pydicom.dcmread(__import__("io").BytesIO(stored)).PatientName) == "REPLACED^BY^PLUGIN"
    assert srv.http.get(f"/patients/{answer['ParentPatient']}").json()["MainDicomTags"]["PatientName"] == "REPLACED^BY^PLUGIN"


def test_received_instance_hook_discards(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[DiscardAll()])
    answer = srv.http.post("/instances", content=dicom_factory.bytes())
    assert answer.status_code == 200 and answer.json()["Status"] == "FilteredOut"
    assert srv.http.get("/instances").json() == [] and _no_files(srv)


@pytest.mark.parametrize("modality,status", [("MR", "FilteredOut"), ("CT", "Success")])
def test_instance_filter_decides_and_filtered_out_stores_nothing(donjon_server, dicom_factory, modality, status):
    recorder = Recorder()
    srv = donjon_server(plugins=[RefuseModality("MR"), recorder])
    answer = srv.http.post("/instances", content=dicom_factory.bytes(modality=modality)).json()
    assert answer["Status"] == status
    srv.server.events.drain()
    if status == "FilteredOut":
        assert srv.http.get("/instances").json() == [] and _no_files(srv)
        assert srv.http.get("/changes").json()["Changes"] == [] and recorder.stored == []
    else:
        assert srv.http.get("/instances").json() == [answer["ID"]]


@pytest.mark.oracle
def test_filtered_out_answer_matches_orthanc_lua_filter(donjon_server, orthanc_oracle, dicom_factory, tmp_path):
    lua = tmp_path / "filter.lua"
    lua.write_text('function ReceivedInstanceFilter(dicom, origin, info)\n  return dicom.Modality ~= "MR"\nend\n')
    data = dicom_factory.bytes(modality="MR")
    ours = donjon_server(plugins=[RefuseModality("MR")]).http.post("/instances", content=data)
    theirs = orthanc_oracle({"LuaScripts": [str(lua)]}).http.post("/instances", content=data)
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
