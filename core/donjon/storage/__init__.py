"""Storage areas: where attachments (DICOM files, JSON, user files) live, by UUID."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..enums import FileContentType

__all__ = ["StorageArea"]


@runtime_checkable
class StorageArea(Protocol):
    """A place that keeps attachments by UUID (Orthanc's ``IStorageArea``).

    Implementations are called from many threads at once. ``write`` must be durable
    when it returns (the index commits right after); ``remove`` of a missing UUID is
    not an error.
    """

    def write(self, uuid: str, data: bytes, content_type: FileContentType | int) -> None:
        """Store ``data`` under ``uuid``; raise ``DonjonError(FullStorage|CannotWriteFile)`` on failure."""

    def read(self, uuid: str, content_type: FileContentType | int, start: int = 0, end: int | None = None) -> bytes:
        """Return the bytes ``[start, end)`` of an attachment; raise ``DonjonError(InexistentFile)``."""

    def remove(self, uuid: str, content_type: FileContentType | int) -> None:
        """Delete an attachment if present."""

    def exists(self, uuid: str, content_type: FileContentType | int) -> bool:
        """Whether an attachment is present (used by the start-up consistency check)."""

    def uuids(self) -> list[str]:
        """Every UUID present (start-up consistency check); may be costly."""
