"""ZIP archives and DICOMDIR media: contents, names, streaming, jobs, errors."""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pydicom
import pytest
from donjon_sdk import ChangeType, hookimpl
from pydicom.fileset import FileSet
from pydicom.uid import ImplicitVRLittleEndian


def _upload(srv, files: list[bytes]) -> list[dict]:
    return [srv.http.post("/instances", content=data).json() for data in files]


def _zip(answer) -> zipfile.ZipFile:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(answer.content))


def _sop_uids(archive: zipfile.ZipFile) -> dict[str, str]:
    return {name: pydicom.dcmread(io.BytesIO(archive.read(name))).SOPInstanceUID for name in archive.namelist() if name != "DICOMDIR"}


def test_study_archive_holds_every_file_as_stored_under_orthanc_names(donjon_server, dicom_factory):
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=2, PatientID="P1", PatientName="DOE^JOHN", AccessionNumber="A1", StudyDescription="Head/Neck")
    answers = _upload(srv, files)
    study = answers[0]["ParentStudy"]
    answer = srv.http.get(f"/studies/{study}/archive")
    assert answer.headers["content-disposition"] == f'filename="{study}.zip"'
    archive = _zip(answer)
    # Both series are "CT Donjon test series": the second folder gets "-2", as in Orthanc.
    assert sorted(archive.namelist()) == [
        "P1 DOE JOHN/A1 HeadNeck/CT Donjon test series-2/CT000000.dcm",
        "P1 DOE JOHN/A1 HeadNeck/CT Donjon test series-2/CT000001.dcm",
        "P1 DOE JOHN/A1 HeadNeck/CT Donjon test series/CT000000.dcm",
        "P1 DOE JOHN/A1 HeadNeck/CT Donjon test series/CT000001.dcm",
    ]
    assert sorted(archive.read(n) for n in archive.namelist()) == sorted(files)


def test_archive_of_a_series_keeps_its_patient_and_study_folders(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _upload(srv, dicom_factory.study(series=2, instances=1, PatientID="P2", PatientName="", AccessionNumber="", StudyDescription=""))
    archive = _zip(srv.http.post(f"/series/{answers[0]['ParentSeries']}/archive", json={}))
    assert archive.namelist() == ["P2/Unknown Study/CT Donjon test series/CT000000.dcm"]


def test_instance_archive_and_media_hold_that_instance(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _upload(srv, dicom_factory.study(series=1, instances=2, PatientID="P3"))
    instance = answers[1]["ID"]
    archive = _zip(srv.http.get(f"/instances/{instance}/archive"))
    assert len(archive.namelist()) == 1
    assert archive.read(archive.namelist()[0]) == srv.http.get(f"/instances/{instance}/file").content
    assert _zip(srv.http.get(f"/instances/{instance}/media")).namelist() == ["IMAGES/IM0", "DICOMDIR"]


def test_create_archive_mixes_levels_without_duplicates(donjon_server, dicom_factory):
    srv = donjon_server()
    first = _upload(srv, dicom_factory.study(series=1, instances=2, PatientID="A"))
    second = _upload(srv, dicom_factory.study(series=1, instances=1, PatientID="B"))
    resources = [first[0]["ParentStudy"], first[1]["ID"], second[0]["ID"]]
    by_post = _zip(srv.http.post("/tools/create-archive", json={"Resources": resources}))
    by_get = _zip(srv.http.get("/tools/create-archive", params={"resources": ",".join(resources)}))
    assert by_post.namelist() == by_get.namelist()
    assert len(by_post.namelist()) == 3
    assert set(_sop_uids(by_post).values()) == {pydicom.dcmread(io.BytesIO(srv.http.get(f"/instances/{a['ID']}/file").content)).SOPInstanceUID for a in first + second}


def test_synchronous_archive_is_streamed_in_chunks(donjon_server, dicom_factory):
    srv = donjon_server()
    answers = _upload(srv, dicom_factory.study(series=1, instances=20, rows=128, columns=128))
    chunks = []
    with srv.http.stream("GET", f"/studies/{answers[0]['ParentStudy']}/archive") as answer:
        assert "content-length" not in answer.headers
        assert answer.headers.get("content-encoding") is None  # a ZIP is not gzipped again
        chunks = list(answer.iter_raw())
    assert len(chunks) > 1
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(chunks))).namelist()) == 20


