"""Tags across instances: shared-tags, module, module-patient, instances-tags."""

from __future__ import annotations


def _study(srv, dicom_factory, **tags):
    answers = [srv.http.post("/instances", content=data).json() for data in dicom_factory.study(series=2, instances=2, **tags)]
    return answers


def test_shared_tags_keep_the_string_values_equal_everywhere(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _study(srv, dicom_factory, PatientName="SHARED^NAME")
    study = answers[0]["ParentStudy"]
    shared = srv.http.get(f"/studies/{study}/shared-tags").json()
    assert shared["0010,0010"] == {"Name": "PatientName", "Type": "String", "Value": "SHARED^NAME"}
    assert "0008,0018" not in shared  # SOPInstanceUID differs
    assert "0020,000e" not in shared  # two series
    assert "7fe0,0010" not in shared  # Null values are never shared
    series = srv.http.get(f"/series/{answers[0]['ParentSeries']}/shared-tags?simplify").json()
    assert series["SeriesInstanceUID"] and series["PatientName"] == "SHARED^NAME"
    patient = srv.http.get(f"/patients/{answers[0]['ParentPatient']}/shared-tags?short").json()
    assert patient["0010,0010"] == "SHARED^NAME"


def test_module_shows_the_tags_of_one_level(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _study(srv, dicom_factory, PatientName="MOD^ULE", StudyDescription="S")
    first = answers[0]
    patient = srv.http.get(f"/patients/{first['ParentPatient']}/module?simplify").json()
    assert patient["PatientName"] == "MOD^ULE" and "StudyDescription" not in patient
    study = srv.http.get(f"/studies/{first['ParentStudy']}/module?simplify").json()
    assert study["StudyDescription"] == "S" and "PatientName" not in study
    assert srv.http.get(f"/studies/{first['ParentStudy']}/module-patient?simplify").json() == patient
    series = srv.http.get(f"/series/{first['ParentSeries']}/module").json()
    assert series["0008,0060"] == {"Name": "Modality", "Type": "String", "Value": "CT"}
    instance = srv.http.get(f"/instances/{first['ID']}/module?short").json()
    assert set(instance) >= {"0008,0016", "0008,0018", "0020,0013"} and "0010,0010" not in instance


def test_module_of_a_resource_reads_the_last_stored_branch(donjon_server, dicom_factory):
    # Orthanc walks the children with a stack: its "first" instance is the last child of the
    # last child (measured on Orthanc 1.10.1 with this very layout: it answers "D").
    srv = donjon_server()
    first, second = "1.2.826.0.1.3680043.99.1", "1.2.826.0.1.3680043.99.2"
    layout = [("A", first), ("B", second), ("C", first), ("D", second)]
    ids = [
        srv.http.post("/instances", content=dicom_factory.bytes(PatientID="ORDER", PatientName=name, StudyInstanceUID="1.2.826.0.1.3680043.99", SeriesInstanceUID=series)).json()
        for name, series in layout
    ]
    patient = ids[0]["ParentPatient"]
    assert srv.http.get(f"/patients/{patient}/module?simplify").json()["PatientName"] == "D"
    assert srv.http.get(f"/series/{ids[0]['ParentSeries']}/module-patient").status_code == 404
    shared = srv.http.get(f"/patients/{patient}/shared-tags?simplify").json()
    assert "PatientName" not in shared and shared["PatientID"] == "ORDER"


def test_instances_tags_maps_every_instance_to_its_tags(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _study(srv, dicom_factory)
    study = answers[0]["ParentStudy"]
    every = srv.http.get(f"/studies/{study}/instances-tags?short").json()
    assert sorted(every) == sorted(a["ID"] for a in answers)
    one = answers[1]["ID"]
    assert every[one] == srv.http.get(f"/instances/{one}/tags?short").json()
    full = srv.http.get(f"/series/{answers[0]['ParentSeries']}/instances-tags").json()
    assert full[answers[0]["ID"]]["0010,0010"]["Name"] == "PatientName"


def test_level_routes_take_any_resource_and_404_unknown_ones(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _study(srv, dicom_factory)
    # Orthanc does not check the level of the ID in these routes.
    assert srv.http.get(f"/patients/{answers[0]['ParentStudy']}/shared-tags").status_code == 200
    for route in ("patients/nope/shared-tags", "studies/nope/module", "series/nope/instances-tags", "studies/nope/module-patient"):
        answer = srv.http.get(f"/{route}")
        assert answer.status_code == 404 and answer.json()["OrthancStatus"] == 17
