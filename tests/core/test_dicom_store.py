"""C-ECHO and C-STORE with real peers (DCMTK, pynetdicom): what is stored, with which
metadata, and which status each failure gets, compared with Orthanc 1.10.1."""

from __future__ import annotations

import io
import socket
import struct
import threading
from pathlib import Path

import pydicom
import pytest
from donjon_sdk import Refusal, hookimpl
from pydicom.dataset import Dataset
from pynetdicom import AE, _config
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, MRImageStorage, Verification

ORIGIN_KEYS = ("RemoteAET", "CalledAET", "RemoteIP", "Origin", "TransferSyntax", "SopClassUid")


def test_echoscu_succeeds(donjon_server, dcmtk):
    srv = donjon_server()
    result = dcmtk.echo(srv.dicom_port)
    assert result.returncode == 0, result.stderr


def test_storescu_instance_is_stored_as_received(donjon_server, dcmtk, dicom_factory, tmp_path):
    srv = donjon_server()
    path = tmp_path / "one.dcm"
    path.write_bytes(dicom_factory.bytes(PatientID="CSTORE"))
    result = dcmtk.store(srv.dicom_port, [path], aet="MODALITY1")
    assert result.returncode == 0, result.stderr
    (instance,) = srv.http.get("/instances").json()
    stored = srv.http.get(f"/instances/{instance}/file").content
    # The dataset is stored byte for byte; the file meta header is the receiver's, as in Orthanc.
    assert _dataset_bytes(stored) == _dataset_bytes(path.read_bytes())
    meta = pydicom.dcmread(io.BytesIO(stored)).file_meta
    assert meta.MediaStorageSOPInstanceUID == pydicom.dcmread(path).SOPInstanceUID
    assert meta.TransferSyntaxUID == "1.2.840.10008.1.2.1"
    assert meta.SourceApplicationEntityTitle == "MODALITY1"


def _dataset_bytes(data: bytes) -> bytes:
    group_length = struct.unpack("<I", data[140:144])[0]  # (0002,0000) UL right after "DICM"
    return data[144 + group_length :]


def _metadata(http, instance: str) -> dict[str, str]:
    return {key: http.get(f"/instances/{instance}/metadata/{key}").text for key in ORIGIN_KEYS}


@pytest.mark.oracle
def test_origin_metadata_same_as_orthanc(donjon_server, orthanc_oracle, dcmtk, dicom_factory, tmp_path):
    path = tmp_path / "one.dcm"
    path.write_bytes(dicom_factory.bytes())
    answers = []
    for target in (donjon_server(), orthanc_oracle()):
        result = dcmtk.store(target.dicom_port, [path], aet="MODALITY1", called="ORTHANC")
        assert result.returncode == 0, result.stderr
        (instance,) = target.http.get("/instances").json()
        answers.append(_metadata(target.http, instance))
    ours, theirs = answers
    assert ours == theirs
    assert ours["Origin"] == "DicomProtocol" and ours["RemoteIP"] == "127.0.0.1"


def test_storescu_many_files_over_one_association(donjon_server, dcmtk, dicom_factory, tmp_path):
    srv = donjon_server()
    paths = []
    for i, data in enumerate(dicom_factory.study(series=2, instances=5)):
        paths.append(tmp_path / f"{i}.dcm")
        paths[-1].write_bytes(data)
    result = dcmtk.store(srv.dicom_port, paths)
    assert result.returncode == 0, result.stderr
    assert len(srv.http.get("/instances").json()) == 10
    assert len(srv.http.get("/series").json()) == 2


# -- statuses ----------------------------------------------------------------------


def store_status(port: int, data: bytes | Dataset | Path, aet: str = "PEER") -> str:
    """Send one instance through pynetdicom; 'status:0x....' or 'aborted'."""
    ae = AE(ae_title=aet)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 15
    ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
    ae.add_requested_context(MRImageStorage, ["1.2.840.10008.1.2.1"])
    assoc = ae.associate("127.0.0.1", port)
    assert assoc.is_established
    payload = pydicom.dcmread(io.BytesIO(data)) if isinstance(data, bytes) else data
    status = assoc.send_c_store(payload)
    result = f"status:{status.Status:#06x}" if "Status" in status else "aborted"
    if assoc.is_established:
        assoc.release()
    return result


