"""WADO-RS through dicomweb-client and raw requests: instances, metadata, frames, bulk data, errors."""

from __future__ import annotations

import pytest
from dicomweb_helpers import parse, split_multipart
from pydicom.uid import JPEG2000Lossless


@pytest.fixture
def series(srv, client, dicom_factory):
    """One study of 2 series x 3 CT instances, stored through STOW-RS."""
    datasets = [parse(b) for b in dicom_factory.study(series=2, instances=3, PatientID="W1")]
    client.store_instances(datasets)
    return datasets


def _url(ds, tail=""):
    return f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}{tail}"


def test_retrieve_instance_series_and_study_as_stored(client, series):
    ds = series[0]
    instance = client.retrieve_instance(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert instance.SOPInstanceUID == ds.SOPInstanceUID
    assert instance.PixelData == ds.PixelData
    in_series = client.retrieve_series(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    assert sorted(i.SOPInstanceUID for i in in_series) == sorted(d.SOPInstanceUID for d in series if d.SeriesInstanceUID == ds.SeriesInstanceUID)
    in_study = client.retrieve_study(ds.StudyInstanceUID)
    assert sorted(i.SOPInstanceUID for i in in_study) == sorted(d.SOPInstanceUID for d in series)


def test_retrieve_answers_the_stored_bytes(srv, dicom_factory):
    data = dicom_factory.bytes()
    ds = parse(data)
    srv.http.post("/instances", content=data)
    answer = srv.http.get(f"/dicom-web/studies/{ds.StudyInstanceUID}", headers={"Accept": 'multipart/related; type="application/dicom"; transfer-syntax=*'})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith('multipart/related; type="application/dicom"; boundary=')
    assert split_multipart(answer) == [data]


def test_other_transfer_syntax_is_406(srv, series):
    accept = f'multipart/related; type="application/dicom"; transfer-syntax={JPEG2000Lossless}'
    answer = srv.http.get(f"/dicom-web/studies/{series[0].StudyInstanceUID}", headers={"Accept": accept})
    assert answer.status_code == 406
    assert JPEG2000Lossless in answer.json()["Details"]
    stored = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1'
    assert srv.http.get(f"/dicom-web/studies/{series[0].StudyInstanceUID}", headers={"Accept": stored}).status_code == 200


def test_json_accept_on_an_instance_is_400_as_orthanc(srv, series):
    answer = srv.http.get(_url(series[0]), headers={"Accept": "application/dicom+json"})
    assert answer.status_code == 400
    assert answer.json()["Details"] == "This WADO-RS plugin cannot generate the following content type: application/dicom+json"


def test_unknown_uids_are_404(srv, series):
    ds = series[0]
    for url in ("/dicom-web/studies/1.2.3", f"/dicom-web/studies/{ds.StudyInstanceUID}/series/1.2.3/metadata", _url(ds).replace(ds.SOPInstanceUID, "9.9")):
        answer = srv.http.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["OrthancStatus"] == 7


def test_series_metadata_has_every_instance_with_bulk_data_uris(client, series):
    ds = series[0]
    metadata = client.retrieve_series_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID)
    assert len(metadata) == 3
    first = next(m for m in metadata if m["00080018"]["Value"] == [ds.SOPInstanceUID])
    assert first["00100020"] == {"vr": "LO", "Value": ["W1"]}
    assert first["00280010"] == {"vr": "US", "Value": [16]}
    assert first["00281052"] == {"vr": "DS", "Value": [-1024]}
    pixel = first["7FE00010"]
    assert pixel["vr"] == "OW" and pixel["BulkDataURI"].endswith(_url(ds, "/bulk/7fe00010"))
    assert len(client.retrieve_study_metadata(ds.StudyInstanceUID)) == 6
    assert client.retrieve_instance_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID) == first


def test_metadata_cache_follows_an_overwritten_instance(dicomweb_server, dicom_factory):
    srv = dicomweb_server({"OverwriteInstances": True})
    ds = dicom_factory.dataset(SeriesDescription="before")
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    url = _url(ds, "/metadata")
    assert srv.http.get(url).json()[0]["0008103E"]["Value"] == ["before"]
    ds.SeriesDescription = "after"
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    assert srv.http.get(url).json()[0]["0008103E"]["Value"] == ["after"]


