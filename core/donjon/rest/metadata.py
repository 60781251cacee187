"""``/{level}/{id}/metadata``: list, read, write and delete metadata, with revisions.

Answers follow Orthanc: a list of names (``?expand`` for an object of values,
``?numeric`` for numbers instead of names), values as ``text/plain`` with an
``ETag``; writing or deleting a built-in metadata is a bare 403, an absent metadata
a bare 404 (Orthanc's handler answers nothing in both cases).
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, Response, Router, delete, get, put

from .. import compression
from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..metadata import delete_user_metadata, is_user_metadata, lookup_resource, metadata_name, metadata_number, set_user_metadata
from ..revisions import ETag, format_etag, parse_etag
from ..server import Server
from .deps import FromPath, ServerDep
from .params import bare, flag

__all__ = ["ROUTES"]


def _text(value: str, etag: str, status: int = 200) -> Response[bytes]:
    return Response(content=value.encode(), status_code=status, media_type="text/plain", headers={"ETag": etag})


def _routes(level: ResourceLevel) -> Router:
    @get("/{public_id:str}/metadata", sync_to_thread=True, name=f"{level.plural}-metadata")
    def list_metadata(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Any:
        """Names of the metadata of a resource, in number order (values with ``?expand``)."""
        numeric = flag(request, "numeric")
        with server.index.read() as tx:
            resource = lookup_resource(tx, level, public_id)
            items = sorted(tx.metadata(resource.internal_id).items())
        names = [(str(n) if numeric else metadata_name(server.config, n), value) for n, value in items]
        if flag(request, "expand"):
            return dict(sorted(names))
        return [name for name, _ in names]

    @get("/{public_id:str}/metadata/{name:str}", sync_to_thread=True, name=f"{level.plural}-metadata-get")
    def get_metadata(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
        """One metadata as text, with its ETag; 304 when ``If-None-Match`` is current."""
        number = metadata_number(server.config, name)
        with server.index.read() as tx:
            resource = lookup_resource(tx, level, public_id)
            entry = tx.metadata_entry(resource.internal_id, number)
        if entry is None:
            return bare(404)
        value, revision = entry
        current = ETag(revision, compression.md5(value.encode()))
        etag = format_etag(current.revision, current.md5)
        if parse_etag(request.headers.get("if-none-match"), "If-None-Match") == current:
            return _text("", etag, 304)
        return _text(value, etag)

    @put("/{public_id:str}/metadata/{name:str}", name=f"{level.plural}-metadata-put")
    async def put_metadata(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
        """Set a user metadata (1024–65535); the answer's ETag holds the new revision."""
        data = await request.body()
        return await anyio.to_thread.run_sync(write, server, request, public_id, name, data)

    def write(server: Server, request: Request[Any, Any, Any], public_id: str, name: str, data: bytes) -> Response[bytes]:
        number = metadata_number(server.config, name)
        if not is_user_metadata(number):
            return bare(403)
        if_match = parse_etag(request.headers.get("if-match"), "if-match")
        try:
            value = data.decode("utf-8")
        except UnicodeDecodeError:
            raise DonjonError(ErrorCode.BadRequest, f"the value of metadata {name!r} must be UTF-8 text") from None
        revision = set_user_metadata(server, level, public_id, number, value, if_match)
        return _text("", format_etag(revision, compression.md5(data)))

    @delete("/{public_id:str}/metadata/{name:str}", status_code=200, sync_to_thread=True, name=f"{level.plural}-metadata-delete")
    def delete_metadata(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
        """Delete a user metadata; ``If-Match`` is required when ``CheckRevisions`` is on."""
        number = metadata_number(server.config, name)
        if not is_user_metadata(number):
            return bare(403)
        if_match = parse_etag(request.headers.get("if-match"), "if-match")
        delete_user_metadata(server, level, public_id, number, if_match)
        return Response(content=b"", media_type="text/plain")

    return Router(path=f"/{level.plural}", route_handlers=[list_metadata, get_metadata, put_metadata, delete_metadata])


ROUTES = [_routes(level) for level in ResourceLevel]
