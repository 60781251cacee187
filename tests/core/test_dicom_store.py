"""C-ECHO and C-STORE from DCMTK's tools."""

from __future__ import annotations


def test_echoscu_succeeds(donjon_server, dcmtk):
    srv = donjon_server()
    result = dcmtk.echo(srv.dicom_port)
    assert result.returncode == 0, result.stderr


def test_storescu_instance_is_indexed_with_origin_metadata(donjon_server, dcmtk, dicom_factory, tmp_path):
    srv = donjon_server()
    path = tmp_path / "one.dcm"
    path.write_bytes(dicom_factory.bytes(PatientID="CSTORE"))
    result = dcmtk.store(srv.dicom_port, [path], aet="MODALITY1")
    assert result.returncode == 0, result.stderr
    (instance,) = srv.http.get("/instances").json()
    stored = srv.http.get(f"/instances/{instance}/file").content
    # The dataset is stored byte for byte; the file meta header is the receiver's, as in Orthanc.
    assert _dataset_bytes(stored) == _dataset_bytes(path.read_bytes())


def _dataset_bytes(data: bytes) -> bytes:
    import struct

    group_length = struct.unpack("<I", data[140:144])[0]  # (0002,0000) UL right after "DICM"
    return data[144 + group_length :]