@pytest.fixture
def raw_send():
    """Let the pynetdicom client send files as they are, without decoding them."""
    _config.STORE_SEND_CHUNKED_DATASET = True
    yield
    _config.STORE_SEND_CHUNKED_DATASET = False


def _without(data: bytes, keyword: str) -> Dataset:
    ds = pydicom.dcmread(io.BytesIO(data))
    delattr(ds, keyword)
    return ds


def test_full_storage_is_refused_out_of_resources(donjon_server, dicom_factory):
    # MaximumStorageMode appeared in Orthanc 1.11.2, so the 1.10.1 oracle cannot take part:
    # its StoreScp answers 0xA700 for any storing exception, FullStorage included.
    srv = donjon_server({"MaximumPatientCount": 1, "MaximumStorageMode": "Reject"})
    first, second = dicom_factory.bytes(PatientID="P1"), dicom_factory.bytes(PatientID="P2")
    assert store_status(srv.dicom_port, first) == "status:0x0000"
    assert store_status(srv.dicom_port, second) == "status:0xa700"  # Refused: Out of Resources
    assert [p["MainDicomTags"]["PatientID"] for p in srv.http.get("/patients?expand").json()] == ["P1"]


@pytest.mark.oracle
def test_missing_identifier_status_same_as_orthanc(donjon_server, orthanc_oracle, dicom_factory):
    data = dicom_factory.bytes()
    ours = store_status(donjon_server().dicom_port, _without(data, "StudyInstanceUID"))
    theirs = store_status(orthanc_oracle().dicom_port, _without(data, "StudyInstanceUID"))
    assert ours == theirs == "status:0xa700"


@pytest.mark.oracle
def test_empty_dataset_status_same_as_orthanc(donjon_server, orthanc_oracle, dicom_factory, tmp_path, raw_send):
    path = tmp_path / "empty.dcm"
    path.write_bytes(_meta_only(dicom_factory.bytes()) + b"\0" * 8)
    assert store_status(donjon_server().dicom_port, path) == store_status(orthanc_oracle().dicom_port, path) == "status:0xc000"


def _meta_only(data: bytes) -> bytes:
    return data[: 144 + struct.unpack("<I", data[140:144])[0]]


def test_truncated_dataset_is_refused_and_server_keeps_serving(donjon_server, dicom_factory, tmp_path, raw_send):
    srv = donjon_server()
    data = dicom_factory.bytes()
    path = tmp_path / "truncated.dcm"
    # A PatientName element that claims 32 KB and ends after 70 bytes.
    path.write_bytes(_meta_only(data) + b"\x10\x00\x10\x00PN\xff\x7f" + b"garbage" * 10)
    assert store_status(srv.dicom_port, path) == "status:0xc000"  # Error: Cannot understand
    assert srv.http.get("/instances").json() == []
    assert store_status(srv.dicom_port, data) == "status:0x0000"


class RefuseMR:
    @hookimpl
    def donjon_instance_filter(self, instance, origin):
        if instance.tag("Modality") == "MR":
            return Refusal(f"MR from {origin.remote_aet} is not accepted")
        return None


LUA_REFUSE_MR = 'function ReceivedInstanceFilter(dicom, origin, info)\n  return dicom.Modality ~= "MR"\nend\n'


@pytest.mark.oracle
def test_filtered_out_instance_status_same_as_orthanc(donjon_server, orthanc_oracle, dicom_factory, tmp_path):
    script = tmp_path / "filter.lua"
    script.write_text(LUA_REFUSE_MR)
    mr = dicom_factory.bytes(modality="MR")
    for target in (donjon_server(plugins=[RefuseMR()]), orthanc_oracle({"LuaScripts": [str(script)]})):
        # Orthanc answers success for a filtered-out instance, and stores nothing.
        assert store_status(target.dicom_port, mr) == "status:0x0000"
        assert target.http.get("/instances").json() == []


