"""Metadata of patients, studies, series and instances: names, user metadata, revisions.

Built-in metadata (numbers below 1024: ``ReceptionDate``, ``RemoteAET``...) are written
by the server and read-only over REST; user metadata (1024–65535, named in the
``UserMetadata`` configuration) may be set and deleted, each write logging an
``UpdatedMetadata`` change, as Orthanc does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import compression
from .enums import ChangeType, MetadataType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .index import IndexTransaction, Resource
from .revisions import ETag, check_delete, next_revision
from .types import Change

if TYPE_CHECKING:
    from .config import Config
    from .server import Server

__all__ = [
    "delete_user_metadata",
    "is_user_metadata",
    "log_resource_change",
    "lookup_resource",
    "metadata_name",
    "metadata_number",
    "set_user_metadata",
]

_USER_FIRST = 1024
_USER_LAST = 65535


def is_user_metadata(number: int) -> bool:
    """Whether REST clients may write this metadata (Orthanc's ``IsUserMetadata``)."""
    return _USER_FIRST <= number <= _USER_LAST


def metadata_number(config: Config, name: str) -> int:
    """The number of a metadata given by name (built-in or ``UserMetadata``) or by number.

    Raises:
        DonjonError: ``InexistentItem`` for a name that is neither (Orthanc's ``StringToMetadata``).
    """
    if name in MetadataType.__members__:
        return int(MetadataType[name])
    user = config.core.user_metadata
    if name in user:
        return int(user[name])
    try:
        return int(name)
    except ValueError:
        raise DonjonError(ErrorCode.InexistentItem, f"unknown metadata {name!r}: not built-in and not declared in UserMetadata") from None


def metadata_name(config: Config, number: int) -> str:
    """The name Orthanc shows for a metadata number (built-in, ``UserMetadata``, else the number)."""
    try:
        return MetadataType(number).name
    except ValueError:
        pass
    for name, value in config.core.user_metadata.items():
        if int(value) == number:
            return name
    return str(number)


def lookup_resource(tx: IndexTransaction, level: ResourceLevel, public_id: str) -> Resource:
    """The resource at ``level``, or Orthanc's 404 ``Unknown resource``."""
    found = tx.lookup(public_id, level)
    if found is None:
        raise DonjonError(ErrorCode.UnknownResource, f"no {level.title.lower()} {public_id}")
    return found


def log_resource_change(server: Server, tx: IndexTransaction, change_type: ChangeType, resource: Resource) -> Change:
    """Log a change on ``resource`` inside ``tx``; publish the returned Change after the commit."""
    now = server.now()
    seq = tx.log_change(change_type, resource.level, resource.public_id, now)
    path = f"/{resource.level.plural}/{resource.public_id}"
    return Change(seq=seq, change_type=change_type, level=resource.level, resource_id=resource.public_id, path=path, date=now)


def _etag_of(entry: tuple[str, int] | None) -> ETag | None:
    return None if entry is None else ETag(entry[1], compression.md5(entry[0].encode()))


def set_user_metadata(server: Server, level: ResourceLevel, public_id: str, number: int, value: str, if_match: ETag | None) -> int:
    """Create or replace a user metadata; returns its new revision.

    Raises:
        DonjonError: ``UnknownResource``, or ``Revision`` when ``If-Match`` is stale or
            missing while ``CheckRevisions`` is on.
    """
    check = server.config.core.check_revisions
    with server.index.write() as tx:
        resource = lookup_resource(tx, level, public_id)
        existing = _etag_of(tx.metadata_entry(resource.internal_id, number))
        revision = next_revision(existing, if_match, check)
        # The back-end numbers revisions the same way: 0 for a new row, +1 on each update.
        tx.set_metadata(resource.internal_id, number, value)
        change = log_resource_change(server, tx, ChangeType.UpdatedMetadata, resource)
    server.events.publish(change)
    return revision


def delete_user_metadata(server: Server, level: ResourceLevel, public_id: str, number: int, if_match: ETag | None) -> None:
    """Delete a user metadata.

    Raises:
        DonjonError: ``UnknownResource`` (resource or metadata absent), ``Revision``.
    """
    check = server.config.core.check_revisions
    with server.index.write() as tx:
        resource = lookup_resource(tx, level, public_id)
        existing = _etag_of(tx.metadata_entry(resource.internal_id, number))
        check_delete(existing, if_match, check, f"metadata {number} on {level.title.lower()} {public_id}")
        tx.delete_metadata(resource.internal_id, number)
        change = log_resource_change(server, tx, ChangeType.UpdatedMetadata, resource)
    server.events.publish(change)
