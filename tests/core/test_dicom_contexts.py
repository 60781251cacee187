"""Presentation contexts of the SCP: AcceptedTransferSyntaxes (wildcards), the deprecated
``*TransferSyntaxAccepted`` groups and UnknownSopClassAccepted, compared with Orthanc."""

from __future__ import annotations

import pytest
from pynetdicom import AE, _config
from pynetdicom.sop_class import CTImageStorage, Verification

from donjon.dicom.contexts import KNOWN_TRANSFER_SYNTAXES, accepted_transfer_syntaxes

# Every syntax Orthanc knows, plus some it does not (HTJ2K, fragmentable MPEG, SMPTE 2110).
PROPOSED = [*KNOWN_TRANSFER_SYNTAXES, "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.100.1", "1.2.840.10008.1.2.7.1", "1.2.840.10008.1.2.1.98"]
UNKNOWN_SOP_CLASS = "1.2.826.0.1.3680043.8.498.999.1"


def accepted(port: int, abstract: str = CTImageStorage) -> set[str]:
    """The transfer syntaxes accepted for ``abstract`` when each is proposed in a context of its own."""
    ae = AE(ae_title="PROBE")
    ae.acse_timeout = ae.network_timeout = 10
    for syntax in PROPOSED[:127]:  # at most 128 contexts per association (PS3.8 9.3.2.2)
        ae.add_requested_context(abstract, [syntax])
    assoc = ae.associate("127.0.0.1", port)
    if not assoc.is_established:  # no context accepted: pynetdicom rejects the association
        return set()
    result = {str(cx.transfer_syntax[0]) for cx in assoc.accepted_contexts}
    assoc.release()
    return result


CONFIGS = [
    {},
    {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]},
    {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2.4.5?", "1.2.840.10008.1.2.1"]},
    {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2*"], "JpegTransferSyntaxAccepted": False, "RleTransferSyntaxAccepted": False},
    {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2.1"], "Jpeg2000TransferSyntaxAccepted": True, "JpegLosslessTransferSyntaxAccepted": True},
    {"AcceptedTransferSyntaxes": ["1.2.840.10008.1.2.1"], "DeflatedTransferSyntaxAccepted": True, "Mpeg4TransferSyntaxAccepted": True, "H265TransferSyntaxAccepted": True},
]


@pytest.mark.oracle
@pytest.mark.parametrize("config", CONFIGS)
def test_same_transfer_syntaxes_as_orthanc(config, donjon_server, orthanc_oracle):
    assert accepted(donjon_server(config).dicom_port) == accepted(orthanc_oracle(config).dicom_port)


def test_wildcards_select_among_known_syntaxes():
    assert accepted_transfer_syntaxes(["1.2.840.10008.1.2.4.9?"]) == [f"1.2.840.10008.1.2.4.{n}" for n in range(90, 96)]
    assert accepted_transfer_syntaxes(["*"]) == KNOWN_TRANSFER_SYNTAXES
    assert accepted_transfer_syntaxes(["1.2.840.10008.1.2.1"], {"rle_transfer_syntax_accepted": True}) == ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5"]


def test_unknown_sop_class_is_refused_by_default(donjon_server):
    srv = donjon_server()
    assert accepted(srv.dicom_port, UNKNOWN_SOP_CLASS) == set()


@pytest.fixture
def raw_send():
    """Let the pynetdicom client send files as they are, without decoding them."""
    _config.STORE_SEND_CHUNKED_DATASET = True
    yield
    _config.STORE_SEND_CHUNKED_DATASET = False


def test_unknown_sop_class_accepted_stores_it(donjon_server, dicom_factory, tmp_path, raw_send):
    srv = donjon_server({"UnknownSopClassAccepted": True, "AcceptedTransferSyntaxes": ["1.2.840.10008.1.2.1"]})
    assert accepted(srv.dicom_port, UNKNOWN_SOP_CLASS) == {"1.2.840.10008.1.2.1"}
    path = tmp_path / "private.dcm"
    path.write_bytes(dicom_factory.bytes(SOPClassUID=UNKNOWN_SOP_CLASS))
    ae = AE(ae_title="PRIVATE")
    ae.add_requested_context(UNKNOWN_SOP_CLASS, ["1.2.840.10008.1.2.1"])
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", srv.dicom_port)
    status = assoc.send_c_store(path)
    assoc.release()
    assert status.Status == 0x0000
    (instance,) = srv.http.get("/instances").json()
    assert srv.http.get(f"/instances/{instance}/metadata/SopClassUid").text == UNKNOWN_SOP_CLASS


@pytest.mark.oracle
@pytest.mark.parametrize("accepted_flag", [False, True])
def test_unknown_sop_class_same_as_orthanc(accepted_flag, donjon_server, orthanc_oracle):
    config = {"UnknownSopClassAccepted": accepted_flag}
    assert accepted(donjon_server(config).dicom_port, UNKNOWN_SOP_CLASS) == accepted(orthanc_oracle(config).dicom_port, UNKNOWN_SOP_CLASS)
