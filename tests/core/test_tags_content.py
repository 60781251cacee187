"""/instances/{id}/content: walking tags, sequences and items down to raw values."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def _instance_with_sequence(srv, dicom_factory, **tags) -> str:
    first, second = Dataset(), Dataset()
    first.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    first.ReferencedSOPInstanceUID = "1.2.3.4"
    second.ReferencedSOPInstanceUID = "1.2.3.5"
    data = dicom_factory.bytes(ReferencedImageSequence=Sequence([first, second]), **tags)
    return srv.http.post("/instances", content=data).json()["ID"]


def test_root_lists_every_tag_of_the_dataset(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _instance_with_sequence(srv, dicom_factory)
    answer = srv.http.get(f"/instances/{instance}/content")
    assert answer.status_code == 200
    listing = answer.json()
    assert "0010-0010" in listing and "0008-1140" in listing and "7fe0-0010" in listing
    assert listing == sorted(listing)


def test_sequence_items_and_item_tags(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _instance_with_sequence(srv, dicom_factory)
    assert srv.http.get(f"/instances/{instance}/content/0008-1140").json() == ["0", "1"]
    assert srv.http.get(f"/instances/{instance}/content/0008-1140/0").json() == ["0008-1150", "0008-1155"]
    leaf = srv.http.get(f"/instances/{instance}/content/0008-1140/1/0008-1155")
    assert leaf.status_code == 200
    assert leaf.headers["content-type"] == "application/octet-stream"
    assert leaf.content == b"1.2.3.5\0"  # the raw value, padding included


def test_leaf_is_the_raw_value(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _instance_with_sequence(srv, dicom_factory, PatientName="DOE^JO")
    assert srv.http.get(f"/instances/{instance}/content/0010-0010").content == b"DOE^JO"
    assert srv.http.get(f"/instances/{instance}/content/PatientName").content == b"DOE^JO"
    assert srv.http.get(f"/instances/{instance}/content/00100010").content == b"DOE^JO"
    assert srv.http.get(f"/instances/{instance}/content/0028-0010").content == (16).to_bytes(2, "little")


def test_native_pixel_data_is_one_frame(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(rows=4, columns=4)
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/content/7fe0-0010").json() == ["0"]
    assert srv.http.get(f"/instances/{instance}/content/7fe0-0010/0").content == ds.PixelData
    assert srv.http.get(f"/instances/{instance}/content/7fe0-0010/1").status_code == 404


def test_missing_things_are_an_empty_404(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _instance_with_sequence(srv, dicom_factory)
    for path in ("0008-1140/2", "0008-1140/x", "0010-0010/0", "0010-1010", "0008-1140/0/0010-0010", "0002-0010"):
        answer = srv.http.get(f"/instances/{instance}/content/{path}")
        assert answer.status_code == 404, path
        assert answer.content == b""


def test_a_path_that_is_not_a_tag_is_unknown_dicom_tag(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _instance_with_sequence(srv, dicom_factory)
    answer = srv.http.get(f"/instances/{instance}/content/NotATag")
    assert answer.status_code == 500
    assert answer.json()["OrthancStatus"] == 27
