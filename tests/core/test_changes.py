"""``/changes`` and ``/exports``: paging with since/limit/last, Done and Last, clearing."""

from __future__ import annotations

import pytest

from donjon.enums import ChangeType, ResourceLevel
from donjon.index import ExportRow


@pytest.fixture
def three_instances(donjon_server, dicom_factory):
    """One study, one series, three instances: 3 NewInstance + series + study + patient = 6 changes."""
    srv = donjon_server()
    answers = [srv.http.post("/instances", content=f).json() for f in dicom_factory.study(series=1, instances=3)]
    return srv, answers


def test_new_resources_are_logged_in_orthanc_order(three_instances):
    srv, answers = three_instances
    log = srv.http.get("/changes").json()
    assert [c["ChangeType"] for c in log["Changes"]] == ["NewInstance", "NewSeries", "NewStudy", "NewPatient", "NewInstance", "NewInstance"]
    assert log["Done"] is True and log["Last"] == 6
    first = log["Changes"][0]
    assert first == {
        "ChangeType": "NewInstance",
        "Date": first["Date"],
        "ID": answers[0]["ID"],
        "Path": f"/instances/{answers[0]['ID']}",
        "ResourceType": "Instance",
        "Seq": 1,
    }
    assert len(first["Date"]) == 15 and first["Date"][8] == "T"


def test_since_and_limit_page_through_the_log(three_instances):
    srv, _ = three_instances
    page = srv.http.get("/changes?since=2&limit=2").json()
    assert [c["Seq"] for c in page["Changes"]] == [3, 4] and page["Done"] is False and page["Last"] == 4
    rest = srv.http.get("/changes?since=4&limit=2").json()
    assert [c["Seq"] for c in rest["Changes"]] == [5, 6] and rest["Done"] is True and rest["Last"] == 6


def test_limit_zero_and_since_past_the_end(three_instances):
    srv, _ = three_instances
    assert srv.http.get("/changes?limit=0").json() == {"Changes": [], "Done": False, "Last": 6}
    assert srv.http.get("/changes?since=100").json() == {"Changes": [], "Done": True, "Last": 6}


def test_unparsable_arguments_fall_back_to_defaults(three_instances):
    srv, _ = three_instances
    answer = srv.http.get("/changes?since=abc&limit=2")
    assert answer.status_code == 200 and len(answer.json()["Changes"]) == 6


def test_last_gives_only_the_last_change(three_instances):
    srv, answers = three_instances
    log = srv.http.get("/changes?last").json()
    assert [c["Seq"] for c in log["Changes"]] == [6] and log["Done"] is True and log["Last"] == 6
    assert log["Changes"][0]["ID"] == answers[2]["ID"]


def test_clearing_keeps_the_sequence_growing(three_instances, dicom_factory):
    srv, _ = three_instances
    assert srv.http.delete("/changes").status_code == 200
    assert srv.http.get("/changes").json() == {"Changes": [], "Done": True, "Last": 6}
    assert srv.http.get("/changes?last").json() == {"Changes": [], "Done": True, "Last": 6}
    srv.http.post("/instances", content=dicom_factory.bytes())
    seqs = [c["Seq"] for c in srv.http.get("/changes").json()["Changes"]]
    assert seqs and min(seqs) == 7


def test_clearing_survives_a_restart(three_instances, dicom_factory):
    srv, _ = three_instances
    srv.http.delete("/changes")
    srv.restart()
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert srv.http.get("/changes").json()["Changes"][0]["Seq"] == 7


def test_changes_of_a_deleted_resource_leave_the_log(three_instances):
    srv, answers = three_instances
    srv.http.delete(f"/instances/{answers[1]['ID']}")
    ids = [c["ID"] for c in srv.http.get("/changes").json()["Changes"] if c["ChangeType"] != "Deleted"]
    assert answers[1]["ID"] not in ids
    assert answers[0]["ID"] in ids and answers[2]["ID"] in ids


def test_record_changes_reach_the_event_thread(donjon_server, dicom_factory):
    srv = donjon_server({"UserMetadata": {"Sample": 1024}, "UserContentType": {"Report": 1024}})
    a = srv.http.post("/instances", content=dicom_factory.bytes()).json()
    srv.http.put(f"/studies/{a['ParentStudy']}/metadata/Sample", content=b"v")
    srv.http.put(f"/series/{a['ParentSeries']}/attachments/Report", content=b"r")
    meta = srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.UpdatedMetadata)
    attachment = srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.UpdatedAttachment)
    assert meta.resource_id == a["ParentStudy"] and meta.path == f"/studies/{a['ParentStudy']}"
    assert attachment.resource_id == a["ParentSeries"] and attachment.level == ResourceLevel.SERIES
    logged = {c["Seq"] for c in srv.http.get("/changes").json()["Changes"]}
    assert {meta.seq, attachment.seq} <= logged


def test_exports_log_is_empty_by_default(donjon_server):
    srv = donjon_server()
    assert srv.http.get("/exports").json() == {"Done": True, "Exports": [], "Last": 0}
    assert srv.http.get("/exports?since=3&limit=1").json() == {"Done": True, "Exports": [], "Last": 3}
    assert srv.http.delete("/exports").status_code == 200


def test_exports_show_the_uids_of_their_level(donjon_server):
    srv = donjon_server()
    # Exports are logged by the SCU jobs; here we log through the index as they will.
    with srv.server.index.write() as tx:
        for level in (ResourceLevel.STUDY, ResourceLevel.INSTANCE):
            tx.log_export(
                ExportRow(seq=0, level=level, public_id=f"id-{int(level)}", remote_modality="PACS", patient_id="P",
                          study_instance_uid="1.2", series_instance_uid="1.2.3", sop_instance_uid="1.2.3.4", date="20240101T000000")
            )
    log = srv.http.get("/exports").json()
    study, instance = log["Exports"]
    assert study == {"Date": "20240101T000000", "ID": "id-2", "Path": "/studies/id-2", "PatientID": "P", "RemoteModality": "PACS",
                     "ResourceType": "Study", "Seq": 1, "StudyInstanceUID": "1.2"}
    assert instance["SOPInstanceUID"] == "1.2.3.4" and instance["SeriesInstanceUID"] == "1.2.3"
    assert log["Last"] == 2 and log["Done"] is True
    assert [e["Seq"] for e in srv.http.get("/exports?since=1&limit=5").json()["Exports"]] == [2]
    assert [e["Seq"] for e in srv.http.get("/exports?last").json()["Exports"]] == [2]
    srv.http.delete("/exports")
    assert srv.http.get("/exports").json()["Exports"] == []
