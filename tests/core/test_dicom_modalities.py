"""``DicomModalities`` in Orthanc's two forms, and what a malformed entry does to the start."""

from __future__ import annotations

import pytest
from donjon.dicom.modalities import DicomRequest, Modalities, parse_modality
from donjon.errors import DonjonError, ErrorCode


def test_array_form_with_and_without_manufacturer():
    plain = parse_modality("pacs", ["PACS", "192.168.0.2", 104])
    assert (plain.aet, plain.host, plain.port, plain.manufacturer) == ("PACS", "192.168.0.2", 104, "Generic")
    assert all(plain.is_request_allowed(r) for r in DicomRequest)
    ge = parse_modality("ge", ["GEAW", "aw.local", "4100", "GE"])
    assert (ge.port, ge.manufacturer) == (4100, "GE")


def test_object_form_reads_every_key():
    m = parse_modality(
        "untrusted",
        {
            "AET": "ORTHANC2",
            "Port": 104,
            "Host": "127.0.0.1",
            "Manufacturer": "Vitrea",
            "AllowEcho": False,
            "AllowFind": False,
            "AllowGet": False,
            "AllowMove": False,
            "AllowStore": True,
            "AllowStorageCommitment": False,
            "AllowTranscoding": False,
            "UseDicomTls": True,
            "LocalAet": "HELLO",
            "Timeout": 60,
        },
    )
    assert not m.is_request_allowed(DicomRequest.Echo) and m.is_request_allowed(DicomRequest.Store)
    assert not m.is_request_allowed(DicomRequest.NAction) and not m.is_request_allowed(DicomRequest.NEventReport)
    assert m.is_request_allowed(DicomRequest.FindWorklist)  # absent keys default to true
    assert (m.manufacturer, m.allow_transcoding, m.use_dicom_tls, m.local_aet, m.timeout) == ("Vitrea", False, True, "HELLO", 60)
    assert m.to_json()["AllowStore"] is True and m.to_json()["LocalAet"] == "HELLO"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (["PACS", "host"], "got 2 items"),
        (["PACS", "host", 0], "port"),
        (["PACS", "host", "http"], "port"),
        (["PACS", "host", 104, "Acme"], "unknown manufacturer 'Acme'"),
        ({"AET": "PACS", "Host": "h"}, "'Port' is missing"),
        ({"AET": "PACS", "Host": "h", "Port": 104, "AllowEcho": "yes"}, "'AllowEcho' must be true or false"),
        ("PACS@host:104", "expected [AET, host, port]"),
    ],
)
def test_malformed_modality_names_itself(value, fragment):
    with pytest.raises(DonjonError) as info:
        parse_modality("broken", value)
    assert info.value.code is ErrorCode.BadFileFormat
    assert "DicomModalities.broken" in str(info.value) and fragment in str(info.value)


def test_aet_longer_than_16_characters_is_refused():
    with pytest.raises(DonjonError) as info:
        parse_modality("long", ["A" * 17, "host", 104])
    assert info.value.code is ErrorCode.BadApplicationEntityTitle


def test_lookup_by_aet_follows_strict_aet_comparison():
    entries = {"a": parse_modality("a", ["PACS", "h1", 104]), "b": parse_modality("b", ["pacs", "h2", 104])}
    assert [m.name for m in Modalities(entries).by_aet("Pacs")] == ["a", "b"]
    assert [m.name for m in Modalities(entries, strict_aet_comparison=True).by_aet("pacs")] == ["b"]
    with pytest.raises(DonjonError) as info:
        Modalities(entries).get_or_raise("c")
    assert info.value.code is ErrorCode.UnknownModality and info.value.http_status == 404


def test_malformed_modality_stops_the_start(donjon_server):
    with pytest.raises(DonjonError) as info:
        donjon_server({"DicomModalities": {"bad": ["PACS", "host"]}})
    assert "DicomModalities.bad" in str(info.value)
