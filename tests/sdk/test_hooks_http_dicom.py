"""``test_hook_<name>`` for the HTTP, DICOM, metrics and jobs hooks."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from litestar import Router, get
from pynetdicom import AE, build_context

from donjon_sdk import DonjonError, ErrorCode, FromPath, Identity, Refusal, Server, ServerDep, hookimpl


@get("/hello/{name:str}", sync_to_thread=True)
def hello(server: ServerDep, name: FromPath[str]) -> dict[str, Any]:
    if name == "nobody":
        raise DonjonError(ErrorCode.UnknownResource, "no such person: nobody")
    return {"Hello": name, "Server": server.config.core.name}


class HelloRoutes:
    @hookimpl
    def donjon_routes(self, server: Server) -> list[Any]:
        return [Router(path="/plugin", route_handlers=[hello])]


def test_hook_routes(donjon_server):
    srv = donjon_server(plugins=[("hello", HelloRoutes())])
    assert srv.http.get("/plugin/hello/world").json() == {"Hello": "world", "Server": "MyOrthanc"}
    missing = srv.http.get("/plugin/hello/nobody")
    assert missing.status_code == 404
    assert missing.json()["OrthancStatus"] == 17 and missing.json()["Uri"] == "/plugin/hello/nobody"


def test_hook_routes_are_behind_authentication(donjon_server):
    srv = donjon_server({"AuthenticationEnabled": True, "RegisteredUsers": {"alice": "secret"}}, plugins=[("hello", HelloRoutes())])
    assert srv.http.get("/plugin/hello/world").status_code == 401
    assert srv.http.get("/plugin/hello/world", auth=("alice", "secret")).status_code == 200


class TokenAuth:
    @hookimpl
    def donjon_authenticate(self, request: Any) -> Identity | Refusal | None:
        token = request.headers.get("x-token")
        if token == "good":
            return Identity(username="token-user")
        if token is not None:
            return Refusal("bad token", status=401)
        return None


def test_hook_authenticate(donjon_server):
    srv = donjon_server({"AuthenticationEnabled": True, "RegisteredUsers": {"alice": "secret"}}, plugins=[("token", TokenAuth())])
    assert srv.http.get("/system", headers={"x-token": "good"}).status_code == 200
    assert srv.http.get("/system", headers={"x-token": "bad"}).status_code == 401
    # None lets the built-in HTTP Basic check decide.
    assert srv.http.get("/system").status_code == 401
    assert srv.http.get("/system", auth=("alice", "secret")).status_code == 200


class ReadOnlyFilter:
    @hookimpl
    def donjon_http_request_filter(self, request: Any, identity: Identity) -> Refusal | None:
        if request.method != "GET" and request.path.startswith("/instances"):
            return Refusal(f"{request.method} {request.path} is read-only here")
        return None


def test_hook_http_request_filter(donjon_server, dicom_factory):
    srv = donjon_server(plugins=[("read-only", ReadOnlyFilter())])
    assert srv.http.post("/instances", content=dicom_factory.bytes()).status_code == 403
    assert srv.http.get("/instances").json() == []


class RefuseAet:
    @hookimpl
    def donjon_association_filter(self, association: Any) -> Refusal | None:
        if association.calling_aet == "INTRUDER":
            return Refusal("INTRUDER may not associate")
        return None


def test_hook_association_filter(donjon_server, dcmtk):
    srv = donjon_server(plugins=[("refuse-aet", RefuseAet())])
    assert dcmtk.echo(srv.dicom_port, aet="FRIEND").returncode == 0
    refused = dcmtk.echo(srv.dicom_port, aet="INTRUDER")
    assert refused.returncode != 0
    assert "reject" in (refused.stdout + refused.stderr).lower()


PRIVATE_SOP_CLASS = "1.2.826.0.1.3680043.9.7133.1.1"
EXPLICIT_LE = "1.2.840.10008.1.2.1"


class PrivateContexts:
    @hookimpl
    def donjon_presentation_contexts(self, config: Any) -> list[Any]:
        return [(PRIVATE_SOP_CLASS, [EXPLICIT_LE])]


def _accepted(port: int, abstract_syntax: str) -> bool:
    ae = AE(ae_title="CONTEXTS")
    assoc = ae.associate("127.0.0.1", port, [build_context(abstract_syntax, EXPLICIT_LE), build_context("1.2.840.10008.1.1")], ae_title="ORTHANC")
    try:
        return any(cx.abstract_syntax == abstract_syntax for cx in assoc.accepted_contexts)
    finally:
        if assoc.is_established:
            assoc.release()


def test_hook_presentation_contexts(donjon_server):
    assert not _accepted(donjon_server().dicom_port, PRIVATE_SOP_CLASS)
    assert _accepted(donjon_server(plugins=[("private", PrivateContexts())]).dicom_port, PRIVATE_SOP_CLASS)


class Gauges:
    @hookimpl
    def donjon_metrics(self, server: Server) -> dict[str, float]:
        return {"plugin_queue_length": 7, "plugin_ratio": 0.5}


def test_hook_metrics(donjon_server):
    srv = donjon_server(plugins=[("gauges", Gauges())])
    lines = dict(line.split(" ")[:2] for line in srv.http.get("/tools/metrics-prometheus").text.splitlines() if line)
    assert lines["plugin_queue_length"] == "7"
    assert lines["plugin_ratio"] == "0.5"
    assert "orthanc_count_instances" in lines


def _job_plugin() -> Any:
    from donjon_sdk import Job, JobContext

    class CountParams(msgspec.Struct, tag="PluginCount", tag_field="Type"):
        up_to: int

    class CountJob(Job):
        type_name = "PluginCount"
        params_type = CountParams

        def run(self, ctx: JobContext) -> None:
            for i in range(self.params.up_to):
                ctx.checkpoint()
                ctx.set_progress((i + 1) / self.params.up_to)

        def content(self) -> dict[str, Any]:
            return {"UpTo": self.params.up_to}

    class JobTypes:
        @hookimpl
        def donjon_job_types(self) -> list[type]:
            return [CountJob]

    return JobTypes(), CountJob, CountParams


def test_hook_job_types(donjon_server):
    pytest.importorskip("donjon.jobs")
    plugin, job_class, params = _job_plugin()
    srv = donjon_server(plugins=[("count-job", plugin)])
    job_id = srv.server.jobs.submit(job_class(params(up_to=3)))
    srv.server.jobs.wait(job_id, timeout=30)
    described = srv.http.get(f"/jobs/{job_id}").json()
    assert (described["Type"], described["State"], described["Progress"]) == ("PluginCount", "Success", 100)
    assert described["Content"] == {"UpTo": 3}


IMPLICIT_LE = "1.2.840.10008.1.2"


class ImplicitTranscoder:
    """Re-encodes uncompressed files as Implicit VR Little Endian (pydicom does the work)."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    @hookimpl
    def donjon_transcode(self, data: bytes, transfer_syntaxes: list[str], allow_new_sop_instance: bool) -> bytes | None:
        from pydicom import dcmread
        from pydicom.filebase import DicomBytesIO

        self.asked.append(list(transfer_syntaxes))
        if IMPLICIT_LE not in transfer_syntaxes:
            return None
        ds = dcmread(DicomBytesIO(data))
        ds.file_meta.TransferSyntaxUID = IMPLICIT_LE
        out = DicomBytesIO()
        ds.save_as(out, implicit_vr=True, little_endian=True, enforce_file_format=True)
        return out.getvalue()