def test_synchronous_archive_is_listed_as_a_finished_job(donjon_server, dicom_factory):
    srv = donjon_server()
    study = _upload(srv, [dicom_factory.bytes()])[0]["ParentStudy"]
    _zip(srv.http.get(f"/studies/{study}/archive"))
    (job,) = srv.http.get("/jobs?expand").json()
    assert (job["Type"], job["State"], job["Content"]["InstancesCount"], job["Content"]["Description"]) == ("Archive", "Success", 1, "REST API")


def test_asynchronous_archive_is_a_job_with_an_archive_output(donjon_server, dicom_factory):
    srv = donjon_server()
    files = dicom_factory.study(series=1, instances=3)
    study = _upload(srv, files)[0]["ParentStudy"]
    answer = srv.http.post(f"/studies/{study}/archive", json={"Asynchronous": True, "Priority": 4})
    job_id = answer.json()["ID"]
    assert answer.json() == {"ID": job_id, "Path": f"/jobs/{job_id}"}
    srv.events.wait_for(lambda e: getattr(e, "change_type", None) == ChangeType.JobSuccess and e.resource_id == job_id)
    info = srv.http.get(f"/jobs/{job_id}").json()
    assert (info["Type"], info["Priority"], info["Content"]["InstancesCount"]) == ("Archive", 4, 3)
    assert info["Content"]["UncompressedSize"] == str(sum(len(f) for f in files))
    output = srv.http.get(f"/jobs/{job_id}/archive")
    assert int(info["Content"]["ArchiveSize"]) == len(output.content)
    assert sorted(_zip(output).namelist()) == sorted(_zip(srv.http.get(f"/studies/{study}/archive")).namelist())
    missing = srv.http.get(f"/jobs/{job_id}/nothing")
    assert (missing.status_code, missing.json()["OrthancStatus"]) == (404, 7)


def test_only_media_archive_size_outputs_are_kept(donjon_server, dicom_factory):
    srv = donjon_server({"MediaArchiveSize": 1})
    study = _upload(srv, [dicom_factory.bytes()])[0]["ParentStudy"]
    ids = []
    for _ in range(2):
        job_id = srv.http.post("/tools/create-media", json={"Resources": [study], "Asynchronous": True}).json()["ID"]
        srv.events.wait_for(lambda e, j=job_id: getattr(e, "change_type", None) == ChangeType.JobSuccess and e.resource_id == j)
        ids.append(job_id)
    assert srv.http.get(f"/jobs/{ids[0]}/archive").status_code == 404
    assert _zip(srv.http.get(f"/jobs/{ids[1]}/archive")).namelist() == ["IMAGES/IM0", "DICOMDIR"]
    assert srv.http.delete(f"/jobs/{ids[1]}/archive").status_code == 200
    assert srv.http.get(f"/jobs/{ids[1]}/archive").status_code == 404


def test_archive_without_zip_streaming_waits_for_the_job(donjon_server, dicom_factory):
    srv = donjon_server({"SynchronousZipStream": False})
    files = dicom_factory.study(series=1, instances=2)
    study = _upload(srv, files)[0]["ParentStudy"]
    archive = _zip(srv.http.post(f"/studies/{study}/archive", json={"Synchronous": True, "Filename": "mine.zip"}))
    assert sorted(archive.read(n) for n in archive.namelist()) == sorted(files)


