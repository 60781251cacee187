"""Differential: the same files and the same /tools/find queries on Donjon and on Orthanc 1.10.1.

Answers are compared as sets (the order of Orthanc's answers is not part of its API).
"""

from __future__ import annotations

import pytest

SAMPLES = ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "JPEG2000.dcm", "waveform_ecg.dcm", "SC_rgb_rle.dcm"]

QUERIES = [
    # single values, case-insensitive by default, on every level
    ("Patient", {"PatientName": "smith^john"}),
    ("Patient", {"PatientID": "pat-1"}),
    ("Study", {"PatientName": "SMITH^JANE"}),
    ("Study", {"StudyDescription": "chest ct"}),
    ("Study", {"AccessionNumber": "acc-3"}),
    ("Series", {"Modality": "mr"}),
    ("Series", {"SeriesDescription": "AXIAL T1"}),
    ("Instance", {"InstanceNumber": "2"}),
    ("Study", {"StudyTime": "101500"}),
    ("Study", {"StudyTime": "1015"}),
    # wildcards
    ("Study", {"PatientName": "smi*"}),
    ("Study", {"PatientName": "SMI*"}),
    ("Study", {"PatientName": "*john*"}),
    ("Study", {"PatientName": "sm?th^j*"}),
    ("Study", {"PatientName": "*"}),
    ("Study", {"StudyDescription": "*"}),
    ("Series", {"SeriesDescription": "*t1*"}),
    ("Patient", {"PatientName": "müller*"}),
    ("Patient", {"PatientName": "MÜLLER^HANS"}),
    ("Patient", {"PatientName": "muller*"}),
    # ranges
    ("Study", {"StudyDate": "20200101-20201231"}),
    ("Study", {"StudyDate": "20210101-"}),
    ("Study", {"StudyDate": "-20191231"}),
    ("Study", {"StudyDate": "20200101-20200101"}),
    ("Study", {"StudyTime": "090000-120000"}),
    ("Patient", {"PatientBirthDate": "19500101-19801231"}),
    ("Series", {"StudyDate": "20200101-", "Modality": "CT"}),
    # lists
    ("Study", {"PatientID": "PAT-1\\pat-2\\nobody"}),
    ("Series", {"Modality": "CT\\MR"}),
    ("Study", {"StudyDate": "20200115\\20210610"}),
    ("Study", {"PatientName": "smith*\\doe*"}),
    ("Study", {"ModalitiesInStudy": "MR"}),
    ("Study", {"ModalitiesInStudy": "CT\\US"}),
    # tags of upper levels, lower levels, and tags only the files hold
    ("Series", {"PatientName": "Smith*"}),
    ("Instance", {"PatientName": "Smith*", "Modality": "CT"}),
    ("Instance", {"StudyDate": "20200101-20201231", "InstanceNumber": "1"}),
    ("Study", {"Modality": "CT"}),
    ("Patient", {"StudyDate": "20200115"}),
    ("Study", {"Rows": "16"}),
    ("Instance", {"Rows": "32"}),
    ("Series", {"BodyPartExamined": "HEAD\\CHEST"}),
    ("Instance", {"Manufacturer": "GE*"}),
    # universal matching, everything at each level
    ("Study", {"StudyDate": ""}),
    ("Patient", {}),
    ("Study", {}),
    ("Series", {}),
    ("Instance", {}),
    ("Instance", {"SOPClassUID": "1.2.840.10008.5.1.4.1.1.2"}),
]


def _load(server_http, files):
    for data in files:
        assert server_http.post("/instances", content=data).status_code == 200


