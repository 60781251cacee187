"""``/{level}/{id}/attachments``: list, read, write, delete, compress and check attachments.

Every ``GET`` on one attachment carries its ``ETag`` (``"revision-md5"``) and answers
304 to a current ``If-None-Match``. Writing or deleting a built-in attachment is a
bare 403, as in Orthanc (only the ``dicom-as-json`` and ``dicom-until-pixel-data``
caches may be deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from litestar import Request, Response, Router, delete, get, post, put

from .. import compression
from ..attachments import (
    attachment_info,
    content_type_name,
    content_type_number,
    delete_attachment,
    is_user_content_type,
    list_attachments,
    mime_type,
    put_attachment,
    read_compressed,
    read_uncompressed,
    set_compression,
    verify_md5,
)
from ..enums import FileContentType, ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..index import FileInfo
from ..revisions import ETag, format_etag, parse_etag
from ..server import Server
from .deps import FromPath, ServerDep
from .params import bare, flag

__all__ = ["ROUTES"]

# Orthanc lets clients drop its caches, never the DICOM file itself.
_DELETABLE_BUILTINS = {int(FileContentType.DicomAsJson), int(FileContentType.DicomUntilPixelData)}


def _etag(info: FileInfo) -> str:
    return format_etag(info.revision, info.uncompressed_md5)


def _text(text: str, info: FileInfo) -> Response[bytes]:
    return Response(content=text.encode(), media_type="text/plain", headers={"ETag": _etag(info)})


def _operations(info: FileInfo) -> list[str]:
    """The sub-routes of an attachment, MD5 routes only when MD5s are recorded (Orthanc's list)."""
    ops = ["compress", "compressed-data"]
    if info.compressed_md5:
        ops.append("compressed-md5")
    ops += ["compressed-size", "data", "info", "is-compressed"]
    if info.uncompressed_md5:
        ops.append("md5")
    ops += ["size", "uncompress"]
    if info.compressed_md5 and info.uncompressed_md5:
        ops.append("verify-md5")
    return ops


def _md5(value: str, info: FileInfo) -> Response[bytes]:
    return _text(value, info) if value else bare(404)


_READERS: dict[str, Callable[[Server, FileInfo], Response[Any]]] = {
    "data": lambda s, i: Response(content=read_uncompressed(s, i), media_type=mime_type(s.config, i.content_type), headers={"ETag": _etag(i)}),
    "compressed-data": lambda s, i: Response(content=read_compressed(s, i), media_type="application/octet-stream", headers={"ETag": _etag(i)}),
    "size": lambda s, i: _text(str(i.uncompressed_size), i),
    "compressed-size": lambda s, i: _text(str(i.compressed_size), i),
    "md5": lambda s, i: _md5(i.uncompressed_md5, i),
    "compressed-md5": lambda s, i: _md5(i.compressed_md5, i),
    "is-compressed": lambda s, i: _text("1" if i.compression != compression.NONE else "0", i),
    "info": lambda s, i: Response(
        content={
            "CompressedMD5": i.compressed_md5,
            "CompressedSize": i.compressed_size,
            "ContentType": i.content_type,
            "UncompressedMD5": i.uncompressed_md5,
            "UncompressedSize": i.uncompressed_size,
            "Uuid": i.uuid,
        },
        media_type="application/json",
        headers={"ETag": _etag(i)},
    ),
}


def _routes(level: ResourceLevel) -> Router:
    def info_of(server: Server, public_id: str, name: str) -> FileInfo:
        return attachment_info(server, level, public_id, content_type_number(server.config, name))

    def not_modified(request: Request[Any, Any, Any], info: FileInfo) -> bool:
        wanted = parse_etag(request.headers.get("if-none-match"), "If-None-Match")
        return wanted is not None and wanted == ETag(info.revision, info.uncompressed_md5)

    @get("/{public_id:str}/attachments", sync_to_thread=True, name=f"{level.plural}-attachments")
    def list_(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Any:
        """Names of the attachments (``?full``: names mapped to numbers)."""
        numbers = list_attachments(server, level, public_id)
        if flag(request, "full"):
            return dict(sorted((content_type_name(server.config, n), n) for n in numbers))
        return [content_type_name(server.config, n) for n in numbers]

    @get("/{public_id:str}/attachments/{name:str}", sync_to_thread=True, name=f"{level.plural}-attachment")
    def operations(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[Any]:
        """The operations available on one attachment."""
        info = info_of(server, public_id, name)
        if not_modified(request, info):
            return Response(content=b"", status_code=304, headers={"ETag": _etag(info)})
        return Response(content=_operations(info), media_type="application/json", headers={"ETag": _etag(info)})

    @get("/{public_id:str}/attachments/{name:str}/{op:str}", sync_to_thread=True, name=f"{level.plural}-attachment-read")
    def read(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str], op: FromPath[str]) -> Response[Any]:
        """``data``, ``compressed-data``, ``size``, ``md5``, ``info``... of one attachment."""
        reader = _READERS.get(op)
        if reader is None:
            raise DonjonError(ErrorCode.UnknownResource, f"no attachment operation {op!r} (GET)")
        info = info_of(server, public_id, name)
        if not_modified(request, info):
            return Response(content=b"", status_code=304, headers={"ETag": _etag(info)})
        return reader(server, info)

    @post("/{public_id:str}/attachments/{name:str}/{op:str}", status_code=200, sync_to_thread=True, name=f"{level.plural}-attachment-act")
    def act(server: ServerDep, public_id: FromPath[str], name: FromPath[str], op: FromPath[str]) -> Response[Any]:
        """``verify-md5``, ``compress`` and ``uncompress``; each answers ``{}``."""
        if op not in ("verify-md5", "compress", "uncompress"):
            raise DonjonError(ErrorCode.UnknownResource, f"no attachment operation {op!r} (POST)")
        number = content_type_number(server.config, name)
        if op == "verify-md5":
            if not verify_md5(server, attachment_info(server, level, public_id, number)):
                # Orthanc's handler answers nothing when the MD5 is wrong: a bare 404.
                return bare(404)
        else:
            set_compression(server, level, public_id, number, op == "compress")
        return Response(content={}, media_type="application/json")

    @put("/{public_id:str}/attachments/{name:str}", name=f"{level.plural}-attachment-put")
    async def put_(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[Any]:
        """Attach a user file (1024–65535); the ETag holds the new revision."""
        data = await request.body()
        return await anyio.to_thread.run_sync(write, server, request, public_id, name, data)

    def write(server: Server, request: Request[Any, Any, Any], public_id: str, name: str, data: bytes) -> Response[Any]:
        number = content_type_number(server.config, name)
        if not is_user_content_type(number):
            return bare(403)
        if_match = parse_etag(request.headers.get("if-match"), "if-match")
        info = put_attachment(server, level, public_id, number, data, if_match)
        return Response(content={}, media_type="application/json", headers={"ETag": format_etag(info.revision, compression.md5(data))})

    @delete("/{public_id:str}/attachments/{name:str}", status_code=200, sync_to_thread=True, name=f"{level.plural}-attachment-delete")
    def delete_(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
        """Delete a user attachment (or a cache); the DICOM file is refused with 403."""
        number = content_type_number(server.config, name)
        if not is_user_content_type(number) and number not in _DELETABLE_BUILTINS:
            return bare(403)
        if_match = parse_etag(request.headers.get("if-match"), "if-match")
        delete_attachment(server, level, public_id, number, if_match)
        return Response(content=b"", media_type="text/plain")

    handlers = [list_, operations, read, act, put_, delete_]
    return Router(path=f"/{level.plural}", route_handlers=handlers)


ROUTES = [_routes(level) for level in ResourceLevel]
