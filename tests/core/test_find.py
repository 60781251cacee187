"""POST /tools/find: matching rules, levels, paging, labels, files, and bad bodies."""

from __future__ import annotations

import pytest


@pytest.fixture
def loaded(donjon_server, dicom_factory):
    """A server with four patients; returns (server, {PatientID: answer of POST /instances})."""
    srv = donjon_server()
    specs = [
        dict(PatientName="Smith^John", PatientID="P1", StudyDate="20200115", modality="CT", StudyDescription="Chest CT"),
        dict(PatientName="SMITH^JANE", PatientID="P2", StudyDate="20201231", modality="MR", StudyDescription="brain mr"),
        dict(PatientName="Smíth^Zoé", PatientID="p3", StudyDate="20210101", modality="US", SpecificCharacterSet="ISO_IR 192"),
        dict(PatientName="Doe^John", PatientID="P4", StudyDate="", modality="CT", Rows=32, Columns=32),
    ]
    answers = {}
    for spec in specs:
        answers[spec["PatientID"]] = srv.http.post("/instances", content=dicom_factory.bytes(**spec)).json()
    return srv, answers


def find(srv, **body):
    answer = srv.http.post("/tools/find", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def studies(answers, *patients):
    return sorted(answers[p]["ParentStudy"] for p in patients)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"PatientName": "smith*"}, ["P1", "P2"]),
        ({"PatientName": "smith^john"}, ["P1"]),
        ({"PatientName": "SMITH"}, []),
        ({"PatientName": "sm?th^j?n?"}, ["P2"]),
        ({"PatientName": "*john*"}, ["P1", "P4"]),
        ({"PatientName": "Smith^Zoe"}, []),  # accents count, as in Orthanc
        ({"PatientName": "SMÍTH*"}, ["p3"]),
        ({"PatientID": "p1"}, ["P1"]),
        ({"PatientID": "P1\\p2"}, ["P1", "P2"]),
        ({"PatientName": "smith*\\doe*"}, []),  # list items are whole values
        ({"StudyDescription": "chest ct"}, ["P1"]),
        ({"StudyDate": "20200101-20201231"}, ["P1", "P2"]),
        ({"StudyDate": "20201231-"}, ["P2", "p3"]),
        ({"StudyDate": "-20201231"}, ["P1", "P2", "P4"]),  # an empty date sorts first, as in Orthanc
        ({"StudyDate": "20200115\\20210101"}, ["P1", "p3"]),
        ({"StudyDate": ""}, ["P1", "P2", "p3", "P4"]),
        ({"StudyDate": "-"}, ["P1", "P2", "p3", "P4"]),
        ({"PatientSex": "o", "StudyDate": "20201231-"}, ["P2", "p3"]),
        ({"ModalitiesInStudy": "CT\\MR"}, ["P1", "P2", "P4"]),
        ({"ModalitiesInStudy": "C*"}, ["P1", "P4"]),
        ({"Modality": "CT"}, []),  # a series tag never matches at study level
        ({"Rows": "32"}, ["P4"]),  # not a main tag: read from the files
        ({"0010,0020": "P1"}, ["P1"]),
        ({"00100020": "P1"}, ["P1"]),
    ],
)
def test_study_level_matching_rules(loaded, query, expected):
    srv, answers = loaded
    assert sorted(find(srv, Level="Study", Query=query)) == studies(answers, *expected)


def test_case_sensitive_applies_to_every_tag(loaded):
    srv, answers = loaded
    assert find(srv, Level="Study", Query={"PatientName": "smith*"}, CaseSensitive=True) == []
    assert find(srv, Level="Study", Query={"PatientID": "p1"}, CaseSensitive=True) == []
    assert find(srv, Level="Study", Query={"PatientName": "SMITH*"}, CaseSensitive=True) == studies(answers, "P2")


def test_case_sensitive_pn_configuration_is_the_default(donjon_server, dicom_factory):
    srv = donjon_server({"CaseSensitivePN": True})
    srv.http.post("/instances", content=dicom_factory.bytes(PatientName="Smith^John"))
    assert find(srv, Level="Study", Query={"PatientName": "smith*"}) == []
    assert len(find(srv, Level="Study", Query={"PatientName": "smith*"}, CaseSensitive=False)) == 1


@pytest.mark.parametrize("level", ["Patient", "Study", "Series", "Instance"])
def test_upper_level_constraints_at_every_level(loaded, level):
    srv, answers = loaded
    key = {"Patient": "ParentPatient", "Study": "ParentStudy", "Series": "ParentSeries", "Instance": "ID"}[level]
    found = find(srv, Level=level, Query={"PatientName": "smith*"})
    assert sorted(found) == sorted(answers[p][key] for p in ("P1", "P2"))


def test_series_and_instance_constraints_combine_levels(loaded):
    srv, answers = loaded
    assert find(srv, Level="Series", Query={"StudyDate": "20200101-20201231", "Modality": "MR"}) == [answers["P2"]["ParentSeries"]]
    assert find(srv, Level="Instance", Query={"PatientName": "Smith*", "Modality": "CT"}) == [answers["P1"]["ID"]]


def test_expand_gives_the_resource_json(loaded):
    srv, answers = loaded
    found = find(srv, Level="Study", Query={"PatientID": "P1"}, Expand=True)
    assert found == [srv.http.get(f"/studies/{answers['P1']['ParentStudy']}").json()]
    short = find(srv, Level="Study", Query={"PatientID": "P1"}, Expand=True, Short=True)
    assert short[0]["PatientMainDicomTags"]["0010,0020"] == "P1"
    full = find(srv, Level="Study", Query={"PatientID": "P1"}, Expand=True, Full=True)
    assert full[0]["PatientMainDicomTags"]["0010,0020"] == {"Name": "PatientID", "Type": "String", "Value": "P1"}


