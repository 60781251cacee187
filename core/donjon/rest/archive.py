"""ZIP archives and DICOMDIR media (Book: users/rest.rst "Downloading studies", advanced-rest.rst "Jobs").

``/{patients|studies|series|instances}/{id}/archive|media`` (GET, or POST with options)
and ``/tools/create-archive|create-media|create-media-extended`` (a list of resources).
Synchronous requests stream the ZIP while it is built (``SynchronousZipStream``, the
default) or wait for the job and send its file; ``"Asynchronous": true`` answers the
job's ``{"ID", "Path"}`` at once, the ZIP being ``GET /jobs/{id}/archive`` later.
``/instances/{id}/archive|media`` are Donjon additions (Orthanc 1.12 has neither).
"""

from __future__ import annotations

from typing import Any

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.response import File, Stream

from ..archive.builder import check_transcoding
from ..archive.job import ArchiveJob, ArchiveParams, MediaJob, MediaParams
from ..archive.plan import make_plan
from ..archive.stream import stream_archive
from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..resources import lookup_or_404
from ..server import Server
from .deps import FromPath, ServerDep

__all__ = ["ROUTES"]


class ArchiveRequest(msgspec.Struct, kw_only=True):
    """The options of an archive request (POST body or GET query)."""

    resources: list[str]
    synchronous: bool = True
    priority: int = 0
    transcode: str = ""
    filename: str = ""
    extended: bool = False
    user_data: Any = None


def _field(body: dict[str, Any], name: str, kind: type, label: str) -> Any:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DonjonError(ErrorCode.BadFileFormat, f"{label} value expected in field: {name}")
    return value


def _parse_body(data: bytes, *, with_resources: bool) -> tuple[dict[str, Any], list[str]]:
    """The JSON object of a POST body, and its ``Resources`` for the ``/tools`` routes."""
    try:
        body = msgspec.json.decode(data) if data.strip() else None
    except msgspec.DecodeError:
        body = None
    if with_resources and isinstance(body, list):
        # Orthanc also takes a bare list of IDs as the body of /tools/create-archive.
        body = {"Resources": body}
    if not isinstance(body, dict):
        detail = "Expected a list of resources to archive in the body" if with_resources else "the body must be a JSON object"
        raise DonjonError(ErrorCode.BadFileFormat, detail)
    resources: list[str] = []
    if with_resources:
        if "Resources" not in body:
            raise DonjonError(ErrorCode.BadFileFormat, "Missing field Resources in the JSON body")
        resources = body["Resources"]
        if not isinstance(resources, list) or not all(isinstance(r, str) for r in resources):
            raise DonjonError(ErrorCode.BadFileFormat, "Expected a list of strings (Orthanc identifiers)")
    return body, resources


def _request_from_body(body: dict[str, Any], resources: list[str], extended_default: bool) -> ArchiveRequest:
    synchronous = _field(body, "Synchronous", bool, "Boolean")
    if synchronous is None:
        asynchronous = _field(body, "Asynchronous", bool, "Boolean")
        synchronous = True if asynchronous is None else not asynchronous
    extended = _field(body, "Extended", bool, "Boolean")
    return ArchiveRequest(
        resources=resources,
        synchronous=synchronous,
        priority=_field(body, "Priority", int, "Integer") or 0,
        transcode=_field(body, "Transcode", str, "String") or "",
        filename=_field(body, "Filename", str, "String") or "",
        extended=extended_default if extended is None else extended,
        user_data=body.get("UserData"),
    )


def _request_from_query(request: Request[Any, Any, Any], resources: list[str], extended_default: bool) -> ArchiveRequest:
    params = request.query_params
    extended = extended_default or "extended" in params and str(params.get("extended") or "").lower() not in ("0", "false")
    return ArchiveRequest(resources=resources, transcode=params.get("transcode") or "", filename=params.get("filename") or "", extended=extended)


def _check_syntax(syntax: str) -> None:
    from pydicom.uid import UID

    if syntax and UID(syntax).type != "Transfer Syntax":
        raise DonjonError(ErrorCode.ParameterOutOfRange, f"Unknown transfer syntax: {syntax}")


