"""Who may associate and issue C-ECHO / C-STORE: DicomCheckCalledAet, DicomAlwaysAllow*,
DicomModalities (both forms), StrictAetComparison, DicomCheckModalityHost and the
``donjon_association_filter`` hook, with DCMTK and pynetdicom peers, compared with Orthanc."""

from __future__ import annotations

import io

import pydicom
import pytest
from donjon_sdk import Refusal, hookimpl
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, Verification

LOCKED = {
    "DicomAlwaysAllowEcho": False,
    "DicomAlwaysAllowStore": False,
    "DicomModalities": {
        "known": ["KNOWN", "127.0.0.1", 104],
        "noecho": {"AET": "NOECHO", "Host": "127.0.0.1", "Port": 104, "AllowEcho": False},
        "nostore": {"AET": "NOSTORE", "Host": "127.0.0.1", "Port": "104", "AllowStore": False},
        "elsewhere": {"AET": "ELSEWHERE", "Host": "10.11.12.13", "Port": 104},
    },
}


def outcome(port: int, calling: str, called: str = "ORTHANC", command: str = "echo", data: bytes | None = None) -> str:
    """What a pynetdicom peer sees: 'rejected:<diagnostic>', 'aborted', or 'status:0x....'."""
    ae = AE(ae_title=calling)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    ae.add_requested_context(Verification)
    ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
    assoc = ae.associate("127.0.0.1", port, ae_title=called)
    if assoc.is_rejected:
        return f"rejected:{assoc.acceptor.primitive.diagnostic}"
    if not assoc.is_established:
        return "aborted"
    if command == "echo":
        status = assoc.send_c_echo()
    else:
        status = assoc.send_c_store(pydicom.dcmread(io.BytesIO(data)))
    result = f"status:{status.Status:#06x}" if "Status" in status else "aborted"
    if assoc.is_established:
        assoc.release()
    return result


CASES = [
    # (configuration, calling AET, called AET, command)
    ({}, "ANYONE", "ORTHANC", "echo"),
    ({}, "ANYONE", "ORTHANC", "store"),
    ({}, "ANYONE", "SOMEONE", "echo"),  # DicomCheckCalledAet is false by default
    ({"DicomCheckCalledAet": True}, "ANYONE", "SOMEONE", "echo"),
    ({"DicomCheckCalledAet": True}, "ANYONE", "orthanc", "echo"),  # case-insensitive
    ({"DicomCheckCalledAet": True, "StrictAetComparison": True}, "ANYONE", "orthanc", "echo"),
    (LOCKED, "UNKNOWN", "ORTHANC", "echo"),
    (LOCKED, "KNOWN", "ORTHANC", "echo"),
    (LOCKED, "known", "ORTHANC", "store"),
    ({**LOCKED, "StrictAetComparison": True}, "known", "ORTHANC", "echo"),
    (LOCKED, "NOECHO", "ORTHANC", "echo"),
    (LOCKED, "NOECHO", "ORTHANC", "store"),
    (LOCKED, "NOSTORE", "ORTHANC", "store"),
    (LOCKED, "NOSTORE", "ORTHANC", "echo"),
    (LOCKED, "ELSEWHERE", "ORTHANC", "echo"),  # host not checked by default
    ({**LOCKED, "DicomCheckModalityHost": True}, "ELSEWHERE", "ORTHANC", "echo"),
    ({**LOCKED, "DicomCheckModalityHost": True}, "KNOWN", "ORTHANC", "echo"),
    ({**LOCKED, "DicomAlwaysAllowEcho": True}, "UNKNOWN", "ORTHANC", "echo"),
    ({**LOCKED, "DicomAlwaysAllowEcho": True}, "UNKNOWN", "ORTHANC", "store"),
    ({**LOCKED, "DicomAlwaysAllowStore": True}, "NOSTORE", "ORTHANC", "store"),
]


@pytest.mark.oracle
@pytest.mark.parametrize(("config", "calling", "called", "command"), CASES)
def test_same_association_outcome_as_orthanc(config, calling, called, command, donjon_server, orthanc_oracle, dicom_factory):
    data = dicom_factory.bytes()
    ours = outcome(donjon_server(config).dicom_port, calling, called, command, data)
    theirs = outcome(orthanc_oracle(config).dicom_port, calling, called, command, data)
    assert ours == theirs


def test_wrong_called_aet_is_rejected_for_echoscu(donjon_server, dcmtk):
    srv = donjon_server({"DicomCheckCalledAet": True})
    result = dcmtk.echo(srv.dicom_port, called="NOTME")
    assert result.returncode != 0
    assert "Called AE Title Not Recognized" in result.stdout + result.stderr


def test_unknown_aet_is_rejected_when_nothing_is_always_allowed(donjon_server, dcmtk):
    srv = donjon_server(LOCKED)
    refused = dcmtk.echo(srv.dicom_port, aet="STRANGER")
    assert refused.returncode != 0
    assert "Calling AE Title Not Recognized" in refused.stdout + refused.stderr
    assert dcmtk.echo(srv.dicom_port, aet="KNOWN").returncode == 0


def test_storescu_refused_store_is_not_stored(donjon_server, dcmtk, dicom_factory, tmp_path):
    srv = donjon_server(LOCKED)
    path = tmp_path / "a.dcm"
    path.write_bytes(dicom_factory.bytes())
    result = dcmtk.store(srv.dicom_port, [path], aet="NOSTORE")
    assert result.returncode != 0 or "Abort" in result.stdout + result.stderr
    assert srv.http.get("/instances").json() == []
    # The server keeps serving: an allowed modality stores the same file.
    assert dcmtk.store(srv.dicom_port, [path], aet="KNOWN").returncode == 0
    assert len(srv.http.get("/instances").json()) == 1


def test_instance_from_known_modality_carries_its_aet(donjon_server, dicom_factory):
    srv = donjon_server(LOCKED)
    assert outcome(srv.dicom_port, "KNOWN", command="store", data=dicom_factory.bytes()) == "status:0x0000"
    (instance,) = srv.http.get("/instances").json()
    assert srv.http.get(f"/instances/{instance}/metadata/RemoteAET").text == "KNOWN"


class RefuseAet:
    def __init__(self, aet: str) -> None:
        self.aet = aet
        self.seen: list = []

    @hookimpl
    def donjon_association_filter(self, association):
        self.seen.append(association)
        if association.calling_aet == self.aet:
            return Refusal(f"{self.aet} is blocked")
        return None


def test_hook_donjon_association_filter(donjon_server):
    plugin = RefuseAet("BLOCKED")
    srv = donjon_server(plugins=[plugin])
    assert outcome(srv.dicom_port, "BLOCKED") == "rejected:3"
    assert outcome(srv.dicom_port, "WELCOME") == "status:0x0000"
    blocked, welcome = plugin.seen
    assert (blocked.calling_aet, blocked.called_aet, blocked.remote_ip) == ("BLOCKED", "ORTHANC", "127.0.0.1")
    assert welcome.remote_port > 0


def test_association_filter_is_not_asked_for_a_refused_called_aet(donjon_server):
    plugin = RefuseAet("NOBODY")
    srv = donjon_server({"DicomCheckCalledAet": True}, plugins=[plugin])
    assert outcome(srv.dicom_port, "ANY", called="OTHER") == "rejected:7"
    assert plugin.seen == []