def test_metadata_cache_can_be_disabled(dicomweb_server, dicom_factory):
    srv = dicomweb_server({"DicomWeb": {"EnableMetadataCache": False}})
    ds = dicom_factory.dataset()
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    assert srv.http.get(_url(ds, "/metadata")).json()[0]["00080018"]["Value"] == [ds.SOPInstanceUID]


def test_bulk_data_uri_gives_the_pixel_data(client, series):
    ds = series[1]
    metadata = client.retrieve_instance_metadata(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID)
    assert client.retrieve_bulkdata(metadata["7FE00010"]["BulkDataURI"]) == [ds.PixelData]


def test_unknown_bulk_tag_is_404(srv, series):
    assert srv.http.get(_url(series[0], "/bulk/00191010")).status_code == 404


def test_frames_of_a_native_instance(client, series):
    ds = series[2]
    frames = client.retrieve_instance_frames(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, [1])
    assert frames == [ds.PixelData]


def test_frames_of_a_multiframe_instance(srv, client, dicom_factory):
    ds = dicom_factory.dataset(rows=4, columns=4)
    ds.NumberOfFrames = 3
    ds.PixelData = bytes(range(96))
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    frames = client.retrieve_instance_frames(ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, [3, 1])
    assert frames == [bytes(range(64, 96)), bytes(range(0, 32))]
    answer = srv.http.get(_url(ds, "/frames/4"), headers={"Accept": 'multipart/related; type="application/octet-stream"'})
    assert answer.status_code == 400
    assert "no frame 4" in answer.json()["Details"]


def test_compressed_frames_come_as_stored(srv, client, dicom_samples):
    data = dicom_samples("JPEG2000.dcm")
    ds = parse(data)
    srv.http.post("/instances", content=data)
    answer = srv.http.get(_url(ds, "/frames/1"), headers={"Accept": 'multipart/related; type="image/jp2"; transfer-syntax=*'})
    assert answer.status_code == 200
    assert 'type="image/jp2"' in answer.headers["content-type"]
    from pydicom.encaps import generate_frames

    assert split_multipart(answer) == list(generate_frames(ds.PixelData, number_of_frames=1))
    refused = srv.http.get(_url(ds, "/frames/1"), headers={"Accept": 'multipart/related; type="application/octet-stream"'})
    assert refused.status_code == 406


def test_frames_need_a_multipart_accept_as_orthanc(srv, series):
    answer = srv.http.get(_url(series[0], "/frames/1"), headers={"Accept": "application/dicom+json"})
    assert answer.status_code == 400
    assert answer.json()["Details"] == "expecting 'Accept: multipart/related' HTTP header"


def test_bad_frame_list_is_400(srv, series):
    assert srv.http.get(_url(series[0], "/frames/0")).status_code == 400
    assert srv.http.get(_url(series[0], "/frames/a,b")).status_code == 400


def test_stable_series_gets_its_metadata_cached_before_any_request(dicomweb_server, dicom_factory):
    from donjon_sdk import ChangeType

    from donjon_dicomweb.cache import CACHE_KEY

    srv = dicomweb_server({"StableAge": 1})
    datasets = [parse(b) for b in dicom_factory.study(series=1, instances=3)]
    for ds in datasets:
        srv.http.post("/instances", content=dicom_factory.encode(ds))
    srv.events.wait_for(lambda e: getattr(e, "change_type", None) is ChangeType.StableSeries, timeout=15)
    cache = srv.server.stash[CACHE_KEY]
    misses = cache.misses
    ds = datasets[0]
    answer = srv.http.get(f"/dicom-web/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/metadata")
    assert len(answer.json()) == 3
    assert cache.misses == misses  # every instance came from the cache
    assert answer.json()[0]["7FE00010"]["BulkDataURI"].startswith(f"http://127.0.0.1:{srv.http_port}/dicom-web/studies/")
