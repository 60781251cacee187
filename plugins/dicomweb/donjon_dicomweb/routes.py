"""The DICOMweb routes under ``DicomWeb.Root``: QIDO-RS, WADO-RS, STOW-RS.

Handlers stay short: read the request, call one function of :mod:`.qido`,
:mod:`.wado`, :mod:`.metadata` or :mod:`.stow`, shape the answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from donjon_sdk import DonjonError, ErrorCode, FromPath, MetadataType, Origin, OriginKind, ResourceLevel, ServerDep
from litestar import Request, Response, Router, get, post
from litestar.response import Stream

from .config import DicomWebConfig
from .lookup import InstanceRef, instances_of, resolve
from .metadata import instance_path, metadata_answer
from .multipart import multipart_body, multipart_content_type, new_boundary, parse_media_ranges
from .qido import parse_qido, run_qido
from .stow import stow
from .wado import bulk_value, check_dicom_accept, frames, parse_frame_list

__all__ = ["base_url", "build_router"]

_Request = Request[Any, Any, Any]
DICOM_JSON = "application/dicom+json"
_ENCODER = msgspec.json.Encoder()
STUDY, SERIES, INSTANCE = ResourceLevel.STUDY, ResourceLevel.SERIES, ResourceLevel.INSTANCE
#: DICOM files and pixel data go as they are (as Orthanc sends them): gzip at level 6
#: held WADO-RS of a series at ~120 MB/s for little gain on image data.
_RAW = {"skip_compression": True}


def base_url(section: DicomWebConfig, request: _Request) -> str:
    """The absolute root of the URLs in answers (RetrieveURL, BulkDataURI), no trailing slash.

    ``Host``/``Ssl`` of the section win; else a ``Forwarded`` header (reverse proxies,
    RFC 7239 ``host=``/``proto=``), else the request's ``Host`` — Orthanc's order.
    """
    scheme = "https" if section.ssl else "http"
    host = section.host
    forwarded = request.headers.get("forwarded", "")
    if not host and forwarded:
        for pair in forwarded.split(",")[0].split(";"):
            name, _, value = pair.strip().partition("=")
            if name.lower() == "host":
                host = value.strip('"')
            elif name.lower() == "proto":
                scheme = value.strip('"')
    host = host or request.headers.get("host", "localhost")
    root = (section.public_root or section.root).strip("/")
    return f"{scheme}://{host}/{root}" if root else f"{scheme}://{host}"


def _json(server: Any, value: Any, status: int = 200) -> Response[bytes]:
    return Response(content=_ENCODER.encode(value), media_type=DICOM_JSON, status_code=status)


def _section(server: Any) -> DicomWebConfig:
    return server.config.section(DicomWebConfig)


# -- QIDO-RS -----------------------------------------------------------------------


def _qido(server: Any, request: _Request, level: ResourceLevel, uids: dict[ResourceLevel, str]) -> Response[bytes]:
    section = _section(server)
    query = parse_qido(level, list(request.query_params.multi_items()), uids)
    # Orthanc 1.10.1 + DICOMweb 1.7 match names as /tools/find does by default (CaseSensitivePN,
    # false unless set), whatever QidoCaseSensitive says: checked against it, doe* finds Doe^John.
    answers = run_qido(server, query, base_url(section, request), server.config.core.case_sensitive_pn)
    return _json(server, answers)


@get("/studies", sync_to_thread=True, name="dicom-web:qido-studies")
def search_studies(server: ServerDep, request: _Request) -> Response[bytes]:
    return _qido(server, request, STUDY, {})


@get("/series", sync_to_thread=True, name="dicom-web:qido-series")
def search_series(server: ServerDep, request: _Request) -> Response[bytes]:
    return _qido(server, request, SERIES, {})


@get("/instances", sync_to_thread=True, name="dicom-web:qido-instances")
def search_instances(server: ServerDep, request: _Request) -> Response[bytes]:
    return _qido(server, request, INSTANCE, {})


@get("/studies/{study:str}/series", sync_to_thread=True, name="dicom-web:qido-study-series")
def search_study_series(server: ServerDep, request: _Request, study: FromPath[str]) -> Response[bytes]:
    return _qido(server, request, SERIES, {STUDY: study})


@get("/studies/{study:str}/instances", sync_to_thread=True, name="dicom-web:qido-study-instances")
def search_study_instances(server: ServerDep, request: _Request, study: FromPath[str]) -> Response[bytes]:
    return _qido(server, request, INSTANCE, {STUDY: study})


@get("/studies/{study:str}/series/{series:str}/instances", sync_to_thread=True, name="dicom-web:qido-series-instances")
def search_series_instances(server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str]) -> Response[bytes]:
    return _qido(server, request, INSTANCE, {STUDY: study, SERIES: series})


# -- WADO-RS: instances ---------------------------------------------------------------


def _refs(server: Any, level: ResourceLevel, study: str, series: str | None = None, instance: str | None = None) -> list[InstanceRef]:
    return instances_of(server, level, resolve(server, level, study, series, instance))


def _stored_syntaxes(server: Any, refs: list[InstanceRef]) -> set[str]:
    # The TransferSyntax metadata recorded at ingest: no file to read.
    syntaxes = set()
    with server.index.read() as tx:
        for ref in refs:
            resource = tx.lookup(ref.public_id, INSTANCE)
            if resource is not None:
                syntaxes.add(tx.metadata(resource.internal_id).get(int(MetadataType.TransferSyntax), ""))
    return syntaxes - {""}


#: Files read per hop to a worker thread while a retrieval streams: one hop per file
#: capped WADO-RS at ~120 MB/s (thread hand-offs); a batch of ~8 MB keeps it near the disk's rate.
_BATCH_BYTES = 8 * 1024 * 1024


def _retrieve(server: Any, request: _Request, refs: list[InstanceRef]) -> Stream:
    check_dicom_accept(request.headers.get("accept"), _stored_syntaxes(server, refs))
    boundary = new_boundary()

    def read_batch(start: int) -> tuple[bytes, int]:
        chunks, size, index = [], 0, start
        while index < len(refs) and size < _BATCH_BYTES:
            data = server.read_dicom(refs[index].public_id)
            chunks.extend(multipart_body([("application/dicom", data)], boundary, close=False))
            size += len(data)
            index += 1
        return b"".join(chunks), index

    async def stream() -> AsyncIterator[bytes]:
        import anyio

        index = 0
        while index < len(refs):
            chunk, index = await anyio.to_thread.run_sync(read_batch, index)
            yield chunk
        yield b"--" + boundary.encode() + b"--\r\n"

    return Stream(stream(), media_type=multipart_content_type("application/dicom", boundary))


@get("/studies/{study:str}", sync_to_thread=True, name="dicom-web:wado-study", opt=_RAW)
def retrieve_study(server: ServerDep, request: _Request, study: FromPath[str]) -> Stream:
    return _retrieve(server, request, _refs(server, STUDY, study))


@get("/studies/{study:str}/series/{series:str}", sync_to_thread=True, name="dicom-web:wado-series", opt=_RAW)
def retrieve_series(server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str]) -> Stream:
    return _retrieve(server, request, _refs(server, SERIES, study, series))


@get("/studies/{study:str}/series/{series:str}/instances/{instance:str}", sync_to_thread=True, name="dicom-web:wado-instance", opt=_RAW)
def retrieve_instance(server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str], instance: FromPath[str]) -> Stream:
    return _retrieve(server, request, _refs(server, INSTANCE, study, series, instance))


# -- WADO-RS: metadata -----------------------------------------------------------------


def _metadata(server: Any, request: _Request, refs: list[InstanceRef]) -> Response[bytes]:
    ranges = parse_media_ranges(request.headers.get("accept"))
    if ranges and not any(r.mime in ("*/*", "application/*", DICOM_JSON, "application/json") for r in ranges):
        raise DonjonError(ErrorCode.BadRequest, f"WADO-RS metadata is only available as {DICOM_JSON}, not {request.headers.get('accept')}")
    body = metadata_answer(server, refs, base_url(_section(server), request))
    return Response(content=body, media_type=DICOM_JSON)


@get("/studies/{study:str}/metadata", sync_to_thread=True, name="dicom-web:metadata-study")
def study_metadata(server: ServerDep, request: _Request, study: FromPath[str]) -> Response[bytes]:
    return _metadata(server, request, _refs(server, STUDY, study))


@get("/studies/{study:str}/series/{series:str}/metadata", sync_to_thread=True, name="dicom-web:metadata-series")
def series_metadata(server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str]) -> Response[bytes]:
    return _metadata(server, request, _refs(server, SERIES, study, series))


@get("/studies/{study:str}/series/{series:str}/instances/{instance:str}/metadata", sync_to_thread=True, name="dicom-web:metadata-instance")
def instance_metadata(server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str], instance: FromPath[str]) -> Response[bytes]:
    return _metadata(server, request, _refs(server, INSTANCE, study, series, instance))


# -- WADO-RS: frames and bulk data ---------------------------------------------------------


@get("/studies/{study:str}/series/{series:str}/instances/{instance:str}/frames/{frame_list:str}", sync_to_thread=True, name="dicom-web:frames", opt=_RAW)
def retrieve_frames(
    server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str], instance: FromPath[str], frame_list: FromPath[str]
) -> Response[bytes]:
    ref = _refs(server, INSTANCE, study, series, instance)[0]
    numbers = parse_frame_list(frame_list)
    mime, contents = frames(server, ref, numbers, request.headers.get("accept"))
    boundary = new_boundary()
    base = base_url(_section(server), request)
    locations = [f"{base}/{instance_path(ref)}/frames/{n}" for n in numbers]
    body = b"".join(multipart_body(((mime, c) for c in contents), boundary, locations))
    return Response(content=body, media_type=multipart_content_type(mime, boundary))


def _bulk(server: Any, request: _Request, study: str, series: str, instance: str, path: str) -> Response[bytes]:
    ranges = parse_media_ranges(request.headers.get("accept"))
    if ranges and not any(r.mime in ("*/*", "multipart/related", "multipart/*", "application/octet-stream") for r in ranges):
        raise DonjonError(ErrorCode.BadRequest, f"This WADO-RS plugin cannot generate the following bulk data type: {ranges[0].mime}")
    ref = _refs(server, INSTANCE, study, series, instance)[0]
    value = bulk_value(server, ref, path)
    boundary = new_boundary()
    body = b"".join(multipart_body([("application/octet-stream", value)], boundary))
    return Response(content=body, media_type=multipart_content_type("application/octet-stream", boundary))


@get("/studies/{study:str}/series/{series:str}/instances/{instance:str}/bulk/{path:path}", sync_to_thread=True, name="dicom-web:bulk", opt=_RAW)
def retrieve_bulk(
    server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str], instance: FromPath[str], path: FromPath[str]
) -> Response[bytes]:
    return _bulk(server, request, study, series, instance, path)


@get("/studies/{study:str}/series/{series:str}/instances/{instance:str}/bulkdata/{path:path}", sync_to_thread=True, name="dicom-web:bulkdata", opt=_RAW)
def retrieve_bulkdata(
    server: ServerDep, request: _Request, study: FromPath[str], series: FromPath[str], instance: FromPath[str], path: FromPath[str]
) -> Response[bytes]:
    return _bulk(server, request, study, series, instance, path)


# -- STOW-RS ---------------------------------------------------------------------------------


async def _stow(server: Any, request: _Request, study: str | None) -> Response[bytes]:
    import anyio

    body = await request.body()
    client = request.client
    origin = Origin(kind=OriginKind.RestApi, remote_ip=client.host if client else "", username=request.scope.get("donjon_username", ""))
    base = base_url(_section(server), request)
    result = await anyio.to_thread.run_sync(stow, server, body, request.headers.get("content-type", ""), base, study, origin)
    return _json(server, result.body, result.status)


@post("/studies", name="dicom-web:stow")
async def store_studies(server: ServerDep, request: _Request) -> Response[bytes]:
    return await _stow(server, request, None)


@post("/studies/{study:str}", name="dicom-web:stow-study")
async def store_study(server: ServerDep, request: _Request, study: FromPath[str]) -> Response[bytes]:
    return await _stow(server, request, study)


_HANDLERS = [
    search_studies,
    search_series,
    search_instances,
    search_study_series,
    search_study_instances,
    search_series_instances,
    retrieve_study,
    retrieve_series,
    retrieve_instance,
    study_metadata,
    series_metadata,
    instance_metadata,
    retrieve_frames,
    retrieve_bulk,
    retrieve_bulkdata,
    store_studies,
    store_study,
]


def build_router(section: DicomWebConfig) -> Router:
    """The router of every DICOMweb route, mounted at ``section.root``."""
    root = "/" + section.root.strip("/")
    return Router(path=root, route_handlers=list(_HANDLERS), include_in_schema=False)
