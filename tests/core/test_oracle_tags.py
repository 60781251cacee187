"""Differential: the same files give the same tag answers on Donjon and on Orthanc 1.10.1.

Every pydicom sample both servers accept (test_files and charset_files), plus files built
here to hold every tag of the dictionary in several encodings. One Donjon and one
Orthanc serve the whole module; each file is deleted from both after its comparison,
because several samples share their UIDs.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.datadict import DicomDictionary
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from donjon_sdk.testing import DonjonHandle, start_server
from donjon_sdk.testing.oracle import OrthancOracle, orthanc_binary, start_orthanc

pytestmark = pytest.mark.oracle

_DATA = Path(pydicom.data.__file__).parent
SAMPLES = sorted(p.relative_to(_DATA).as_posix() for p in [*_DATA.glob("test_files/*.dcm"), *_DATA.glob("charset_files/*.dcm")])

# Answers that Orthanc 1.10.1 gives differently from the 1.12 that we follow, normalised away:
# "Labels" and the patients' "IsProtected" (new in 1.12, see the OpenAPI examples),
# "TimezoneOffsetFromUTC" among the study and series main tags (1.12), the attachment
# UUID (random) and "IsStable"/"LastUpdate" (timing).
_VOLATILE = ("Labels", "IsProtected", "FileUuid", "IsStable", "LastUpdate")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DonjonHandle, OrthancOracle]]:
    if orthanc_binary() is None:
        pytest.skip("Debian's Orthanc is not installed")
    donjon = start_server(tmp_path_factory.mktemp("donjon"))
    oracle = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    yield donjon, oracle
    donjon.close()
    oracle.stop()


def _store_both(servers: tuple[DonjonHandle, OrthancOracle], data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    donjon, oracle = servers
    theirs = oracle.http.post("/instances", content=data)
    if theirs.status_code != 200:
        pytest.skip(f"Orthanc 1.10.1 refuses this file ({theirs.status_code})")
    ours = donjon.http.post("/instances", content=data)
    assert ours.status_code == 200, ours.text
    return ours.json(), theirs.json()


def _forget(servers: tuple[DonjonHandle, OrthancOracle], ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    servers[0].http.delete(f"/patients/{ours['ParentPatient']}")
    servers[1].http.delete(f"/patients/{theirs['ParentPatient']}")


def _same(servers: tuple[DonjonHandle, OrthancOracle], ours_uri: str, theirs_uri: str) -> None:
    a, b = servers[0].http.get(ours_uri), servers[1].http.get(theirs_uri)
    assert a.status_code == b.status_code, ours_uri
    if b.headers.get("content-type", "").startswith("application/json"):
        assert a.json() == b.json(), ours_uri
    else:
        assert a.content == b.content, ours_uri


def _tag_routes(answer: dict[str, Any]) -> list[str]:
    instance, series, study, patient = answer["ID"], answer["ParentSeries"], answer["ParentStudy"], answer["ParentPatient"]
    routes = [f"/instances/{instance}/{q}" for q in ("tags", "tags?simplify", "tags?short", "simplified-tags", "header", "header?simplify", "module", "content")]
    routes += [f"/series/{series}/shared-tags", f"/studies/{study}/shared-tags?simplify", f"/patients/{patient}/shared-tags?short"]
    routes += [f"/patients/{patient}/module", f"/studies/{study}/module?simplify", f"/studies/{study}/module-patient", f"/series/{series}/module?short"]
    return routes


def _compare_everything(servers: tuple[DonjonHandle, OrthancOracle], data: bytes) -> None:
    ours, theirs = _store_both(servers, data)
    try:
        for ours_uri, theirs_uri in zip(_tag_routes(ours), _tag_routes(theirs)):
            _same(servers, ours_uri, theirs_uri)
        _compare_content(servers, ours["ID"], theirs["ID"])
    finally:
        _forget(servers, ours, theirs)


def _compare_content(servers: tuple[DonjonHandle, OrthancOracle], ours_id: str, theirs_id: str) -> None:
    """The root listing, then the first leaves, sequences and pixel data (bounded: the machine is shared)."""
    listing = servers[1].http.get(f"/instances/{theirs_id}/content").json()
    for tag in listing[:25] + [t for t in listing if t == "7fe0-0010"]:
        _same(servers, f"/instances/{ours_id}/content/{tag}", f"/instances/{theirs_id}/content/{tag}")
    _same(servers, f"/instances/{ours_id}/content/7fe0-0010/1", f"/instances/{theirs_id}/content/7fe0-0010/1")


@pytest.mark.parametrize("name", SAMPLES)
def test_same_tags_as_orthanc(name: str, servers: tuple[DonjonHandle, OrthancOracle]) -> None:
    _compare_everything(servers, (_DATA / name).read_bytes())


@pytest.mark.parametrize("name", SAMPLES)
def test_same_resources_as_orthanc(name: str, servers: tuple[DonjonHandle, OrthancOracle]) -> None:
    ours, theirs = _store_both(servers, (_DATA / name).read_bytes())
    try:
        for level, key in (("instances", "ID"), ("series", "ParentSeries"), ("studies", "ParentStudy"), ("patients", "ParentPatient")):
            a = _normalise(servers[0].http.get(f"/{level}/{ours[key]}").json())
            b = _normalise(servers[1].http.get(f"/{level}/{theirs[key]}").json())
            assert a == b, level
    finally:
        _forget(servers, ours, theirs)


def _normalise(answer: dict[str, Any]) -> dict[str, Any]:
    for key in _VOLATILE:
        answer.pop(key, None)
    answer.get("MainDicomTags", {}).pop("TimezoneOffsetFromUTC", None)
    if answer.get("Type") == "Instance":
        answer["MainDicomTags"].pop("ImageComments", None)  # an instance main tag since Orthanc 1.11
    if answer.get("Type") == "Series":  # series main tags since Orthanc 1.12.5
        for keyword in ("PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime"):
            answer["MainDicomTags"].pop(keyword, None)
    return answer


# -- files that hold every tag of the dictionary ----------------------------------------

_DUMMY = {"DA": "20200101", "TM": "120000", "DT": "20200101120000", "UI": "1.2.3", "AS": "010Y", "DS": "1.5", "IS": "-1", "AE": "AE", "CS": "CS", "PN": "P^N"}


def _every_tag(uid: str, *, multi: bool = False, empty: bool = False) -> Dataset:
    ds = Dataset()
    for tag, entry in DicomDictionary.items():
        vr = entry[0].split(" or ")[0]
        group = tag >> 16
        if group < 8 or group in (0x7FE0, 0xFFFE, 0xFFFA, 0xFFFC) or tag & 0xFFFF == 0 or "x" in f"{tag:08x}" or vr == "UN":
            continue
        ds.add_new(tag, vr, None if empty and vr != "SQ" else _value(vr, multi))
    ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID = "EVERYTAG", "1.2.826.0.1.3680043.98", "1.2.826.0.1.3680043.98.1"
    ds.SOPInstanceUID, ds.SOPClassUID, ds.SpecificCharacterSet = uid, "1.2.840.10008.5.1.4.1.1.7", "ISO_IR 100"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, uid
    return ds


def _value(vr: str, multi: bool) -> Any:
    if vr in ("US", "SS", "UL", "SL", "UV", "SV"):
        return [1, 2, 3] if multi else 1
    if vr in ("FL", "FD"):
        return [0.1, -2.5e-7] if multi else 1.5
    if vr == "AT":
        return [0x00100010, 0x00200020] if multi else 0x00100010
    if vr in ("OB", "OW", "OF", "OD", "OL", "OV"):
        return b"\0\1"
    if vr == "SQ":
        item = Dataset()
        item.PatientName = "ITEM^NAME"
        return Sequence([item, Dataset()] if multi else [])
    if multi and vr in ("LO", "SH", "CS", "PN", "UC", "DS", "IS"):
        return [" a ", "b  "] if vr not in ("DS", "IS") else ["1.5 ", " 2"]
    if multi and vr in ("LT", "ST", "UT"):
        return " line1\r\nline2\\x  "
    return _DUMMY.get(vr, "x")


def _encode(ds: Dataset, syntax: str) -> bytes:
    ds = copy.deepcopy(ds)
    ds.file_meta.TransferSyntaxUID = syntax
    buffer = io.BytesIO()
    if syntax == ExplicitVRBigEndian:  # pydicom only writes big endian when forced, without enforcing Part 10
        ds.preamble = b"\0" * 128
        pydicom.dcmwrite(buffer, ds, implicit_vr=False, little_endian=False, force_encoding=True)
    else:
        pydicom.dcmwrite(buffer, ds, implicit_vr=syntax == ImplicitVRLittleEndian, little_endian=True, enforce_file_format=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("syntax", "multi", "empty"),
    [
        (ExplicitVRLittleEndian, False, False),
        (ImplicitVRLittleEndian, False, False),  # VRs come from the dictionary
        (ExplicitVRBigEndian, False, False),
        (ExplicitVRLittleEndian, True, False),  # several values, padding, nested items
        (ImplicitVRLittleEndian, True, False),
        (ExplicitVRLittleEndian, False, True),  # every value empty
    ],
)
def test_every_dictionary_tag_as_orthanc(syntax: str, multi: bool, empty: bool, servers: tuple[DonjonHandle, OrthancOracle]) -> None:
    _compare_everything(servers, _encode(_every_tag("1.2.826.0.1.3680043.98.1.1", multi=multi, empty=empty), syntax))


_CHARSETS = [
    (None, b"J\xe9r\xf4me\x01\x7f"),
    ("ISO_IR 192", b"J\xc3\xa9r\xff\xfeome"),
    ("ISO_IR 6", b"J\xe9r\xf4me\tx\r\ny"),
    ("NOT A CHARSET", b"J\xe9r\xf4me"),
    ("ISO_IR 13", b"\xd4\xcf~\\x"),
    ("ISO_IR 144", b"\xbb\xee\xda"),
    (["", "ISO 2022 IR 87"], b"\x1b$B$d$^\x1b(B\\\x1b$B$d\x1b(B"),
    (["ISO 2022 IR 6", "ISO 2022 IR 87"], b"\x1b$B$d$^\x1b(B"),
    ("GB18030", b"\xcd\xf5\\\xcd"),
]


@pytest.mark.parametrize(("charset", "raw"), _CHARSETS)
def test_character_sets_as_orthanc(charset: Any, raw: bytes, servers: tuple[DonjonHandle, OrthancOracle]) -> None:
    ds = _every_tag("1.2.826.0.1.3680043.98.1.2", empty=True)
    if charset is None:
        del ds.SpecificCharacterSet
    else:
        ds.SpecificCharacterSet = charset
    for tag, vr in ((0x00100010, "PN"), (0x00081030, "LO"), (0x00204000, "LT"), (0x00080080, "LO")):
        ds.add_new(tag, vr, raw * (60 if tag == 0x00080080 else 1))  # InstitutionName: too long once decoded?
    _compare_everything(servers, _encode(ds, ExplicitVRLittleEndian))