def test_hook_transcode(donjon_server, dicom_factory):
    import io
    import zipfile

    from pydicom import dcmread

    transcoder = ImplicitTranscoder()
    srv = donjon_server(plugins=[("implicit", transcoder)])
    study = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ParentStudy"]
    answer = srv.http.post(f"/studies/{study}/archive", json={"Synchronous": True, "Transcode": IMPLICIT_LE})
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        [member] = [n for n in archive.namelist() if not n.endswith("/")]
        ds = dcmread(io.BytesIO(archive.read(member)))
    assert ds.file_meta.TransferSyntaxUID == IMPLICIT_LE
    assert transcoder.asked == [[IMPLICIT_LE]]


class PatternDecoder:
    """Decodes "frames" of an MPEG-2 file, which no built-in codec reads, into a fixed pattern."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, str]] = []

    @hookimpl
    def donjon_decode_frame(self, data: bytes, frame: int, transfer_syntax: str) -> Any | None:
        import numpy as np

        self.asked.append((frame, transfer_syntax))
        if transfer_syntax != MPEG2:
            return None
        return np.full((4, 6), 100 + frame, dtype=np.uint16)


MPEG2 = "1.2.840.10008.1.2.4.100"


def test_hook_decode_frame(donjon_server, dicom_factory):
    import io

    import numpy as np
    from pydicom.encaps import encapsulate

    decoder = PatternDecoder()
    srv = donjon_server(plugins=[("pattern", decoder)])
    ds = dicom_factory.dataset(rows=4, columns=6, transfer_syntax=MPEG2, NumberOfFrames=2)
    ds.PixelData = encapsulate([b"first frame!", b"second frame"])
    ds["PixelData"].VR = "OB"
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    answer = srv.http.get(f"/instances/{instance}/frames/1/numpy", params={"rescale": "0"})
    assert answer.status_code == 200, answer.text
    assert np.array_equal(np.load(io.BytesIO(answer.content)), np.full((4, 6, 1), 101, dtype=np.uint16))
    assert decoder.asked == [(1, MPEG2)]
    # built-in syntaxes never reach the plugin
    plain = srv.http.post("/instances", content=dicom_factory.bytes()).json()["ID"]
    assert srv.http.get(f"/instances/{plain}/preview").status_code == 200
    assert decoder.asked == [(1, MPEG2)]


def test_without_a_decoder_plugin_an_unknown_syntax_is_unsupported(donjon_server, dicom_factory):
    from pydicom.encaps import encapsulate

    srv = donjon_server()
    ds = dicom_factory.dataset(rows=4, columns=6, transfer_syntax=MPEG2)
    ds.PixelData = encapsulate([b"a frame!"])
    ds["PixelData"].VR = "OB"
    instance = srv.http.post("/instances", content=dicom_factory.encode(ds)).json()["ID"]
    answer = srv.http.get(f"/instances/{instance}/preview")
    assert answer.status_code == 415
    assert MPEG2 in answer.json()["Details"]
