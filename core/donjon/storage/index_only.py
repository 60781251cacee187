"""``StoreDicom: false``: the index-only mode of Orthanc.

Orthanc wraps its storage area (``FilesystemStorageWithoutDicom``): the DICOM
attachment is recorded in the index (sizes, MD5) but never written, and reading
it fails with ``UnknownResource`` (404), as Orthanc 1.10.1 answers
``GET /instances/{id}/file`` after a restart. Other attachments are kept.
"""

from __future__ import annotations

from typing import Any

from ..enums import FileContentType
from ..errors import DonjonError, ErrorCode
from . import StorageArea

__all__ = ["IndexOnlyStorage"]


class IndexOnlyStorage:
    """A storage area that drops DICOM files and keeps every other attachment.

    Args:
        inner: The real storage area (built-in filesystem or a plugin's).
    """

    def __init__(self, inner: StorageArea) -> None:
        self.inner = inner

    def write(self, uuid: str, data: bytes, content_type: FileContentType | int) -> None:
        if content_type != FileContentType.Dicom:
            self.inner.write(uuid, data, content_type)

    def read(self, uuid: str, content_type: FileContentType | int, start: int = 0, end: int | None = None) -> bytes:
        if content_type == FileContentType.Dicom:
            raise DonjonError(ErrorCode.UnknownResource, f"DICOM file {uuid} is not stored: StoreDicom is false (index-only mode)")
        return self.inner.read(uuid, content_type, start, end)

    def remove(self, uuid: str, content_type: FileContentType | int) -> None:
        if content_type != FileContentType.Dicom:
            self.inner.remove(uuid, content_type)

    def exists(self, uuid: str, content_type: FileContentType | int) -> bool:
        return content_type != FileContentType.Dicom and self.inner.exists(uuid, content_type)

    def __getattr__(self, name: str) -> Any:
        # Anything else a plugin's storage offers (paths, statistics...) passes through.
        return getattr(self.inner, name)