def _answer(server: Server, req: ArchiveRequest, media: bool, default_filename: str) -> Response[Any]:
    """Build the archive as the request asks: streamed, waited for, or as a job."""
    _check_syntax(req.transcode)
    job: ArchiveJob
    if media:
        job = MediaJob(MediaParams(resources=req.resources, extended=req.extended, transcode=req.transcode, filename=req.filename))
    else:
        job = ArchiveJob(ArchiveParams(resources=req.resources, transcode=req.transcode, filename=req.filename))
    if not req.synchronous:
        job_id = server.jobs.submit(job, req.priority, req.user_data)
        return Response(content={"ID": job_id, "Path": f"/jobs/{job_id}"}, media_type="application/json")
    filename = req.filename or default_filename
    headers = {"Content-Disposition": f'filename="{filename}"'}
    if not server.config.core.synchronous_zip_stream:
        server.jobs.submit_and_wait(job, req.priority, req.user_data)
        output = job.output("archive")
        if output is None:
            raise DonjonError(ErrorCode.InternalError, "the archive job finished without its archive")
        return File(path=output.path, media_type="application/zip", headers=headers, content_disposition_type="inline", filename=filename)
    # Resolve IDs and check transcoding before the first byte: errors stay clean answers.
    plan = make_plan(server, req.resources)
    if req.transcode:
        check_transcoding(server, plan, req.transcode)
    return Stream(stream_archive(server, job, plan, req.priority), media_type="application/zip", headers=headers)


def _level_routes(level: ResourceLevel) -> list[Any]:
    base = f"/{level.plural}/{{public_id:str}}"

    def lookup(server: Server, public_id: str) -> None:
        with server.index.read() as tx:
            lookup_or_404(tx, level, public_id)

    def make(kind: str, media: bool) -> list[Any]:
        @get(f"{base}/{kind}", sync_to_thread=True, name=f"{level.plural}-{kind}-get")
        def from_query(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Response[Any]:
            lookup(server, public_id)
            return _answer(server, _request_from_query(request, [public_id], False), media, f"{public_id}.zip")

        def answer_body(server: Server, public_id: str, data: bytes) -> Response[Any]:
            lookup(server, public_id)
            body, _ = _parse_body(data, with_resources=False)
            return _answer(server, _request_from_body(body, [public_id], False), media, f"{public_id}.zip")

        @post(f"{base}/{kind}", status_code=200, name=f"{level.plural}-{kind}-post")
        async def from_body(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Response[Any]:
            data = await request.body()
            return await anyio.to_thread.run_sync(answer_body, server, public_id, data)

        return [from_query, from_body]

    return make("archive", False) + make("media", True)


def _tools_routes(path: str, media: bool, extended: bool) -> list[Any]:
    @get(f"/tools/{path}", sync_to_thread=True, name=f"tools-{path}-get")
    def from_query(server: ServerDep, request: Request[Any, Any, Any]) -> Response[Any]:
        text = request.query_params.get("resources")
        if not text:
            raise DonjonError(ErrorCode.BadRequest, "missing the 'resources' argument (comma-separated Orthanc IDs)")
        resources = [r.strip() for r in text.split(",") if r.strip()]
        return _answer(server, _request_from_query(request, resources, extended), media, "Archive.zip")

    def answer_body(server: Server, data: bytes) -> Response[Any]:
        body, resources = _parse_body(data, with_resources=True)
        return _answer(server, _request_from_body(body, resources, extended), media, "Archive.zip")

    @post(f"/tools/{path}", status_code=200, name=f"tools-{path}-post")
    async def from_body(server: ServerDep, request: Request[Any, Any, Any]) -> Response[Any]:
        data = await request.body()
        return await anyio.to_thread.run_sync(answer_body, server, data)

    return [from_query, from_body]


ROUTES: list[Any] = [
    *(handler for level in ResourceLevel for handler in _level_routes(level)),
    *_tools_routes("create-archive", False, False),
    *_tools_routes("create-media", True, False),
    *_tools_routes("create-media-extended", True, True),
]