# -- robustness ----------------------------------------------------------------------


def _c_store_command(sop_class: str, sop_instance: str) -> bytes:
    cmd = Dataset()
    cmd.AffectedSOPClassUID = sop_class
    cmd.CommandField = 0x0001
    cmd.MessageID = 1
    cmd.Priority = 0
    cmd.CommandDataSetType = 0x0000
    cmd.AffectedSOPInstanceUID = sop_instance
    body = encode(cmd, True, True)
    return encode(Dataset(), True, True) + struct.pack("<HHI", 0, 0, 4) + struct.pack("<I", len(body)) + body


def _p_data(context_id: int, control: int, fragment: bytes) -> bytes:
    item = struct.pack(">IBB", len(fragment) + 2, context_id, control) + fragment
    return struct.pack(">BBI", 0x04, 0, len(item)) + item


def test_peer_dropping_mid_transfer_leaves_nothing(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes(rows=256, columns=256)
    ds = pydicom.dcmread(io.BytesIO(data))
    ae = AE(ae_title="DROPPER")
    ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
    assoc = ae.associate("127.0.0.1", srv.dicom_port)
    assert assoc.is_established
    context_id = assoc.accepted_contexts[0].context_id
    sock: socket.socket = assoc.dul.socket.socket
    dataset = _dataset_bytes(data)
    # Command (last fragment), then half of the dataset, not marked last; then the cable is cut.
    sock.sendall(_p_data(context_id, 0x03, _c_store_command(ds.SOPClassUID, ds.SOPInstanceUID)))
    sock.sendall(_p_data(context_id, 0x00, dataset[: len(dataset) // 2]))
    sock.shutdown(socket.SHUT_RDWR)
    assoc.kill()
    # The server keeps serving, and stores only the complete instance sent afterwards.
    assert store_status(srv.dicom_port, dicom_factory.bytes()) == "status:0x0000"
    assert len(srv.http.get("/instances").json()) == 1
    assert srv.http.get("/statistics").json()["CountInstances"] == 1


def test_idle_association_is_closed_after_dicom_scp_timeout(donjon_server):
    srv = donjon_server({"DicomScpTimeout": 1})
    ae = AE(ae_title="IDLE")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", srv.dicom_port)
    assert assoc.is_established
    assoc.join(timeout=10)  # the association thread ends when the server closes it
    assert not assoc.is_established
    assert assoc.is_aborted or assoc.is_released


def test_concurrent_associations_all_stored(donjon_server, dicom_factory):
    srv = donjon_server({"DicomThreadsCount": 1})
    batches = [[dicom_factory.bytes(PatientID=f"C{n}") for _ in range(5)] for n in range(4)]
    statuses: list[int] = []

    def send(batch: list[bytes]) -> None:
        ae = AE(ae_title="PARALLEL")
        ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
        assoc = ae.associate("127.0.0.1", srv.dicom_port)
        for data in batch:
            statuses.append(assoc.send_c_store(pydicom.dcmread(io.BytesIO(data))).Status)
        assoc.release()

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [0] * 20
    assert len(srv.http.get("/instances").json()) == 20


@pytest.mark.oracle
def test_dataset_not_matching_request_status_same_as_orthanc(donjon_server, orthanc_oracle, dicom_factory, tmp_path, raw_send):
    # The request's Affected SOP Instance UID comes from the file meta; the dataset says otherwise.
    data = dicom_factory.bytes()
    uid = pydicom.dcmread(io.BytesIO(data)).SOPInstanceUID.encode()
    meta = _meta_only(data)
    other = uid[:-1] + (b"1" if uid[-1:] != b"1" else b"2")
    path = tmp_path / "mismatch.dcm"
    path.write_bytes(meta.replace(uid, other) + data[len(meta) :])
    ours = store_status(donjon_server().dicom_port, path)
    theirs = store_status(orthanc_oracle().dicom_port, path)
    assert ours == theirs == "status:0xa900"  # Error: Data Set does not match SOP Class
