"""The short path of ``POST /instances`` (rest/fast_upload.py): same answers as the litestar route.

Bodies in many chunks, handovers to the route (multipart, empty body, errors),
the guard still in front, and clients that stall or go away mid-body.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from donjon_sdk import hookimpl


def _chunks(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_chunked_body_in_small_pieces_is_stored_as_received(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes(rows=256, columns=256)
    # A generator makes httpx send "Transfer-Encoding: chunked", in 1000-byte pieces.
    answer = srv.http.post("/instances", content=_chunks(data, 1000), headers={"Content-Type": "application/dicom"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["Status"] == "Success" and set(body) == {"ID", "ParentPatient", "ParentStudy", "ParentSeries", "Path", "Status"}
    assert srv.http.get(f"/instances/{body['ID']}/file").content == data


def test_multipart_upload_goes_to_the_route_with_the_body_read(donjon_server, dicom_factory):
    srv = donjon_server()
    first, second = dicom_factory.study(series=1, instances=2)
    answer = srv.http.post("/instances", files=[("file", ("a.dcm", first)), ("file", ("b.dcm", second))])
    assert answer.status_code == 200
    assert [a["Status"] for a in answer.json()] == ["Success", "Success"]
    assert len(srv.http.get("/instances").json()) == 2


@pytest.mark.oracle
def test_empty_body_answers_as_orthanc(donjon_server, orthanc_oracle):
    ours = donjon_server().http.post("/instances", content=b"")
    theirs = orthanc_oracle().http.post("/instances", content=b"")
    assert ours.status_code == theirs.status_code
    keys = ("HttpStatus", "OrthancStatus", "Method", "Uri")
    assert {k: ours.json()[k] for k in keys} == {k: theirs.json()[k] for k in keys}


def test_bad_file_answer_matches_the_routes_error_json(donjon_server):
    srv = donjon_server()
    answer = srv.http.post("/instances", content=b"\0" * 200 + b"not DICOM at all")
    assert answer.status_code == 400 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert {k: body[k] for k in ("HttpError", "HttpStatus", "OrthancStatus", "Method", "Uri")} == {
        "HttpError": "Bad Request", "HttpStatus": 400, "OrthancStatus": 15, "Method": "POST", "Uri": "/instances"
    }
    assert srv.http.get("/system").status_code == 200


class _Exploding:
    @hookimpl
    def donjon_received_instance(self, data, origin):
        raise RuntimeError("plugin bug while looking at an upload")


def test_unexpected_error_in_a_hook_is_a_500_and_nothing_is_stored(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[_Exploding()])
    answer = srv.http.post("/instances", content=dicom_factory.bytes())
    assert answer.status_code == 500
    body = answer.json()
    assert body["OrthancStatus"] == -1 and "plugin bug" in body["Details"]
    assert srv.http.get("/instances").json() == []


def test_guard_still_in_front_and_user_recorded(donjon_server, dicom_factory):
    srv = donjon_server({"AuthenticationEnabled": True, "RegisteredUsers": {"alice": "pw"}})
    data = dicom_factory.bytes()
    refused = srv.http.post("/instances", content=data)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Basic realm="Orthanc Secure Area"'
    assert srv.http.get("/instances", auth=("alice", "pw")).json() == []
    instance = srv.http.post("/instances", content=data, auth=("alice", "pw")).json()["ID"]
    metadata = srv.http.get(f"/instances/{instance}/metadata?expand", auth=("alice", "pw")).json()
    assert metadata["HttpUsername"] == "alice" and metadata["RemoteIP"] == "127.0.0.1" and metadata["Origin"] == "RestApi"


def _partial_request(port: int, data: bytes, sent: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    head = f"POST /instances HTTP/1.1\r\nHost: x\r\nContent-Type: application/dicom\r\nContent-Length: {len(data)}\r\n\r\n"
    sock.sendall(head.encode() + data[:sent])
    return sock


def test_client_gone_mid_body_stores_nothing_and_server_stays_up(donjon_server, dicom_factory):
    srv = donjon_server()
    data = dicom_factory.bytes(rows=256, columns=256)
    _partial_request(srv.http_port, data, len(data) // 2).close()
    time.sleep(0.3)
    assert srv.http.get("/instances").json() == []
    assert srv.http.post("/instances", content=data).json()["Status"] == "Success"


@pytest.mark.timeout(30)
def test_stalled_body_is_cut_off_after_the_request_timeout(donjon_server, dicom_factory):
    srv = donjon_server({"HttpRequestTimeout": 1})
    data = dicom_factory.bytes()
    sock = _partial_request(srv.http_port, data, 1000)
    sock.settimeout(10)
    start = time.monotonic()
    try:
        leftover = sock.recv(65536)  # closed by the server (b"") once the timeout fired
    except ConnectionResetError:
        leftover = b""
    finally:
        sock.close()
    assert time.monotonic() - start < 8
    assert b"200 OK" not in leftover
    assert httpx.get(f"{srv.url}/instances").json() == []
