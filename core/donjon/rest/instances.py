"""``POST /instances`` (raw DICOM, multipart, ZIP) and the file of an instance."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, Response, get, post

from ..enums import OriginKind
from ..errors import DonjonError, ErrorCode
from ..server import Server
from .deps import FromPath, ServerDep
from .fast_upload import BODY_KEY, ERROR_KEY
from ..types import Origin
from .uploads import split_upload

__all__ = ["ROUTES"]


def _origin(request: Request[Any, Any, Any]) -> Origin:
    client = request.client
    return Origin(kind=OriginKind.RestApi, remote_ip=client.host if client else "", username=request.scope.get("donjon_username", ""))


@post("/instances", status_code=200)
async def upload_instances(server: ServerDep, request: Request[Any, Any, Any]) -> Any:
    """Store one file (raw body), several (multipart/form-data) or a ZIP of them.

    Orthanc answers one object for a single file and a list for a ZIP archive.
    """
    # Requests the short path (rest/fast_upload.py) already read, or failed to store.
    scope = request.scope
    error = scope.get(ERROR_KEY)  # type: ignore[call-overload]
    if error is not None:
        raise error
    body = scope.get(BODY_KEY)  # type: ignore[call-overload]
    if body is None:
        body = await request.body()
    if not body:
        # As Orthanc 1.10.1: a bad file format (400), not EmptyRequest (checked with the oracle).
        raise DonjonError(ErrorCode.BadFileFormat, "Received an empty DICOM file")
    origin = _origin(request)
    content_type = request.headers.get("content-type", "")
    return await anyio.to_thread.run_sync(_store_upload, server, body, content_type, origin)


def _store_upload(server: Server, body: bytes, content_type: str, origin: Origin) -> Any:
    files, is_archive = split_upload(body, content_type)
    if not is_archive and len(files) == 1:
        return server.store(files[0], origin)
    answers = []
    for data in files:
        try:
            answers.append(server.store(data, origin))
        except DonjonError as exc:
            if exc.code is not ErrorCode.BadFileFormat or not is_archive:
                raise
            # Orthanc skips the non-DICOM members of a ZIP archive.
    return answers


@get("/instances/{public_id:str}/file", sync_to_thread=True)
def instance_file(server: ServerDep, request: Request[Any, Any, Any], public_id: FromPath[str]) -> Response[bytes]:
    """The DICOM file; ``?transcode=UID`` converts it first (Book faq/transcoding.rst)."""
    data = server.read_dicom(public_id)
    syntax = request.query_params.get("transcode")
    if syntax:
        from ..imaging.transcode import transcode_instance

        # As Orthanc's GetInstanceFile: a lossy target may give the copy a new SOP Instance UID.
        data = transcode_instance(server, public_id, data, syntax.strip(), allow_new_sop_instance=True)
    return Response(content=data, media_type="application/dicom")


ROUTES = [upload_instances, instance_file]
