"""Differential: deleting a resource leaves /changes as Orthanc 1.10.1 leaves it."""

from __future__ import annotations

import pytest


@pytest.mark.oracle
def test_changes_after_a_delete_as_orthanc(donjon_server, orthanc_oracle, dicom_samples):
    answers = []
    for server in (donjon_server().http, orthanc_oracle().http):
        stored = server.post("/instances", content=dicom_samples("CT_small.dcm")).json()
        server.post("/instances", content=dicom_samples("MR_small.dcm"))
        server.delete(f"/patients/{stored['ParentPatient']}")
        changes = server.get("/changes").json()
        answers.append(([(c["ChangeType"], c["ResourceType"], c["ID"]) for c in changes["Changes"]], changes["Done"], changes["Last"]))
    assert answers[0] == answers[1]