def test_requested_tags_come_from_index_computations_and_files(loaded):
    srv, _ = loaded
    found = find(srv, Level="Study", Query={"PatientID": "P4"}, Expand=True,
                 RequestedTags=["PatientName", "ModalitiesInStudy", "NumberOfStudyRelatedInstances", "Rows"])
    assert found[0]["RequestedTags"] == {
        "PatientName": "Doe^John", "ModalitiesInStudy": "CT", "NumberOfStudyRelatedInstances": "1", "Rows": "32"}


def test_limit_and_since_page_through_matches(loaded):
    srv, _ = loaded
    every = find(srv, Level="Study", Query={})
    assert len(every) == 4
    assert find(srv, Level="Study", Query={}, Limit=2) == every[:2]
    assert find(srv, Level="Study", Query={}, Limit=2, Since=1) == every[1:3]
    assert find(srv, Level="Study", Query={}, Since=3) == every[3:]
    matching = find(srv, Level="Study", Query={"PatientName": "*"})
    assert find(srv, Level="Study", Query={"PatientName": "*"}, Since=1, Limit=1) == matching[1:2]
    on_files = find(srv, Level="Study", Query={"Rows": "16"})
    assert find(srv, Level="Study", Query={"Rows": "16"}, Since=1, Limit=1) == on_files[1:2]


def test_limit_find_results_caps_like_orthanc(donjon_server, dicom_factory):
    # Orthanc 1.10.1 answers LimitFindResults + 1 resources on /tools/find (checked against it).
    srv = donjon_server({"LimitFindResults": 2, "LimitFindInstances": 1})
    for i in range(4):
        srv.http.post("/instances", content=dicom_factory.bytes(PatientID=f"P{i}"))
    assert len(find(srv, Level="Study", Query={})) == 3
    assert len(find(srv, Level="Study", Query={}, Limit=1)) == 1
    assert find(srv, Level="Study", Query={}, Since=3) == []
    assert len(find(srv, Level="Instance", Query={})) == 2


def test_storage_access_never_cannot_match_file_tags(donjon_server, dicom_factory):
    srv = donjon_server({"StorageAccessOnFind": "Never"})
    srv.http.post("/instances", content=dicom_factory.bytes())
    assert find(srv, Level="Instance", Query={"Rows": "16"}) == []
    assert len(find(srv, Level="Instance", Query={"Modality": "CT"})) == 1


def test_labels_all_any_none(loaded):
    srv, answers = loaded
    with srv.server.index.write() as tx:
        for patient, labels in {"P1": ["red", "blue"], "P2": ["red"]}.items():
            internal = tx.lookup(answers[patient]["ParentStudy"]).internal_id
            for label in labels:
                tx.add_label(internal, label)
    assert sorted(find(srv, Level="Study", Query={}, Labels=["red", "blue"])) == studies(answers, "P1")
    assert sorted(find(srv, Level="Study", Query={}, Labels=["blue", "red"], LabelsConstraint="Any")) == studies(answers, "P1", "P2")
    assert sorted(find(srv, Level="Study", Query={}, Labels=["blue"], LabelsConstraint="None")) == studies(answers, "P2", "p3", "P4")
    assert sorted(find(srv, Level="Study", Query={}, Labels=[], LabelsConstraint="None")) == studies(answers, "p3", "P4")
    assert find(srv, Level="Study", Query={"PatientID": "P2"}, Labels=["red"]) == studies(answers, "P2")


@pytest.mark.parametrize(
    ("body", "status", "code", "details"),
    [
        (b"not json", 400, 8, "The body must contain a JSON object"),
        (b"[1, 2]", 400, 8, "The body must contain a JSON object"),
        (b'{"Query": {}}', 400, 8, 'Field "Level" is missing, or should be a string'),
        (b'{"Level": "Study"}', 400, 8, 'Field "Query" is missing, or should be a JSON object'),
        (b'{"Level": "Study", "Query": []}', 400, 8, 'Field "Query" is missing, or should be a JSON object'),
        (b'{"Level": "Nope", "Query": {}}', 400, 3, None),
        (b'{"Level": "Study", "Query": {"PatientName": 5}}', 400, 8, 'Tag "PatientName" should be associated with a string'),
        (b'{"Level": "Study", "Query": {"StudyDate": "2020*"}}', 400, 3, "Wildcards are not allowed on tag 0008,0020"),
        (b'{"Level": "Study", "Query": {}, "Limit": "2"}', 400, 8, 'Field "Limit" should be an integer'),
        (b'{"Level": "Study", "Query": {}, "Since": -1}', 400, 3, 'Field "Since" should be a positive integer'),
        (b'{"Level": "Study", "Query": {}, "Expand": "yes"}', 400, 8, 'Field "Expand" should be a Boolean'),
        (b'{"Level": "Study", "Query": {}, "LabelsConstraint": "Some"}', 400, 3, None),
        (b'{"Level": "Study", "Query": {"NotATag": "x"}}', 500, 27, None),  # Orthanc's answer, too
    ],
)
def test_bad_bodies_get_orthanc_errors(loaded, body, status, code, details):
    srv, _ = loaded
    answer = srv.http.post("/tools/find", content=body)
    assert answer.status_code == status
    error = answer.json()
    assert error["OrthancStatus"] == code and error["Uri"] == "/tools/find" and error["Method"] == "POST"
    if details:
        assert error["Details"] == details
    assert len(find(srv, Level="Study", Query={})) == 4  # still up, nothing changed
