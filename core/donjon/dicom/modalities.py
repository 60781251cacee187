"""Which peers may associate: ``DicomModalities`` and the ``DicomAlwaysAllow*`` rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..server import Server

__all__ = ["association_allowed"]


def association_allowed(server: Server, assoc: Any) -> str | None:
    """None when the association may proceed, else the reason for refusing it."""
    refusal = server.plugins.first("donjon_association_filter", association=assoc)
    if refusal is not None:
        return refusal.reason
    return None
