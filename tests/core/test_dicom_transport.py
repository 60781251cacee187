"""The acceptor plumbing of the SCP (donjon.dicom.transport): TCP_NODELAY, prompt answers
without polling, large instances over small PDUs, and a clean stop with peers still connected."""

from __future__ import annotations

import io
import socket
import time

import pydicom
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage, Verification


def _associate(port: int, aet: str = "PEER", max_pdu: int = 16382):
    ae = AE(ae_title=aet)
    ae.maximum_pdu_size = max_pdu
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 15
    ae.add_requested_context(Verification)
    ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
    assoc = ae.associate("127.0.0.1", port)
    assert assoc.is_established
    return assoc


def test_accepted_sockets_have_tcp_nodelay(donjon_server):
    srv = donjon_server()
    assoc = _associate(srv.dicom_port)
    try:
        (server_side,) = srv.runner.dicom.ae.active_associations
        raw = server_side.dul.socket.socket
        assert raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        assoc.release()


def test_fifty_echoes_on_one_association_succeed_promptly(donjon_server):
    srv = donjon_server()
    assoc = _associate(srv.dicom_port)
    start = time.perf_counter()
    statuses = [assoc.send_c_echo().Status for _ in range(50)]
    elapsed = time.perf_counter() - start
    assoc.release()
    assert statuses == [0] * 50
    # The client side (pynetdicom) still polls; the bound is loose on purpose for shared machines.
    assert elapsed < 5


def test_large_instance_over_small_pdus_is_stored_intact(donjon_server, dicom_factory):
    srv = donjon_server({"MaximumPduLength": 4096})
    data = dicom_factory.bytes(rows=512, columns=512)
    assoc = _associate(srv.dicom_port, max_pdu=4096)
    status = assoc.send_c_store(pydicom.dcmread(io.BytesIO(data)))
    assoc.release()
    assert status.Status == 0x0000
    (instance,) = srv.http.get("/instances").json()
    stored = srv.http.get(f"/instances/{instance}/file").content
    assert pydicom.dcmread(io.BytesIO(stored)).PixelData == pydicom.dcmread(io.BytesIO(data)).PixelData


def test_stop_aborts_open_associations(donjon_server):
    srv = donjon_server()
    assoc = _associate(srv.dicom_port)
    start = time.perf_counter()
    srv.stop()
    assert time.perf_counter() - start < 10
    assoc.join(timeout=10)
    assert assoc.is_aborted
