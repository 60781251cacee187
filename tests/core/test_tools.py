"""The small /tools routes: lookup, generate-uid, now, conformance, encoding, log level, metrics."""

from __future__ import annotations

import datetime as dt
import re

from donjon_sdk import hookimpl


def test_lookup_finds_every_level_case_insensitively(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(PatientID="Pat-9")
    stored = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()
    assert srv.http.post("/tools/lookup", content=b"pat-9").json() == [
        {"ID": stored["ParentPatient"], "Path": f"/patients/{stored['ParentPatient']}", "Type": "Patient"}]
    for uid, key, path in ((ds.StudyInstanceUID, "ParentStudy", "studies"), (ds.SeriesInstanceUID, "ParentSeries", "series"),
                           (ds.SOPInstanceUID, "ID", "instances")):
        found = srv.http.post("/tools/lookup", content=uid.encode()).json()
        assert found == [{"ID": stored[key], "Path": f"/{path}/{stored[key]}", "Type": found[0]["Type"]}]
    assert srv.http.post("/tools/lookup", content=b"nothing").json() == []


def test_generate_uid_per_level(donjon_server):
    srv = donjon_server()
    patient = srv.http.get("/tools/generate-uid", params={"level": "patient"})
    assert patient.headers["content-type"].startswith("text/plain")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", patient.text)
    for level, root in (("study", "1.2.276.0.7230010.3.1.2."), ("series", "1.2.276.0.7230010.3.1.3."), ("instance", "1.2.276.0.7230010.3.1.4.")):
        uid = srv.http.get("/tools/generate-uid", params={"level": level}).text
        assert uid.startswith(root) and len(uid) <= 64 and re.fullmatch(r"[0-9.]+", uid)
    assert srv.http.get("/tools/generate-uid", params={"level": "frame"}).status_code == 404
    assert srv.http.get("/tools/generate-uid").status_code == 404


def test_now_is_orthanc_timestamp(donjon_server):
    srv = donjon_server()
    now = srv.http.get("/tools/now").text
    parsed = dt.datetime.strptime(now, "%Y%m%dT%H%M%S").replace(tzinfo=dt.timezone.utc)
    assert abs((parsed - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 5
    assert re.fullmatch(r"\d{8}T\d{6}", srv.http.get("/tools/now-local").text)


def test_dicom_conformance_lists_sop_classes(donjon_server):
    text = donjon_server().http.get("/tools/dicom-conformance").text
    assert "VerificationSOPClass" in text and "1.2.840.10008.5.1.4.1.1.2" in text and "1.2.840.10008.1.2.1" in text


def test_default_encoding_get_put(donjon_server):
    srv = donjon_server()
    assert srv.http.get("/tools/default-encoding").text == "Latin1"
    assert srv.http.put("/tools/default-encoding", content=b"Utf8").text == "Utf8"
    assert srv.http.get("/tools/default-encoding").text == "Utf8"
    bad = srv.http.put("/tools/default-encoding", content=b"Klingon")
    assert bad.status_code == 400 and bad.json()["OrthancStatus"] == 3
    assert srv.http.get("/tools/default-encoding").text == "Utf8"


def test_log_level_get_put(donjon_server):
    srv = donjon_server()
    assert srv.http.get("/tools/log-level").text == "default"
    assert srv.http.put("/tools/log-level", content=b"verbose").status_code == 200
    assert srv.http.get("/tools/log-level").text == "verbose"
    bad = srv.http.put("/tools/log-level", content=b"loud")
    assert bad.status_code == 400 and bad.json()["Details"] == 'Verbosity can be "default", "verbose" or "trace": loud'
    srv.http.put("/tools/log-level", content=b"default")


class Gauges:
    @hookimpl
    def donjon_metrics(self, server):
        return {"donjon_test_gauge": 42, "bad name": 1}


def test_metrics_prometheus_has_orthanc_names_and_plugin_metrics(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[Gauges()])
    srv.http.post("/instances", content=dicom_factory.bytes())
    answer = srv.http.get("/tools/metrics-prometheus")
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = {line.split()[0]: line.split()[1] for line in answer.text.splitlines()}
    assert values["orthanc_count_instances"] == "1" and values["orthanc_count_patients"] == "1"
    assert "orthanc_disk_size_mb" in values and "orthanc_up_time_s" in values
    assert values["donjon_test_gauge"] == "42" and "bad" not in values


def test_metrics_can_be_disabled(donjon_server):
    srv = donjon_server()
    assert srv.http.get("/tools/metrics").text == "1"
    assert srv.http.put("/tools/metrics", content=b"0").status_code == 200
    assert srv.http.get("/tools/metrics").text == "0"
    assert srv.http.get("/tools/metrics-prometheus").text == ""
    bad = srv.http.put("/tools/metrics", content=b"maybe")
    assert bad.status_code == 400 and bad.json()["OrthancStatus"] == 15
    srv.http.put("/tools/metrics", content=b"1")
    assert "orthanc_count_studies" in srv.http.get("/tools/metrics-prometheus").text
