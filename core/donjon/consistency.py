"""Start-up checks of the index and the storage area (ARCHITECTURE §3).

A crash between "file written" and "index committed" leaves an orphan file: it is
removed (its upload was never acknowledged). An index entry whose file is missing
cannot be repaired; it is reported so that an operator can act. The check runs
before the listeners start, so no upload of this process is in flight; several
processes sharing one storage area (PostgreSQL set-ups) should leave it to one.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import TYPE_CHECKING

import msgspec

from .enums import FileContentType

if TYPE_CHECKING:
    from .server import Server

__all__ = ["ConsistencyReport", "check_consistency", "ensure_server_identifier"]

log = logging.getLogger(__name__)

#: The global property naming this index (shown in ``/system``, Orthanc 1.11+).
SERVER_IDENTIFIER = "DatabaseServerIdentifier"


class ConsistencyReport(msgspec.Struct, kw_only=True):
    """What the start-up check found and did.

    Attributes:
        checked: Whether the storage area could list its files (plugins may not).
        orphan_files_removed: UUIDs of files that no index entry referenced, removed.
        temporary_files_removed: Half-written files of interrupted writes, removed.
        missing_files: UUIDs recorded in the index whose file is absent.
    """

    checked: bool = False
    orphan_files_removed: list[str] = msgspec.field(default_factory=list)
    temporary_files_removed: int = 0
    missing_files: list[str] = msgspec.field(default_factory=list)


def ensure_server_identifier(server: Server) -> str:
    """Give the index its ``DatabaseServerIdentifier`` the first time it is opened."""
    with server.index.write() as tx:
        identifier = tx.get_property(SERVER_IDENTIFIER)
        if not identifier:
            identifier = uuidlib.uuid4().hex
            tx.set_property(SERVER_IDENTIFIER, identifier)
    return identifier


def check_consistency(server: Server) -> ConsistencyReport:
    """Compare the attachment UUIDs of the index with the files of the storage area."""
    report = ConsistencyReport()
    storage = server.storage
    uuids = getattr(storage, "uuids", None)
    if uuids is None:
        return report
    report.checked = True
    cleanup = getattr(storage, "remove_temporary", None)
    if cleanup is not None:
        report.temporary_files_removed = cleanup()
    index_only = not server.config.core.store_dicom
    recorded = {
        uuid for uuid, content_type in server.index.iter_attachment_uuids() if not (index_only and content_type == FileContentType.Dicom)
    }
    present = set(uuids())
    for uuid in sorted(present - recorded):
        storage.remove(uuid, FileContentType.Dicom)
        report.orphan_files_removed.append(uuid)
    report.missing_files = sorted(recorded - present)
    if report.orphan_files_removed or report.temporary_files_removed:
        log.warning(
            "start-up check: removed %d orphan file(s) and %d temporary file(s) left by interrupted uploads",
            len(report.orphan_files_removed),
            report.temporary_files_removed,
        )
    if report.missing_files:
        log.error("start-up check: %d attachment(s) in the index are missing from the storage area", len(report.missing_files))
        for uuid in report.missing_files[:20]:
            log.error("start-up check: attachment %s is missing from the storage area", uuid)
    return report
