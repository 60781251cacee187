"""Storage limits: ``MaximumStorageSize``, ``MaximumPatientCount``, ``MaximumStorageMode``.

In ``Recycle`` mode the least recently updated unprotected patients are deleted
until the incoming instance fits (never the incoming instance's own patient); in
``Reject`` mode, or when only protected patients are left, the instance is refused
with ``FullStorage`` and nothing is deleted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .deletion import delete_in_transaction
from .enums import ResourceLevel
from .errors import DonjonError, ErrorCode
from .index import FileInfo, IndexTransaction
from .types import Change

if TYPE_CHECKING:
    from .server import Server

__all__ = ["make_room"]

log = logging.getLogger(__name__)


def make_room(server: Server, tx: IndexTransaction, incoming_size: int, patient_public_id: str) -> tuple[list[FileInfo], list[Change]]:
    """Free space for an instance of ``incoming_size`` bytes, inside the storing transaction.

    Returns:
        The attachments to remove from the storage after commit, and the Deleted changes.

    Raises:
        DonjonError: ``FullStorage`` when the limits cannot be met.
    """
    cfg = server.config.core
    max_bytes = cfg.maximum_storage_size * 1024 * 1024
    max_patients = cfg.maximum_patient_count
    if not max_bytes and not max_patients:
        return [], []
    patient = tx.lookup(patient_public_id, ResourceLevel.PATIENT)
    avoid = patient.internal_id if patient else None

    def over() -> str | None:
        if max_bytes and tx.total_size()[0] + incoming_size > max_bytes:
            return f"MaximumStorageSize ({cfg.maximum_storage_size} MB)"
        if max_patients and patient is None and tx.count(ResourceLevel.PATIENT) + 1 > max_patients:
            return f"MaximumPatientCount ({max_patients})"
        return None

    removed: list[FileInfo] = []
    changes: list[Change] = []
    while (limit := over()) is not None:
        if cfg.maximum_storage_mode.lower() == "reject":
            raise DonjonError(ErrorCode.FullStorage, f"{limit} reached and MaximumStorageMode is Reject: instance refused")
        victim = tx.oldest_unprotected_patient(avoid)
        if victim is None:
            # Orthanc 1.10.1's words (HTTP 500, error 19), checked with the oracle.
            raise DonjonError(ErrorCode.FullStorage, f"Cannot recycle more patients: {limit} reached and every other patient is protected")
        result, deleted = delete_in_transaction(tx, victim, server.now())
        log.info("recycling: deleted patient %s to respect %s", result.deleted[0].public_id if result.deleted else victim, limit)
        removed += result.attachments
        changes += deleted
    return removed, changes
