"""Differential: the same files give the same archive names, media layout and job shape as Orthanc 1.10.1."""

from __future__ import annotations

import io
import zipfile

import pydicom
import pytest

SAMPLES = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "rtstruct.dcm", "SC_rgb_rle.dcm", "image_dfl.dcm", "test-SR.dcm", "waveform_ecg.dcm"]

pytestmark = pytest.mark.oracle


def _files(dicom_samples, dicom_factory) -> list[bytes]:
    files = [dicom_samples(n) for n in SAMPLES]
    # Names Orthanc cleans up and de-duplicates: two studies and two series with the same
    # folder name, non-ASCII and punctuation, empty modality, one-letter modality.
    for study in ("1.2.3.1", "1.2.3.2"):
        for series in (".1", ".2"):
            for number in (3, 1, 2):
                files.append(dicom_factory.bytes(
                    PatientID="PA", PatientName="Dup^Name", StudyInstanceUID=study, AccessionNumber="ACC",
                    StudyDescription="Désc/ription*1", SeriesInstanceUID=study + series, SeriesDescription="Same",
                    InstanceNumber=number, SOPInstanceUID=f"{study}{series}.{number}",
                ))
    files.append(dicom_factory.bytes(PatientID="P B", PatientName="X"))
    files.append(dicom_factory.bytes(PatientID="P  B", PatientName="X"))
    files.append(dicom_factory.bytes(PatientID="Z", PatientName="", AccessionNumber="", StudyDescription="", Modality="", SeriesDescription=""))
    files.append(dicom_factory.bytes(PatientID="Y", PatientName="", Modality="M", SeriesDescription=""))
    return files


@pytest.fixture
def pair(donjon_server, orthanc_oracle, dicom_samples, dicom_factory):
    ours, theirs = donjon_server(), orthanc_oracle()
    answers = []
    for data in _files(dicom_samples, dicom_factory):
        mine = ours.http.post("/instances", content=data).json()
        assert mine == theirs.http.post("/instances", content=data).json()
        answers.append(mine)
    return ours, theirs, answers


def _layout(answer) -> list[tuple[str, str]]:
    """``(name, SOP Instance UID)`` of every member, in archive order."""
    assert answer.status_code == 200, answer.text
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    out = []
    for name in archive.namelist():
        ds = pydicom.dcmread(io.BytesIO(archive.read(name)), force=True, stop_before_pixels=True)
        out.append((name, str(ds.get("SOPInstanceUID", "DICOMDIR"))))
    return out


def test_archive_of_everything_has_orthancs_names_in_orthancs_order(pair):
    ours, theirs, answers = pair
    body = {"Resources": sorted({a["ParentPatient"] for a in answers})}
    assert _layout(ours.http.post("/tools/create-archive", json=body)) == _layout(theirs.http.post("/tools/create-archive", json=body))


@pytest.mark.parametrize("level", ["patients", "studies", "series"])
def test_archive_of_each_resource_matches_orthanc(pair, level):
    ours, theirs, answers = pair
    key = {"patients": "ParentPatient", "studies": "ParentStudy", "series": "ParentSeries"}[level]
    for resource in sorted({a[key] for a in answers}):
        mine, reference = ours.http.get(f"/{level}/{resource}/archive"), theirs.http.get(f"/{level}/{resource}/archive")
        assert mine.headers["content-disposition"] == reference.headers["content-disposition"]
        assert _layout(mine) == _layout(reference), resource


def test_archive_of_mixed_levels_matches_orthanc(pair):
    ours, theirs, answers = pair
    body = {"Resources": [answers[-5]["ParentSeries"], answers[0]["ID"], answers[10]["ParentStudy"], answers[11]["ID"]]}
    assert _layout(ours.http.post("/tools/create-archive", json=body)) == _layout(theirs.http.post("/tools/create-archive", json=body))


def _dicomdir_images(answer) -> list[tuple[str, str, str]]:
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    records = pydicom.dcmread(io.BytesIO(archive.read("DICOMDIR"))).DirectoryRecordSequence
    return [("/".join(r.ReferencedFileID), r.ReferencedSOPInstanceUIDInFile, r.ReferencedTransferSyntaxUIDInFile) for r in records if r.DirectoryRecordType == "IMAGE"]


def test_media_layout_and_image_records_match_orthanc(pair):
    ours, theirs, answers = pair
    # Orthanc 1.10.1 cannot put rtstruct.dcm in a DICOMDIR ("Bad file format", an empty
    # 200 answer); Donjon can (test_archive.py), so that patient is left out here.
    rtstruct = answers[SAMPLES.index("rtstruct.dcm")]["ParentPatient"]
    body = {"Resources": sorted({a["ParentPatient"] for a in answers} - {rtstruct})}
    mine, reference = ours.http.post("/tools/create-media", json=body), theirs.http.post("/tools/create-media", json=body)
    assert _layout(mine) == _layout(reference)
    assert sorted(_dicomdir_images(mine)) == sorted(_dicomdir_images(reference))


def test_asynchronous_archive_job_has_orthancs_shape(pair):
    ours, theirs, answers = pair
    infos = []
    for server in (ours, theirs):
        job = server.http.post(f"/studies/{answers[0]['ParentStudy']}/media", json={"Asynchronous": True}).json()
        assert set(job) == {"ID", "Path"}
        for _ in range(500):
            info = server.http.get(job["Path"]).json()
            if info["State"] == "Success":
                break
            server.http.get("/system")  # a round trip while Orthanc finishes
        infos.append(info)
        assert server.http.get(f"{job['Path']}/archive").status_code == 200
    mine, reference = infos
    assert set(mine) == set(reference)
    assert set(mine["Content"]) == set(reference["Content"])
    for key in ("Type", "State", "Progress", "ErrorCode", "ErrorDescription", "Priority"):
        assert mine[key] == reference[key], key
    for key in ("InstancesCount", "UncompressedSize", "Description"):
        assert mine["Content"][key] == reference["Content"][key], key
