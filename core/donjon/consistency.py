"""Start-up check that the index and the storage area agree (ARCHITECTURE §3).

A crash between "file written" and "index committed" leaves an orphan file: it is
removed (its upload was never acknowledged). An index entry whose file is missing
cannot be repaired; it is reported so that an operator can act.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from .server import Server

__all__ = ["ConsistencyReport", "check_consistency"]

log = logging.getLogger(__name__)


class ConsistencyReport(msgspec.Struct, kw_only=True):
    orphan_files_removed: int = 0
    missing_files: list[str] = msgspec.field(default_factory=list)


def check_consistency(server: Server) -> ConsistencyReport:
    """Compare attachment UUIDs of the index with the files of the storage area."""
    report = ConsistencyReport()
    uuids = getattr(server.storage, "uuids", None)
    if uuids is None:
        return report
    recorded = dict(server.index.iter_attachment_uuids())
    present = set(uuids())
    for uuid in present - recorded.keys():
        server.storage.remove(uuid, 1)
        report.orphan_files_removed += 1
    report.missing_files = sorted(recorded.keys() - present)
    if report.orphan_files_removed:
        log.warning("start-up check: removed %d orphan file(s) left by interrupted uploads", report.orphan_files_removed)
    for uuid in report.missing_files[:20]:
        log.error("start-up check: attachment %s is in the index but missing from the storage area", uuid)
    return report
