"""The plugin as a site runs it (entry point discovered by ``python -m donjon``) and its section."""

from __future__ import annotations

import pytest
from dicomweb_helpers import make_client, parse

import donjon_dicomweb.plugin as dicomweb_plugin


def test_entry_point_is_discovered_and_answers(donjon_server, dicom_factory):
    srv = donjon_server(mode="process", entry_points=["dicom-web"])
    assert srv.http.get("/plugins").json() == ["dicom-web"]
    info = srv.http.get("/plugins/dicom-web").json()
    assert info["ID"] == "dicom-web"
    client = make_client(srv.url, srv.http_port)
    ds = parse(dicom_factory.bytes(PatientID="PROC"))
    client.store_instances([ds])
    assert [a["00100020"]["Value"] for a in client.search_for_studies()] == [["PROC"]]
    meta = client.retrieve_instance_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert meta["00080018"]["Value"] == [ds.SOPInstanceUID]


def test_disabled_section_makes_the_plugin_inert(dicomweb_server, dicom_factory):
    srv = dicomweb_server({"DicomWeb": {"Enable": False}})
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert srv.http.get("/dicom-web/studies").status_code == 404
    assert len(srv.http.get("/plugins").json()) == 1  # loaded, but it does nothing


def test_root_host_and_ssl_shape_the_urls(dicomweb_server, dicom_factory):
    srv = dicomweb_server({"DicomWeb": {"Root": "/web/", "Host": "pacs.example.org", "Ssl": True}})
    ds = parse(dicom_factory.bytes())
    srv.http.post("/instances", content=dicom_factory.bytes(StudyInstanceUID=ds.StudyInstanceUID, PatientID=ds.PatientID))
    assert srv.http.get("/dicom-web/studies").status_code == 404
    answers = srv.http.get("/web/studies").json()
    assert answers[0]["00081190"]["Value"] == [f"https://pacs.example.org/web/studies/{ds.StudyInstanceUID}"]


def test_forwarded_header_gives_host_and_scheme(srv, dicom_factory):
    ds = parse(dicom_factory.bytes())
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    answer = srv.http.get("/dicom-web/studies", headers={"Forwarded": "host=proxy.example.org;proto=https"})
    assert answer.json()[0]["00081190"]["Value"] == [f"https://proxy.example.org/dicom-web/studies/{ds.StudyInstanceUID}"]


def test_wrong_type_in_the_section_stops_the_start(donjon_server):
    with pytest.raises(Exception, match="DicomWeb"):
        donjon_server({"DicomWeb": {"Enable": "yes"}}, plugins=[dicomweb_plugin])
