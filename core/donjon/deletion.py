"""Deleting resources: the cascade down, the clean-up of empty parents, the changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .enums import ChangeType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .index import DeleteResult, IndexTransaction
from .types import Change

if TYPE_CHECKING:
    from .server import Server

__all__ = ["delete_in_transaction", "delete_resource"]


def delete_in_transaction(tx: IndexTransaction, internal_id: int, now: str) -> tuple[DeleteResult, list[Change]]:
    """Delete a resource, its descendants and its ancestors left empty.

    Returns one Deleted change per removed resource, for the plugins. As in Orthanc
    1.10, they are not written to ``/changes`` (whose entries of the deleted resources
    go too), so they carry ``seq=0``.
    """
    result = tx.delete(internal_id)
    changes = []
    for resource in result.deleted:
        changes.append(
            Change(
                seq=0,
                change_type=ChangeType.Deleted,
                level=resource.level,
                resource_id=resource.public_id,
                path=f"/{resource.level.plural}/{resource.public_id}",
                date=now,
            )
        )
    return result, changes


def delete_resource(server: Server, level: ResourceLevel, public_id: str) -> dict[str, Any]:
    """``DELETE /{level}/{id}``: returns Orthanc's ``{"RemainingAncestor": ...}`` answer.

    Raises:
        DonjonError: ``UnknownResource`` when no such resource exists at that level.
    """
    now = server.now()
    with server.events.ordering:  # Deleted events in /changes order (EventDispatcher.ordering)
        with server.index.write() as tx:
            found = tx.lookup(public_id, level)
            if found is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no {level.title.lower()} {public_id}")
            result, changes = delete_in_transaction(tx, found.internal_id, now)
        for change in changes:
            server.events.publish(change)
    server.after_delete(result, [])
    ancestor = result.remaining_ancestor
    if ancestor is None:
        return {"RemainingAncestor": None}
    return {
        "RemainingAncestor": {
            "ID": ancestor.public_id,
            "Path": f"/{ancestor.level.plural}/{ancestor.public_id}",
            "Type": ancestor.level.title,
        }
    }
