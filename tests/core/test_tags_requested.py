"""``?requestedTags=`` on GET /{level}/{id} and expanded listings (Orthanc 1.11+)."""

from __future__ import annotations


def test_requested_tags_from_main_tags_computed_tags_and_files(donjon_server, dicom_factory):
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=2, PatientName="REQ^TAGS", PatientBirthDate="19800101", BodyPartExamined="CHEST", ImageComments="from the file")
    answers = [srv.http.post("/instances", content=data).json() for data in files]
    study = answers[0]["ParentStudy"]
    params = {"requestedTags": "0010,0010;PatientBirthDate;NumberOfStudyRelatedInstances;ModalitiesInStudy;ImageComments;PatientWeight"}
    body = srv.http.get(f"/studies/{study}", params=params).json()
    assert body["RequestedTags"] == {
        "ImageComments": "from the file",  # not a main tag: read from an instance's file
        "ModalitiesInStudy": "CT",
        "NumberOfStudyRelatedInstances": "4",
        "PatientBirthDate": "19800101",
        "PatientName": "REQ^TAGS",
    }  # PatientWeight is absent from the files: left out
    assert "RequestedTags" not in srv.http.get(f"/studies/{study}").json()


def test_requested_tags_follow_the_tag_format(donjon_server, dicom_factory):
    srv = donjon_server()
    answer = srv.http.post("/instances", content=dicom_factory.bytes(PatientName="FMT")).json()
    series = answer["ParentSeries"]
    short = srv.http.get(f"/series/{series}?short&requestedTags=PatientName;Rows").json()["RequestedTags"]
    assert short == {"0010,0010": "FMT", "0028,0010": "16"}
    full = srv.http.get(f"/series/{series}?full&requested-tags=PatientName").json()["RequestedTags"]
    assert full == {"0010,0010": {"Name": "PatientName", "Type": "String", "Value": "FMT"}}


def test_requested_tags_in_listings_and_children(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = [srv.http.post("/instances", content=data).json() for data in dicom_factory.study(series=1, instances=2, PatientName="LIST")]
    listing = srv.http.get("/studies?expand&requestedTags=PatientName;NumberOfStudyRelatedSeries").json()
    assert [s["RequestedTags"] for s in listing] == [{"NumberOfStudyRelatedSeries": "1", "PatientName": "LIST"}]
    children = srv.http.get(f"/series/{answers[0]['ParentSeries']}/instances?requestedTags=SOPInstanceUID").json()
    assert all(c["RequestedTags"]["SOPInstanceUID"] for c in children)
    parent = srv.http.get(f"/instances/{answers[0]['ID']}/study?requestedTags=PatientName").json()
    assert parent["RequestedTags"] == {"PatientName": "LIST"}


def test_requested_tag_that_is_not_a_tag_is_an_error(donjon_server, dicom_factory):
    srv = donjon_server()
    study = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ParentStudy"]
    answer = srv.http.get(f"/studies/{study}?requestedTags=NotATag")
    assert answer.status_code == 500 and answer.json()["OrthancStatus"] == 27
