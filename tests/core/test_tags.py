"""The tags of an instance: /instances/{id}/tags, simplified-tags, header and their formats."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def _store(srv, dicom_factory, **tags) -> str:
    answer = srv.http.post("/instances", content=dicom_factory.bytes(**tags))
    assert answer.status_code == 200, answer.text
    return answer.json()["ID"]


def test_full_format_names_types_and_values(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory, PatientName="DOE^JOHN", Rows=16)
    tags = srv.http.get(f"/instances/{instance}/tags").json()
    assert tags["0010,0010"] == {"Name": "PatientName", "Type": "String", "Value": "DOE^JOHN"}
    assert tags["0028,0010"] == {"Name": "Rows", "Type": "String", "Value": "16"}
    assert tags["0028,0030"]["Value"] == "0.5\\0.5"  # several values joined by a backslash
    assert tags["7fe0,0010"] == {"Name": "PixelData", "Type": "Null", "Value": None}
    assert list(tags) == sorted(tags)  # Orthanc writes tags in order
    assert "0002,0010" not in tags  # the meta header is /header


def test_short_and_simplify_formats(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory, PatientName="DOE^JOHN")
    short = srv.http.get(f"/instances/{instance}/tags?short").json()
    simple = srv.http.get(f"/instances/{instance}/tags?simplify").json()
    assert short["0010,0010"] == "DOE^JOHN" and short["7fe0,0010"] is None
    assert simple["PatientName"] == "DOE^JOHN" and simple["PixelData"] is None
    assert list(simple) == sorted(simple)
    assert srv.http.get(f"/instances/{instance}/simplified-tags").json() == simple


def test_simplify_wins_over_short_whatever_its_value(donjon_server, dicom_factory):
    # Orthanc's GetDicomFormat looks at the presence of the argument only.
    srv = donjon_server()
    instance = _store(srv, dicom_factory)
    assert "PatientName" in srv.http.get(f"/instances/{instance}/tags?short&simplify").json()
    assert "PatientName" in srv.http.get(f"/instances/{instance}/tags?simplify=false").json()


def test_sequences_are_nested_lists_of_items(donjon_server, dicom_factory):
    srv = donjon_server()
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    item.ReferencedSOPInstanceUID = "1.2.3.4"
    instance = _store(srv, dicom_factory, ReferencedImageSequence=Sequence([item, Dataset()]))
    full = srv.http.get(f"/instances/{instance}/tags").json()["0008,1140"]
    assert full["Name"] == "ReferencedImageSequence" and full["Type"] == "Sequence"
    assert full["Value"][0]["0008,1155"] == {"Name": "ReferencedSOPInstanceUID", "Type": "String", "Value": "1.2.3.4"}
    assert full["Value"][1] == {}
    simple = srv.http.get(f"/instances/{instance}/tags?simplify").json()
    assert simple["ReferencedImageSequence"] == [
        {"ReferencedSOPClassUID": "1.2.840.10008.5.1.4.1.1.2", "ReferencedSOPInstanceUID": "1.2.3.4"},
        {},
    ]


def test_long_value_is_too_long_unless_ignored(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory, ImageComments="x" * 257, StudyDescription="y" * 64)
    tags = srv.http.get(f"/instances/{instance}/tags").json()
    assert tags["0020,4000"] == {"Name": "ImageComments", "Type": "TooLong", "Value": None}
    assert tags["0008,1030"]["Value"] == "y" * 64
    for spelling in ("ImageComments", "0020-4000", "00204000"):
        answer = srv.http.get(f"/instances/{instance}/tags", params={"ignore-length": spelling}).json()
        assert answer["0020,4000"]["Value"] == "x" * 257
    assert srv.http.get(f"/instances/{instance}/simplified-tags?ignore-length=ImageComments").json()["ImageComments"] == "x" * 257
    # The cached answer without ignore-length is untouched.
    assert srv.http.get(f"/instances/{instance}/tags?short").json()["0020,4000"] is None


def test_ignore_length_with_a_bad_tag_is_unknown_dicom_tag(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory)
    # "0020,4000" is split at the comma, as Orthanc does: neither half is a tag.
    for value in ("0020,4000", "NoSuchTag", ""):
        answer = srv.http.get(f"/instances/{instance}/tags", params={"ignore-length": value})
        assert answer.status_code == 500
        assert answer.json()["OrthancStatus"] == 27 and answer.json()["OrthancError"] == "Unknown DICOM tag"
    assert srv.http.get(f"/instances/{instance}/tags").status_code == 200


def test_binary_values_are_null_and_private_tags_carry_their_creator(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset()
    block = ds.private_block(0x0009, "GEMS_IDEN_01", create=True)
    block.add_new(0x01, "LO", "GE_GENESIS_FF")
    block.add_new(0x99, "LO", "unknown to the dictionary")
    ds.add_new(0x00431028, "OB", b"\x01\x02")
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    tags = srv.http.get(f"/instances/{instance}/tags").json()
    assert tags["0009,0010"] == {"Name": "PrivateCreator", "Type": "String", "Value": "GEMS_IDEN_01"}
    assert tags["0009,1001"] == {"Name": "FullFidelity", "PrivateCreator": "GEMS_IDEN_01", "Type": "String", "Value": "GE_GENESIS_FF"}
    assert tags["0009,1099"]["Name"] == "Unknown Tag & Data" and tags["0009,1099"]["PrivateCreator"] == "GEMS_IDEN_01"
    assert tags["0043,1028"]["Type"] == "Null"


def test_numbers_and_attribute_tags_are_text(donjon_server, dicom_factory):
    srv = donjon_server()
    instance = _store(srv, dicom_factory, FrameIncrementPointer=0x00181063, RecommendedDisplayFrameRateInFloat=2.5)
    simple = srv.http.get(f"/instances/{instance}/tags?simplify").json()
    assert simple["FrameIncrementPointer"] == "0018,1063"
    assert simple["RecommendedDisplayFrameRateInFloat"] == "2.5"
    assert simple["BitsAllocated"] == "16"


def test_values_are_decoded_to_utf8_per_specific_character_set(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset(SpecificCharacterSet="ISO_IR 144")
    ds.add_new(0x00100010, "PN", b"\xbb\xee\xdace\xdc\xd1yp\xd3")
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/tags?simplify").json()["PatientName"] == "Люкceмбypг"


def test_default_encoding_applies_without_specific_character_set(donjon_server, dicom_factory):
    srv = donjon_server({"DefaultEncoding": "Cyrillic"})
    ds = dicom_factory.dataset()
    del ds.SpecificCharacterSet
    ds.add_new(0x00100010, "PN", b"\xbb\xee\xda")
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/tags?simplify").json()["PatientName"] == "Люк"


def test_header_shows_the_file_meta_information(donjon_server, dicom_factory):
    srv = donjon_server()
    ds = dicom_factory.dataset()
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    header = srv.http.get(f"/instances/{instance}/header").json()
    assert header["0002,0010"] == {"Name": "TransferSyntaxUID", "Type": "String", "Value": "1.2.840.10008.1.2.1"}
    assert header["0002,0003"]["Value"] == ds.SOPInstanceUID
    assert "0002,0001" not in header  # binary: Orthanc leaves it out of the header
    simple = srv.http.get(f"/instances/{instance}/header?simplify").json()
    assert simple["MediaStorageSOPInstanceUID"] == ds.SOPInstanceUID
    assert srv.http.get(f"/instances/{instance}/header?short").json()["0002,0010"] == "1.2.840.10008.1.2.1"


def test_unknown_instance_is_404(donjon_server, dicom_factory):
    srv = donjon_server()
    series = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ParentSeries"]
    for route in ("tags", "simplified-tags", "header", "content", "module"):
        answer = srv.http.get(f"/instances/nope/{route}")
        assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17
    assert srv.http.get(f"/instances/{series}/tags").status_code == 404


def test_tags_follow_an_overwritten_file(donjon_server, dicom_factory):
    # The cache is keyed by attachment: a new file for the same instance is seen at once.
    srv = donjon_server({"OverwriteInstances": True})
    ds = dicom_factory.dataset(StudyDescription="first")
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    assert srv.http.get(f"/instances/{instance}/tags?simplify").json()["StudyDescription"] == "first"
    ds.StudyDescription = "second"
    srv.http.post("/instances", content=dicom_factory.encode(ds))
    assert srv.http.get(f"/instances/{instance}/tags?simplify").json()["StudyDescription"] == "second"
