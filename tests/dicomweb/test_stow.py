"""STOW-RS: dicomweb-client uploads, partial failures, malformed bodies; nothing half-stored."""

from __future__ import annotations

from dicomweb_helpers import multipart, parse, stow_type


def _referenced(answer):
    return [item["00081155"]["Value"][0] for item in answer.get("00081199", {}).get("Value", [])]


def _failed(answer):
    return [(item["00081155"]["Value"][0], item["00081197"]["Value"][0]) for item in answer.get("00081198", {}).get("Value", [])]


def test_client_store_instances_is_referenced_and_stored(srv, client, dicom_factory):
    datasets = [parse(b) for b in dicom_factory.study(series=1, instances=3)]
    answer = client.store_instances(datasets)
    referenced = answer.ReferencedSOPSequence
    assert sorted(i.ReferencedSOPInstanceUID for i in referenced) == sorted(d.SOPInstanceUID for d in datasets)
    assert all(i.RetrieveURL.endswith(f"/instances/{i.ReferencedSOPInstanceUID}") for i in referenced)
    assert len(srv.http.get("/instances").json()) == 3


def test_store_into_a_study_refuses_instances_of_other_studies(srv, dicom_factory):
    good = dicom_factory.dataset(StudyInstanceUID="1.2.3.4")
    other = dicom_factory.dataset()
    body = multipart([dicom_factory.encode(good), dicom_factory.encode(other)])
    answer = srv.http.post("/dicom-web/studies/1.2.3.4", content=body, headers={"Content-Type": stow_type()})
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/dicom+json")
    assert _referenced(answer.json()) == [good.SOPInstanceUID]
    assert _failed(answer.json()) == [(other.SOPInstanceUID, 0x0110)]
    assert answer.json()["00081190"]["Value"][0].endswith("/dicom-web/studies/1.2.3.4")
    stored = srv.http.get("/dicom-web/instances").json()
    assert [a["00080018"]["Value"][0] for a in stored] == [good.SOPInstanceUID]


def test_a_part_that_is_not_dicom_keeps_the_good_ones(srv, dicom_factory):
    good = dicom_factory.dataset()
    body = multipart([b"this is no DICOM file", dicom_factory.encode(good), dicom_factory.bytes()[:200]])
    answer = srv.http.post("/dicom-web/studies", content=body, headers={"Content-Type": stow_type()})
    assert answer.status_code == 400  # Orthanc's: some parts could not be read
    assert _referenced(answer.json()) == [good.SOPInstanceUID]
    stored = srv.http.get("/dicom-web/instances").json()
    assert [a["00080018"]["Value"][0] for a in stored] == [good.SOPInstanceUID]


def test_filtered_instance_is_a_failure(donjon_server, dicom_factory):
    import donjon_dicomweb.plugin as dicomweb_plugin
    from donjon_sdk import Refusal, hookimpl

    class RefuseMR:
        @hookimpl
        def donjon_instance_filter(self, instance):
            return Refusal("no MR here") if instance.tag("Modality") == "MR" else None

    srv = donjon_server(plugins=[dicomweb_plugin, RefuseMR()])
    ct, mr = dicom_factory.dataset(modality="CT"), dicom_factory.dataset(modality="MR")
    body = multipart([dicom_factory.encode(ct), dicom_factory.encode(mr)])
    answer = srv.http.post("/dicom-web/studies", content=body, headers={"Content-Type": stow_type()})
    assert answer.status_code == 409
    assert _referenced(answer.json()) == [ct.SOPInstanceUID]
    assert _failed(answer.json()) == [(mr.SOPInstanceUID, 0x0110)]


def test_already_stored_instance_is_referenced_again(srv, dicom_factory):
    data = dicom_factory.bytes()
    for _ in range(2):
        answer = srv.http.post("/dicom-web/studies", content=multipart([data]), headers={"Content-Type": stow_type()})
        assert answer.status_code == 200
        assert _referenced(answer.json()) == [parse(data).SOPInstanceUID]
    assert len(srv.http.get("/instances").json()) == 1


def test_body_without_close_delimiter_is_400_and_stores_nothing(srv, dicom_factory):
    body = multipart([dicom_factory.bytes()])
    answer = srv.http.post("/dicom-web/studies", content=body[:-30], headers={"Content-Type": stow_type()})
    assert answer.status_code == 400
    assert "close delimiter" in answer.json()["Details"]
    assert srv.http.get("/instances").json() == []


def test_body_without_its_boundary_is_400(srv, dicom_factory):
    answer = srv.http.post("/dicom-web/studies", content=dicom_factory.bytes(), headers={"Content-Type": stow_type()})
    assert answer.status_code == 400
    assert srv.http.get("/instances").json() == []


def test_not_multipart_is_415_as_orthanc(srv, dicom_factory):
    data = dicom_factory.bytes()
    for content_type in ("application/dicom", 'multipart/related; type="application/dicom"'):
        answer = srv.http.post("/dicom-web/studies", content=data, headers={"Content-Type": content_type})
        assert answer.status_code == 415
        assert answer.json()["OrthancStatus"] == 3000
    assert srv.http.get("/instances").json() == []


def test_chunked_upload_is_read_whole(srv, dicom_factory):
    datasets = [dicom_factory.dataset() for _ in range(3)]
    body = multipart([dicom_factory.encode(d) for d in datasets])

    def chunks():
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    answer = srv.http.post("/dicom-web/studies", content=chunks(), headers={"Content-Type": stow_type()})
    assert answer.status_code == 200
    assert sorted(_referenced(answer.json())) == sorted(d.SOPInstanceUID for d in datasets)
