"""The one path by which an instance enters Donjon (ARCHITECTURE §3).

C-STORE, ``POST /instances``, ZIP uploads, STOW-RS, Lua and plugins all call
:func:`store`. Steps: received-instance hook → header parse and Orthanc IDs →
filters → attachment written (compressed, MD5) → one index transaction →
events after commit. If the transaction fails, the attachment is removed.
"""

from __future__ import annotations

import logging
import uuid as uuidlib
from typing import TYPE_CHECKING

import msgspec

from . import compression
from .dicom.header import ParsedInstance, parse_instance
from .dicom.main_tags import PATIENT_TAGS
from .enums import ChangeType, FileContentType, MetadataType, ResourceLevel, StoreStatus
from .errors import DonjonError, ErrorCode
from .index import FileInfo, IndexTransaction
from .recycling import make_room
from .types import Change, Origin, StoredInstance

if TYPE_CHECKING:
    from .server import Server

__all__ = ["StoreResult", "store"]

log = logging.getLogger(__name__)


class StoreResult(msgspec.Struct, rename="pascal", kw_only=True):
    """The answer of ``POST /instances`` for one file."""

    id: str = msgspec.field(name="ID")
    parent_patient: str
    parent_study: str
    parent_series: str
    path: str
    status: str


def _result(instance: ParsedInstance, status: StoreStatus) -> StoreResult:
    ids = instance.ids
    return StoreResult(
        id=ids.instance,
        parent_patient=ids.patient,
        parent_study=ids.study,
        parent_series=ids.series,
        path=f"/instances/{ids.instance}",
        status=status.value,
    )


def store(server: Server, data: bytes, origin: Origin) -> StoreResult:
    """Store one DICOM file as received.

    Raises:
        DonjonError: ``BadFileFormat`` for bytes that are not DICOM, ``FullStorage``
            when the storage limits refuse it, storage and index errors otherwise.
            Nothing is left behind when an error is raised.
    """
    plugins = server.plugins
    replaced = plugins.first("donjon_received_instance", data=data, origin=origin)
    if replaced is False:
        log.info("incoming instance discarded by a received-instance callback")
        return _result(parse_instance(data), StoreStatus.FilteredOut)
    if isinstance(replaced, (bytes, bytearray)):
        data = bytes(replaced)
    instance = parse_instance(data)
    refusal = plugins.first("donjon_instance_filter", instance=instance, origin=origin)
    if refusal is not None:
        log.info("instance %s filtered out: %s", instance.ids.instance, refusal.reason)
        return _result(instance, StoreStatus.FilteredOut)

    cfg = server.config.core
    with server.index.read() as tx:
        existing = tx.lookup(instance.ids.instance, ResourceLevel.INSTANCE)
    if existing is not None and not cfg.overwrite_instances:
        return _result(instance, StoreStatus.AlreadyStored)

    info = _write_attachment(server, data) if cfg.store_dicom else None
    try:
        with server.index.write() as tx:
            status, changes, removed = _index_instance(server, tx, instance, info, origin)
    except BaseException:
        if info is not None:
            server.storage.remove(info.uuid, FileContentType.Dicom)
        raise
    for old in removed:
        server.storage.remove(old.uuid, old.content_type)
    if status is StoreStatus.Success:
        ids = instance.ids
        server.stability.touch(ids.patient, ids.study, ids.series)
        for change in changes:
            server.events.publish(change)
        server.events.publish(
            StoredInstance(
                instance_id=ids.instance,
                series_id=ids.series,
                study_id=ids.study,
                patient_id=ids.patient,
                origin=origin,
                transfer_syntax=instance.transfer_syntax,
                sop_class_uid=instance.sop_class_uid,
                main_tags={k: v for tags in instance.main_tags.values() for k, v in tags.items()},
            )
        )
    return _result(instance, status)


