"""Attachment operations on top of the index and the storage area.

An attachment is a file tied to a resource by content type: the DICOM file of an
instance (1), Orthanc's caches (2, 3) and user attachments (1024–65535, named in the
``UserContentType`` configuration). Files are written before the index transaction
and removed if it fails; a replaced file is removed after the commit, so a reader
never meets an index row pointing at nothing (ARCHITECTURE §3).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from . import compression
from .enums import ChangeType, FileContentType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .index import FileInfo, Resource
from .metadata import log_resource_change, lookup_resource
from .revisions import ETag, check_delete, next_revision
from .types import Change

if TYPE_CHECKING:
    from .config import Config
    from .server import Server

__all__ = [
    "attachment_info",
    "content_type_name",
    "content_type_number",
    "delete_attachment",
    "is_user_content_type",
    "list_attachments",
    "mime_type",
    "put_attachment",
    "read_compressed",
    "read_uncompressed",
    "set_compression",
    "verify_md5",
]

# Orthanc's names of the built-in content types (``EnumerationToString(FileContentType)``).
_BUILTIN_NAMES = {
    int(FileContentType.Dicom): "dicom",
    int(FileContentType.DicomAsJson): "dicom-as-json",
    int(FileContentType.DicomUntilPixelData): "dicom-until-pixel-data",
}
_BUILTIN_MIME = {int(FileContentType.Dicom): "application/dicom", int(FileContentType.DicomAsJson): "application/json"}
_USER_FIRST = 1024
_USER_LAST = 65535


def is_user_content_type(number: int) -> bool:
    """Whether REST clients may write this attachment (Orthanc's ``IsUserContentType``)."""
    return _USER_FIRST <= number <= _USER_LAST


def _user_types(config: Config) -> dict[str, tuple[int, str]]:
    """``UserContentType`` as ``name -> (number, MIME type)``; entries are a number or ``[number, mime]``."""
    out: dict[str, tuple[int, str]] = {}
    for name, value in config.core.user_content_type.items():
        if isinstance(value, list) and value:
            out[name] = (int(value[0]), str(value[1]) if len(value) > 1 else "application/octet-stream")
        else:
            out[name] = (int(value), "application/octet-stream")
    return out


def content_type_number(config: Config, name: str) -> int:
    """The number of an attachment named as Orthanc names it (``dicom``, a user name, a number).

    Raises:
        DonjonError: ``InexistentItem`` for an unknown name.
    """
    for number, builtin in _BUILTIN_NAMES.items():
        if name == builtin:
            return number
    user = _user_types(config)
    if name in user:
        return user[name][0]
    try:
        return int(name)
    except ValueError:
        raise DonjonError(ErrorCode.InexistentItem, f"unknown attachment {name!r}: not built-in and not declared in UserContentType") from None


def content_type_name(config: Config, number: int) -> str:
    """The name Orthanc lists for an attachment number."""
    if number in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[number]
    for name, (value, _mime) in _user_types(config).items():
        if value == number:
            return name
    return str(number)


def mime_type(config: Config, number: int) -> str:
    """The Content-Type of ``/attachments/{name}/data``."""
    if number in _BUILTIN_MIME:
        return _BUILTIN_MIME[number]
    for value, mime in _user_types(config).values():
        if value == number:
            return mime
    return "application/octet-stream"


def list_attachments(server: Server, level: ResourceLevel, public_id: str) -> list[int]:
    """The content types attached to a resource, in increasing order (Orthanc's order)."""
    with server.index.read() as tx:
        resource = lookup_resource(tx, level, public_id)
        return sorted(tx.attachments(resource.internal_id))


def attachment_info(server: Server, level: ResourceLevel, public_id: str, content_type: int) -> FileInfo:
    """The record of one attachment.

    Raises:
        DonjonError: ``UnknownResource`` when the resource or the attachment is absent
            (Orthanc answers both with 404 "Unknown resource").
    """
    with server.index.read() as tx:
        resource = lookup_resource(tx, level, public_id)
        info = tx.attachments(resource.internal_id).get(content_type)
    if info is None:
        raise DonjonError(ErrorCode.UnknownResource, f"{level.title.lower()} {public_id} has no attachment {content_type}")
    return info


def read_compressed(server: Server, info: FileInfo) -> bytes:
    """The attachment as stored (``/compressed-data``)."""
    return server.storage.read(info.uuid, info.content_type)


def read_uncompressed(server: Server, info: FileInfo) -> bytes:
    """The attachment's content (``/data``)."""
    return compression.decompress(read_compressed(server, info), info.compression)


def _etag(info: FileInfo | None) -> ETag | None:
    return None if info is None else ETag(info.revision, info.uncompressed_md5)


def _write(server: Server, content_type: int, data: bytes, compress: bool, revision: int) -> FileInfo:
    """Write ``data`` to the storage under a new UUID and describe it."""
    with_md5 = server.config.core.store_md5_for_attachments
    md5 = compression.md5(data) if with_md5 else ""
    stored = compression.compress(data) if compress else data
    info = FileInfo(
        uuid=str(uuidlib.uuid4()),
        content_type=content_type,
        uncompressed_size=len(data),
        uncompressed_md5=md5,
        compression=compression.ZLIB if compress else compression.NONE,
        compressed_size=len(stored),
        compressed_md5=(compression.md5(stored) if compress else md5) if with_md5 else "",
        revision=revision,
    )
    server.storage.write(info.uuid, stored, content_type)
    return info


_Check = Callable[[Resource, FileInfo | None, FileInfo], FileInfo]


def _replace(server: Server, resource_level: ResourceLevel, public_id: str, new: FileInfo, check: _Check) -> tuple[FileInfo, FileInfo | None, Change]:
    """Record ``new`` (already written) in one transaction; undo the write if it fails.

    ``check(resource, old_info)`` runs inside the transaction and may raise to refuse.
    """
    try:
        with server.index.write() as tx:
            resource: Resource = lookup_resource(tx, resource_level, public_id)
            old = tx.attachments(resource.internal_id).get(new.content_type)
            new = check(resource, old, new)
            tx.add_attachment(resource.internal_id, new)
            change = log_resource_change(server, tx, ChangeType.UpdatedAttachment, resource)
    except BaseException:
        server.storage.remove(new.uuid, new.content_type)
        raise
    if old is not None:
        server.storage.remove(old.uuid, old.content_type)
    server.events.publish(change)
    return new, old, change


def put_attachment(server: Server, level: ResourceLevel, public_id: str, content_type: int, data: bytes, if_match: ETag | None) -> FileInfo:
    """Create or replace a user attachment (``PUT /{level}/{id}/attachments/{name}``).

    Stored compressed when ``StorageCompression`` is on, as Orthanc does for every attachment.

    Raises:
        DonjonError: ``UnknownResource``, ``Revision`` (stale or missing ``If-Match``),
            storage errors; nothing is left behind on failure.
    """
    cfg = server.config.core
    with server.index.read() as tx:
        lookup_resource(tx, level, public_id)  # fail before writing any file
    new = _write(server, content_type, data, cfg.storage_compression, 0)

    def check(resource: Resource, old: FileInfo | None, candidate: FileInfo) -> FileInfo:
        revision = next_revision(_etag(old), if_match, cfg.check_revisions)
        return _with_revision(candidate, revision)

    info, _old, _change = _replace(server, level, public_id, new, check)
    return info


def _with_revision(info: FileInfo, revision: int) -> FileInfo:
    return msgspec.structs.replace(info, revision=revision)


def delete_attachment(server: Server, level: ResourceLevel, public_id: str, content_type: int, if_match: ETag | None) -> None:
    """Delete an attachment (``DELETE /{level}/{id}/attachments/{name}``).

    Raises:
        DonjonError: ``UnknownResource`` when absent, ``Revision``.
    """
    cfg = server.config.core
    with server.index.write() as tx:
        resource = lookup_resource(tx, level, public_id)
        old = tx.attachments(resource.internal_id).get(content_type)
        check_delete(_etag(old), if_match, cfg.check_revisions, f"attachment {content_type} of {level.title.lower()} {public_id}")
        tx.delete_attachment(resource.internal_id, content_type)
        change = log_resource_change(server, tx, ChangeType.UpdatedAttachment, resource)
    assert old is not None
    server.storage.remove(old.uuid, old.content_type)
    server.events.publish(change)


def set_compression(server: Server, level: ResourceLevel, public_id: str, content_type: int, compressed: bool) -> None:
    """``POST .../compress`` and ``.../uncompress``: rewrite the file under a new UUID.

    Nothing happens (and no change is logged) when the attachment is already in the
    requested form, as in Orthanc's ``ChangeAttachmentCompression``.
    """
    info = attachment_info(server, level, public_id, content_type)
    want = compression.ZLIB if compressed else compression.NONE
    if info.compression == want:
        return
    data = read_uncompressed(server, info)
    new = _write(server, content_type, data, compressed, info.revision + 1)

    def check(resource: Resource, old: FileInfo | None, candidate: FileInfo) -> FileInfo:
        if old is None or old.uuid != info.uuid:
            # Replaced or deleted meanwhile: Orthanc's revision check would refuse it too.
            raise DonjonError(ErrorCode.Revision, f"attachment {content_type} of {public_id} changed while it was being rewritten")
        return candidate

    _replace(server, level, public_id, new, check)


def verify_md5(server: Server, info: FileInfo) -> bool:
    """Whether the stored bytes match the recorded MD5s (compressed, then uncompressed)."""
    stored = read_compressed(server, info)
    if compression.md5(stored) != info.compressed_md5:
        return False
    if info.compression == compression.NONE:
        return True
    try:
        data = compression.decompress(stored, info.compression)
    except DonjonError:
        return False
    return compression.md5(data) == info.uncompressed_md5