def test_media_dicomdir_is_readable_by_pydicom_and_dcmtk(donjon_server, dicom_factory, tmp_path):
    srv = donjon_server()
    files = dicom_factory.study(series=2, instances=2, PatientID="MEDIA", PatientName="M^EDIA")
    files += dicom_factory.study(series=1, instances=1, PatientID="OTHER")
    answers = _upload(srv, files)
    resources = sorted({a["ParentPatient"] for a in answers})
    archive = _zip(srv.http.post("/tools/create-media", json={"Resources": resources}))
    assert archive.namelist() == [f"IMAGES/IM{i}" for i in range(5)] + ["DICOMDIR"]
    archive.extractall(tmp_path)
    fileset = FileSet(pydicom.dcmread(tmp_path / "DICOMDIR"))
    assert fileset.ID == "ORTHANC_MEDIA"
    assert sorted(fileset.find_values("PatientID")) == ["MEDIA", "OTHER"]
    for instance in fileset:
        on_disk = pydicom.dcmread(instance.path)
        assert on_disk.SOPInstanceUID == instance.ReferencedSOPInstanceUIDInFile
        assert Path(instance.path).relative_to(tmp_path).parts[0] == "IMAGES"
    assert len(fileset) == 5
    dump = subprocess.run(["/usr/bin/dcmdump", str(tmp_path / "DICOMDIR")], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert dump.stdout.count('"Directory Record" IMAGE') == 5
    assert "[ORTHANC_MEDIA]" in dump.stdout


def test_extended_media_adds_series_description(donjon_server, dicom_factory, tmp_path):
    srv = donjon_server()
    study = _upload(srv, [dicom_factory.bytes(SeriesDescription="Described")])[0]["ParentStudy"]
    plain = _zip(srv.http.get(f"/studies/{study}/media")).read("DICOMDIR")
    extended = _zip(srv.http.get(f"/studies/{study}/media?extended")).read("DICOMDIR")
    extended_tools = _zip(srv.http.post("/tools/create-media-extended", json={"Resources": [study]})).read("DICOMDIR")

    def series_description(data: bytes) -> list[str]:
        records = pydicom.dcmread(io.BytesIO(data)).DirectoryRecordSequence
        return [r.get("SeriesDescription") for r in records if r.DirectoryRecordType == "SERIES"]

    assert series_description(plain) == [None]
    assert series_description(extended) == series_description(extended_tools) == ["Described"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "orthanc_status"),
    [
        ("GET", "/studies/nope/archive", None, 404, 17),
        ("POST", "/patients/nope/media", {}, 404, 17),
        ("POST", "/tools/create-archive", {"Resources": ["nope"]}, 404, 17),
        ("POST", "/tools/create-archive", {}, 400, 15),
        ("POST", "/tools/create-archive", {"Resources": "nope"}, 400, 15),
        ("POST", "/tools/create-media", {"Resources": [], "Priority": "high"}, 400, 15),
        ("POST", "/tools/create-archive", {"Resources": [], "Transcode": "nope"}, 400, 3),
    ],
)
def test_bad_archive_requests_get_orthanc_errors(donjon_server, method, path, body, status, orthanc_status):
    srv = donjon_server()
    answer = srv.http.request(method, path, json=body)
    assert (answer.status_code, answer.json()["OrthancStatus"]) == (status, orthanc_status)
    assert srv.http.get("/jobs").json() == []


def test_study_archive_without_a_json_body_is_a_bad_file_format(donjon_server, dicom_factory):
    srv = donjon_server()
    study = _upload(srv, [dicom_factory.bytes()])[0]["ParentStudy"]
    answer = srv.http.post(f"/studies/{study}/archive", content=b"")
    assert (answer.status_code, answer.json()["OrthancStatus"]) == (400, 15)


def test_transcoding_without_a_transcoder_is_not_implemented(donjon_server, dicom_factory):
    srv = donjon_server()
    study = _upload(srv, [dicom_factory.bytes()])[0]["ParentStudy"]
    answer = srv.http.post(f"/studies/{study}/archive", json={"Transcode": "1.2.840.10008.1.2.4.50"})
    assert (answer.status_code, answer.json()["OrthancStatus"]) == (501, 2)
    # Already in the asked transfer syntax: nothing to transcode, the archive is built.
    same = _zip(srv.http.post(f"/studies/{study}/archive", json={"Transcode": "1.2.840.10008.1.2.1"}))
    assert len(same.namelist()) == 1


def test_empty_resource_list_gives_an_empty_archive(donjon_server):
    srv = donjon_server()
    assert _zip(srv.http.post("/tools/create-archive", json=[])).namelist() == []
    assert _zip(srv.http.post("/tools/create-media", json={"Resources": []})).namelist() == ["DICOMDIR"]