def _write_attachment(server: Server, data: bytes) -> FileInfo:
    cfg = server.config.core
    md5 = compression.md5(data) if cfg.store_md5_for_attachments else ""
    if cfg.storage_compression:
        stored = compression.compress(data)
        info = FileInfo(
            uuid=str(uuidlib.uuid4()),
            content_type=FileContentType.Dicom,
            uncompressed_size=len(data),
            uncompressed_md5=md5,
            compression=compression.ZLIB,
            compressed_size=len(stored),
            compressed_md5=compression.md5(stored) if cfg.store_md5_for_attachments else "",
        )
    else:
        stored = data
        info = FileInfo(
            uuid=str(uuidlib.uuid4()),
            content_type=FileContentType.Dicom,
            uncompressed_size=len(data),
            uncompressed_md5=md5,
            compressed_size=len(data),
            compressed_md5=md5,
        )
    server.storage.write(info.uuid, stored, FileContentType.Dicom)
    return info


def _index_instance(
    server: Server, tx: IndexTransaction, instance: ParsedInstance, info: FileInfo | None, origin: Origin
) -> tuple[StoreStatus, list[Change], list[FileInfo]]:
    """Step 5: one transaction for resources, tags, metadata, attachment, changes, recycling."""
    ids = instance.ids
    now = server.now()
    removed: list[FileInfo] = []
    logged: list[tuple[ChangeType, ResourceLevel, str]] = []

    existing = tx.lookup(ids.instance, ResourceLevel.INSTANCE)
    if existing is not None:
        if not server.config.core.overwrite_instances:  # a concurrent upload won the race
            return StoreStatus.AlreadyStored, [], ([info] if info else [])
        # OverwriteInstances: the old instance goes, with its attachments.
        removed += tx.delete(existing.internal_id).attachments

    size = info.compressed_size if info else 0
    recycled, recycled_changes = make_room(server, tx, size, ids.patient)
    removed += recycled

    parent_id: int | None = None
    patient_internal = 0
    for level in ResourceLevel:
        public_id = ids.at(level)
        found = tx.lookup(public_id, level)
        if found is None:
            internal = tx.create_resource(public_id, level, parent_id)
            tags = dict(instance.main_tags[level])
            if level is ResourceLevel.STUDY:
                # Study rows also index the patient tags (Orthanc 1.12), for study-level lookups.
                tags.update({k: v for k, v in instance.main_tags[ResourceLevel.PATIENT].items() if k in PATIENT_TAGS})
            tx.set_main_tags(internal, tags)
            logged.append((_NEW_CHANGE[level], level, public_id))
        else:
            internal = found.internal_id
        if level is ResourceLevel.PATIENT:
            patient_internal = internal
        if level is not ResourceLevel.INSTANCE:
            tx.set_metadata(internal, MetadataType.LastUpdate, now)
        parent_id = internal

    instance_internal = parent_id
    assert instance_internal is not None
    if info is not None:
        tx.add_attachment(instance_internal, info)
    series = tx.get(instance_internal).parent_id
    index_in_series = len(tx.children(series)) if series is not None else 1
    metadata = {
        MetadataType.ReceptionDate: now,
        MetadataType.RemoteAET: origin.remote_aet,
        MetadataType.Origin: origin.kind.value,
        MetadataType.TransferSyntax: instance.transfer_syntax,
        MetadataType.SopClassUid: instance.sop_class_uid,
        MetadataType.IndexInSeries: str(index_in_series),
    }
    if origin.remote_ip:
        metadata[MetadataType.RemoteIP] = origin.remote_ip
    if origin.called_aet:
        metadata[MetadataType.CalledAET] = origin.called_aet
    if origin.username:
        metadata[MetadataType.HttpUsername] = origin.username
    for key, value in metadata.items():
        tx.set_metadata(instance_internal, key, value)
    tx.touch_patient(patient_internal)

    changes: list[Change] = list(recycled_changes)
    # Orthanc logs NewInstance first, then the new parents from series up to patient.
    order = sorted(logged, key=lambda c: -int(c[1]))
    for change_type, level, public_id in order:
        seq = tx.log_change(change_type, level, public_id, now)
        changes.append(Change(seq=seq, change_type=change_type, level=level, resource_id=public_id, path=f"/{level.plural}/{public_id}", date=now))
    return StoreStatus.Success, changes, removed


_NEW_CHANGE = {
    ResourceLevel.PATIENT: ChangeType.NewPatient,
    ResourceLevel.STUDY: ChangeType.NewStudy,
    ResourceLevel.SERIES: ChangeType.NewSeries,
    ResourceLevel.INSTANCE: ChangeType.NewInstance,
}
