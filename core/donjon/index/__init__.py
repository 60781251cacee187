"""The index: resources, main DICOM tags, metadata, attachments, changes, labels.

:class:`IndexBackend` and :class:`IndexTransaction` are Protocols so that a plugin
(PostgreSQL) implements them without inheriting from core classes. Everything
happens inside a transaction: ``with index.write() as tx: ...`` commits when the
block ends without an exception and rolls back otherwise.
"""

from __future__ import annotations

from .model import ChangeRow, DeleteResult, ExportRow, FileInfo, Resource, ResourceStatistics
from .protocol import IndexBackend, IndexTransaction

__all__ = ["ChangeRow", "DeleteResult", "ExportRow", "FileInfo", "IndexBackend", "IndexTransaction", "Resource", "ResourceStatistics"]