SAMPLES = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "rtplan.dcm", "rtstruct.dcm", "SC_rgb_rle.dcm", "image_dfl.dcm", "test-SR.dcm", "waveform_ecg.dcm", "rtdose.dcm"]


def test_media_of_varied_sop_classes_is_a_valid_file_set(donjon_server, dicom_samples, tmp_path):
    # Orthanc 1.10.1 gives up on rtstruct.dcm ("Bad file format"); every file goes in here.
    srv = donjon_server()
    answers = _upload(srv, [dicom_samples(n) for n in SAMPLES])
    archive = _zip(srv.http.post("/tools/create-media", json={"Resources": [a["ID"] for a in answers]}))
    assert len(archive.namelist()) == len(SAMPLES) + 1
    archive.extractall(tmp_path)
    fileset = FileSet(pydicom.dcmread(tmp_path / "DICOMDIR"))
    assert len(fileset) == len(SAMPLES)
    assert all(i.DirectoryRecordType == "IMAGE" for i in fileset)
    assert subprocess.run(["/usr/bin/dcmdump", "-q", str(tmp_path / "DICOMDIR")], capture_output=True).returncode == 0


class ImplicitTranscoder:
    """A transcoder plugin for the uncompressed case: re-encode as Implicit VR Little Endian."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def donjon_transcode(self, data: bytes, transfer_syntaxes: list[str], allow_new_sop_instance: bool) -> bytes | None:
        if transfer_syntaxes != [ImplicitVRLittleEndian]:
            return None
        self.calls += 1
        ds = pydicom.dcmread(io.BytesIO(data))
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
        out = io.BytesIO()
        ds.save_as(out, enforce_file_format=True)
        return out.getvalue()


def test_archive_is_transcoded_by_the_transcoder_plugin(donjon_server, dicom_factory):
    transcoder = ImplicitTranscoder()
    srv = donjon_server(plugins=[transcoder])
    study = _upload(srv, dicom_factory.study(series=1, instances=2))[0]["ParentStudy"]
    archive = _zip(srv.http.post(f"/studies/{study}/archive", json={"Transcode": ImplicitVRLittleEndian}))
    syntaxes = {pydicom.dcmread(io.BytesIO(archive.read(n))).file_meta.TransferSyntaxUID for n in archive.namelist()}
    assert syntaxes == {ImplicitVRLittleEndian} and transcoder.calls == 2
    media = _zip(srv.http.get(f"/studies/{study}/media", params={"transcode": ImplicitVRLittleEndian}))
    records = pydicom.dcmread(io.BytesIO(media.read("DICOMDIR"))).DirectoryRecordSequence
    assert {r.ReferencedTransferSyntaxUIDInFile for r in records if r.DirectoryRecordType == "IMAGE"} == {ImplicitVRLittleEndian}
    (job, _) = sorted(srv.http.get("/jobs?expand").json(), key=lambda j: j["Type"])
    assert job["Content"]["Transcode"] == ImplicitVRLittleEndian


def test_archive_jobs_survive_kill_9(donjon_server, dicom_factory):
    srv = donjon_server({"ConcurrentJobs": 1}, mode="process")
    study = _upload(srv, dicom_factory.study(series=1, instances=40, rows=256, columns=256))[0]["ParentStudy"]
    ids = [srv.http.post(f"/studies/{study}/archive", json={"Asynchronous": True}).json()["ID"] for _ in range(2)]
    srv.kill()  # SaveJobs: each job was written to the index when it was submitted
    srv.start()
    assert sorted(srv.http.get("/jobs").json()) == sorted(ids)
    for job_id in ids:
        for _ in range(600):  # a process server has no event hook: poll the public answer
            state = srv.http.get(f"/jobs/{job_id}").json()["State"]
            if state in ("Success", "Failure"):
                break
            srv.http.get("/system")
        assert state == "Success"
    # Outputs live in temporary files: a job that had finished before the kill lost its
    # archive (404, as after an Orthanc restart); one run again after the restart has it.
    output = srv.http.get(f"/jobs/{ids[-1]}/archive")
    assert output.status_code == 404 or len(_zip(output).namelist()) == 40