@pytest.fixture
def pair(donjon_server, orthanc_oracle, dicom_factory, dicom_samples):
    """(donjon, orthanc) holding the same instances."""
    f = dicom_factory
    files = []
    files += f.study(series=2, instances=2, PatientName="Smith^John", PatientID="PAT-1", StudyDate="20200115",
                     StudyTime="101500", StudyDescription="Chest CT", AccessionNumber="ACC-1", PatientBirthDate="19600101")
    files += [f.bytes(PatientName="SMITH^JANE", PatientID="pat-2", StudyDate="20201231", StudyTime="093000", modality="MR",
                      StudyDescription="Brain MR", SeriesDescription="axial t1", BodyPartExamined="HEAD", AccessionNumber="ACC-2")]
    files += [f.bytes(PatientName="Müller^Hans", PatientID="PAT-3", StudyDate="20210610", StudyTime="235959", modality="US",
                      SpecificCharacterSet="ISO_IR 192", AccessionNumber="acc-3", Manufacturer="GE Healthcare", rows=32, columns=32)]
    files += [f.bytes(PatientName="Doe^John", PatientID="PAT-4", StudyDate="", modality="CT", StudyDescription=None,
                      BodyPartExamined="CHEST", PatientBirthDate="19850505")]
    files += [dicom_samples(name) for name in SAMPLES]
    ours, theirs = donjon_server(), orthanc_oracle()
    _load(ours.http, files)
    _load(theirs.http, files)
    return ours, theirs


def _ids(client, level, query, **extra):
    answer = client.post("/tools/find", json={"Level": level, "Query": query, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.oracle
def test_find_battery_matches_orthanc(pair):
    ours, theirs = pair
    mismatches = []
    for level, query in QUERIES:
        for case_sensitive in (None, True, False):
            extra = {} if case_sensitive is None else {"CaseSensitive": case_sensitive}
            mine, reference = _ids(ours.http, level, query, **extra), _ids(theirs.http, level, query, **extra)
            if sorted(mine) != sorted(reference):
                mismatches.append((level, query, extra, len(mine), len(reference)))
    assert mismatches == []


# Main tags that Orthanc 1.11 added to its index and 1.10.1 lacks; Donjon indexes them (main_tags.py).
_NEWER_MAIN_TAGS = {"TimezoneOffsetFromUTC", "ImageComments", "0008,0201", "0020,4000"}


def _comparable(resource):
    keep = ("ID", "Type", "ParentPatient", "ParentStudy", "ParentSeries")
    out = {k: resource[k] for k in keep if k in resource}
    for tags in ("MainDicomTags", "PatientMainDicomTags"):
        if tags in resource:
            out[tags] = {k: v for k, v in resource[tags].items() if k not in _NEWER_MAIN_TAGS}
    for children in ("Studies", "Series", "Instances"):
        if isinstance(resource.get(children), list):
            out[children] = sorted(resource[children])
    return out


@pytest.mark.oracle
@pytest.mark.parametrize("level", ["Patient", "Study", "Series", "Instance"])
def test_expanded_answers_match_orthanc(pair, level):
    ours, theirs = pair
    for fmt in ({}, {"Short": True}, {"Full": True}):
        mine = {r["ID"]: _comparable(r) for r in _ids(ours.http, level, {"PatientName": "*"}, Expand=True, **fmt)}
        reference = {r["ID"]: _comparable(r) for r in _ids(theirs.http, level, {"PatientName": "*"}, Expand=True, **fmt)}
        assert mine == reference


@pytest.mark.oracle
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"Level": "Study"}',
        b'{"Query": {}}',
        b'{"Level": "Nope", "Query": {}}',
        b'{"Level": "Study", "Query": {"StudyDate": "2020*"}}',
        b'{"Level": "Study", "Query": {"PatientName": 3}}',
        b'{"Level": "Study", "Query": {}, "Limit": -1}',
        b'{"Level": "Study", "Query": {}, "Since": "1"}',
        b'{"Level": "Study", "Query": {"NotATag": "x"}}',
    ],
)
def test_errors_match_orthanc(pair, body):
    ours, theirs = pair
    mine, reference = ours.http.post("/tools/find", content=body), theirs.http.post("/tools/find", content=body)
    assert mine.status_code == reference.status_code
    assert mine.json()["OrthancStatus"] == reference.json()["OrthancStatus"]


@pytest.mark.oracle
@pytest.mark.parametrize("identifier", ["PAT-1", "pat-1", "1.2.840.113619.2.1.1.322987881.621.736170080.681", "nothing"])
def test_lookup_matches_orthanc(pair, identifier):
    ours, theirs = pair
    mine = ours.http.post("/tools/lookup", content=identifier.encode()).json()
    reference = theirs.http.post("/tools/lookup", content=identifier.encode()).json()
    assert sorted(mine, key=lambda r: r["ID"]) == sorted(reference, key=lambda r: r["ID"])
