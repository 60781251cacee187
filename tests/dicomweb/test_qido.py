"""QIDO-RS through dicomweb-client: levels, nested forms, matching, paging, includefield, errors."""

from __future__ import annotations

import pytest
from dicomweb_helpers import parse


@pytest.fixture
def stored(srv, client, dicom_factory):
    """Two studies: DOE^JOHN (CT, 2 series x 2) in 2024, SMITH^ANNA (MR, 1 x 3) in 2019."""
    doe = [parse(b) for b in dicom_factory.study(series=2, instances=2, PatientName="DOE^JOHN", PatientID="P1", StudyDate="20240115")]
    smith = [
        parse(b)
        for b in dicom_factory.study(series=1, instances=3, PatientName="SMITH^ANNA", PatientID="P2", StudyDate="20190301", Modality="MR")
    ]
    client.store_instances(doe + smith)
    return doe, smith


def _values(answers, tag):
    return sorted(a[tag]["Value"][0] if isinstance(a[tag]["Value"][0], str) else a[tag]["Value"][0]["Alphabetic"] for a in answers)


def test_search_for_studies_lists_every_study_with_counts(client, stored):
    answers = client.search_for_studies()
    assert _values(answers, "00100010") == ["DOE^JOHN", "SMITH^ANNA"]
    doe = next(a for a in answers if a["00100020"]["Value"] == ["P1"])
    assert doe["00201206"] == {"vr": "IS", "Value": [2]}
    assert doe["00201208"] == {"vr": "IS", "Value": [4]}
    assert doe["00080061"] == {"vr": "CS", "Value": ["CT"]}
    assert doe["00081190"]["Value"][0].endswith(f"/dicom-web/studies/{stored[0][0].StudyInstanceUID}")


def test_wildcard_matches_names_whatever_the_case(client, stored):
    assert _values(client.search_for_studies(search_filters={"PatientName": "smi*"}), "00100010") == ["SMITH^ANNA"]
    assert _values(client.search_for_studies(search_filters={"PatientName": "D?E^*"}, fuzzymatching=True), "00100010") == ["DOE^JOHN"]


def test_match_by_tag_number_is_the_same_as_by_keyword(client, stored):
    by_tag = client.search_for_studies(search_filters={"00100020": "P2"})
    by_keyword = client.search_for_studies(search_filters={"PatientID": "P2"})
    assert by_tag == by_keyword and len(by_tag) == 1


@pytest.mark.parametrize(("dates", "expected"), [("20200101-", ["P1"]), ("-20200101", ["P2"]), ("20190301-20240115", ["P1", "P2"]), ("20190302", [])])
def test_date_ranges(client, stored, dates, expected):
    answers = client.search_for_studies(search_filters={"StudyDate": dates})
    assert sorted(a["00100020"]["Value"][0] for a in answers) == expected


def test_nested_series_and_instances(client, stored):
    doe, smith = stored
    study = doe[0].StudyInstanceUID
    series = client.search_for_series(study)
    assert sorted(a["0020000E"]["Value"][0] for a in series) == sorted({d.SeriesInstanceUID for d in doe})
    assert all(a["00201209"] == {"vr": "IS", "Value": [2]} for a in series)
    instances = client.search_for_instances(study, doe[0].SeriesInstanceUID)
    expected = sorted(d.SOPInstanceUID for d in doe if d.SeriesInstanceUID == doe[0].SeriesInstanceUID)
    assert sorted(a["00080018"]["Value"][0] for a in instances) == expected
    assert len(client.search_for_instances(study)) == 4
    assert client.search_for_series("1.2.3.4.5") == []


def test_series_and_instances_at_top_level_with_a_filter(client, stored):
    assert len(client.search_for_series(search_filters={"Modality": "MR"})) == 1
    mr = client.search_for_instances(search_filters={"Modality": "MR"})
    assert len(mr) == 3
    assert {a["00280010"]["Value"][0] for a in mr} == {16}


def test_limit_and_offset_page_through_instances(client, stored):
    everything = [a["00080018"]["Value"][0] for a in client.search_for_instances()]
    assert len(everything) == 7
    pages = [client.search_for_instances(limit=3, offset=o) for o in (0, 3, 6)]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [a["00080018"]["Value"][0] for p in pages for a in p] == everything


def test_includefield_adds_attributes_from_the_files(client, stored):
    plain = client.search_for_instances(search_filters={"Modality": "MR"})
    assert "00280030" not in plain[0]
    more = client.search_for_instances(search_filters={"Modality": "MR"}, fields=["PixelSpacing", "00200032"])
    assert more[0]["00280030"] == {"vr": "DS", "Value": [0.5, 0.5]}
    assert "00200032" in more[0]
    everything = client.search_for_instances(search_filters={"Modality": "MR"}, get_remaining=False, fields=["all"])
    assert {"00280030", "00281052", "00200037"} <= set(everything[0])


def test_matching_on_a_tag_only_the_files_hold(client, stored):
    # BitsStored is no main tag: the engine reads one file of each candidate to match it.
    assert len(client.search_for_instances(search_filters={"BitsStored": "12"})) == 7
    assert client.search_for_instances(search_filters={"BitsStored": "8"}) == []
    answers = client.search_for_studies(search_filters={"BitsStored": "12", "PatientID": "P2"})
    assert [a["00100020"]["Value"] for a in answers] == [["P2"]]
    assert answers[0]["00280101"] == {"vr": "US", "Value": [12]}  # a matching attribute is returned


def test_bad_limit_is_400_and_server_stays_up(srv, stored):
    answer = srv.http.get("/dicom-web/studies?limit=ten")
    assert answer.status_code == 400
    assert "limit" in answer.json()["Details"]
    assert srv.http.get("/dicom-web/studies").status_code == 200


def test_wildcard_on_a_date_is_refused(srv, stored):
    answer = srv.http.get("/dicom-web/studies?StudyDate=2024*")
    assert answer.status_code == 400
    assert answer.json()["OrthancError"] == "Parameter out of range"


def test_no_match_is_an_empty_array(srv, stored):
    answer = srv.http.get("/dicom-web/studies?PatientID=nobody")
    assert answer.status_code == 200
    assert answer.content == b"[]"
    assert answer.headers["content-type"].startswith("application/dicom+json")
