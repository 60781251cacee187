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
from .ids import OrthancIds
from .index import FileInfo, IndexTransaction, Resource
from .ingest_metadata import expected_instances, instance_metadata, series_status
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
        # Orthanc still parses the original bytes to answer with the IDs.
        log.info("incoming instance discarded by a received-instance callback")
        return _result(parse_instance(data), StoreStatus.FilteredOut)
    if isinstance(replaced, (bytes, bytearray)):
        data = bytes(replaced)
    instance = parse_instance(data, server.config.core.default_encoding)
    refusal = plugins.first("donjon_instance_filter", instance=instance, origin=origin)
    if refusal is not None:
        log.info("instance %s filtered out: %s", instance.ids.instance, refusal.reason)
        return _result(instance, StoreStatus.FilteredOut)

    cfg = server.config.core
    if not cfg.overwrite_instances:
        # Skip the file write for a duplicate; the transaction checks again (races).
        with server.index.read() as tx:
            if tx.lookup(instance.ids.instance, ResourceLevel.INSTANCE) is not None:
                return _result(instance, StoreStatus.AlreadyStored)

    written = _write_attachments(server, instance)
    events = server.events
    with events.ordering:
        try:
            with server.index.write() as tx:
                outcome = _index_instance(server, tx, instance, written, origin)
        except BaseException:
            _remove(server, written)
            raise
        if outcome.status is StoreStatus.Success:
            ids = instance.ids
            # Forget before touching: an overwrite deletes and re-creates the same IDs.
            for public_id in outcome.deleted:
                server.stability.forget(public_id)
            server.stability.touch(ids.patient, ids.study, ids.series)
            for change in outcome.changes:
                events.publish(change)
            events.publish(_stored_event(instance, origin))
    # Files of what the transaction replaced or recycled go once it committed.
    _remove(server, outcome.removed)
    return _result(instance, outcome.status)


class _Outcome(msgspec.Struct):
    status: StoreStatus
    changes: list[Change]
    removed: list[FileInfo]
    deleted: list[str]


def _stored_event(instance: ParsedInstance, origin: Origin) -> StoredInstance:
    ids = instance.ids
    return StoredInstance(
        instance_id=ids.instance,
        series_id=ids.series,
        study_id=ids.study,
        patient_id=ids.patient,
        origin=origin,
        transfer_syntax=instance.transfer_syntax,
        sop_class_uid=instance.sop_class_uid,
        main_tags={k: v for tags in instance.main_tags.values() for k, v in tags.items()},
    )


def _remove(server: Server, infos: list[FileInfo]) -> None:
    for info in infos:
        try:
            server.storage.remove(info.uuid, info.content_type)
        except Exception:  # a leftover file is reported by the start-up check, not fatal here
            log.exception("cannot remove attachment %s", info.uuid)


def _write_attachments(server: Server, instance: ParsedInstance) -> list[FileInfo]:
    """Step 4: the DICOM file, plus Orthanc's DicomUntilPixelData when compressing.

    With ``StorageCompression`` Orthanc also keeps the header alone (content type 3)
    so that reading tags needs no decompression of the pixels; it does so only when
    the file has pixel data (Orthanc 1.10.1, checked with the oracle).
    """
    cfg = server.config.core
    written: list[FileInfo] = []
    try:
        written.append(_write(server, instance.data, FileContentType.Dicom))
        if cfg.storage_compression and instance.pixel_data_offset is not None:
            header = instance.data[: instance.pixel_data_offset]
            written.append(_write(server, header, FileContentType.DicomUntilPixelData))
    except BaseException:
        _remove(server, written)
        raise
    return written


def _write(server: Server, data: bytes, content_type: FileContentType) -> FileInfo:
    cfg = server.config.core
    with_md5 = cfg.store_md5_for_attachments
    md5 = compression.md5(data) if with_md5 else ""
    if cfg.storage_compression:
        stored = compression.compress(data)
        info = FileInfo(
            uuid=str(uuidlib.uuid4()),
            content_type=content_type,
            uncompressed_size=len(data),
            uncompressed_md5=md5,
            compression=compression.ZLIB,
            compressed_size=len(stored),
            compressed_md5=compression.md5(stored) if with_md5 else "",
        )
    else:
        stored = data
        info = FileInfo(
            uuid=str(uuidlib.uuid4()),
            content_type=content_type,
            uncompressed_size=len(data),
            uncompressed_md5=md5,
            compressed_size=len(data),
            compressed_md5=md5,
        )
    server.storage.write(info.uuid, stored, content_type)
    return info


def _index_instance(
    server: Server, tx: IndexTransaction, instance: ParsedInstance, written: list[FileInfo], origin: Origin
) -> _Outcome:
    """Step 5: one transaction for resources, tags, metadata, attachments, changes, recycling."""
    ids = instance.ids
    now = server.now()
    removed: list[FileInfo] = []
    deleted: list[str] = []

    # The four levels in one query; looked up again below if anything was deleted since.
    found = _lookup_levels(tx, ids)
    existing = found.get(ResourceLevel.INSTANCE)
    if existing is not None:
        if not server.config.core.overwrite_instances:  # a concurrent upload won the race
            return _Outcome(StoreStatus.AlreadyStored, [], list(written), [])
        # OverwriteInstances, Orthanc's way: delete the old instance (and the parents it
        # leaves empty) and create it again. Orthanc's changes table cascades on delete,
        # so no Deleted change of this replacement is ever seen there: none is logged.
        result = tx.delete(existing.internal_id)
        removed += result.attachments
        deleted += [r.public_id for r in result.deleted]

    size = sum(info.compressed_size for info in written)
    recycled, changes = make_room(server, tx, size, ids.patient)
    removed += recycled
    deleted += [c.resource_id for c in changes]
    if deleted:
        found = _lookup_levels(tx, ids)

    internal: dict[ResourceLevel, int] = {}
    created: list[ResourceLevel] = []
    parent_id: int | None = None
    for level in ResourceLevel:
        resource = found.get(level) if not created else None  # below a new resource, all is new
        if resource is None:
            internal[level] = tx.create_resource(ids.at(level), level, parent_id)
            tx.set_main_tags(internal[level], _main_tags_row(instance, level))
            created.append(level)
        else:
            internal[level] = resource.internal_id
        parent_id = internal[level]

    instance_id = internal[ResourceLevel.INSTANCE]
    for info in written:
        tx.add_attachment(instance_id, info)
    # Every metadata row of this instance in one statement (~15 rows, was as many round-trips).
    metadata: list[tuple[int, int, str]] = [
        (internal[level], MetadataType.LastUpdate, now) for level in (ResourceLevel.PATIENT, ResourceLevel.STUDY, ResourceLevel.SERIES)
    ]
    expected = expected_instances(instance.main_tags[ResourceLevel.SERIES])
    if ResourceLevel.SERIES in created:
        if expected is not None:
            metadata.append((internal[ResourceLevel.SERIES], MetadataType.ExpectedNumberOfInstances, str(expected)))
        # Orthanc 1.9+ records the sender of a series when it is created.
        metadata.append((internal[ResourceLevel.SERIES], MetadataType.RemoteAET, origin.remote_aet))
    metadata += [(instance_id, key, value) for key, value in instance_metadata(instance, origin, now).items()]
    tx.set_metadata_many(metadata)
    tx.touch_patient(internal[ResourceLevel.PATIENT])

    # Orthanc logs NewInstance first, then the new parents from series up to patient.
    for level in sorted(created, reverse=True):
        changes.append(_log(tx, _NEW_CHANGE[level], level, ids.at(level), now))
    series = internal[ResourceLevel.SERIES]
    if expected is not None and series_status(tx.children_metadata(series, MetadataType.IndexInSeries), expected) == "Complete":
        changes.append(_log(tx, ChangeType.CompletedSeries, ResourceLevel.SERIES, ids.series, now))
    return _Outcome(StoreStatus.Success, changes, removed, deleted)


def _lookup_levels(tx: IndexTransaction, ids: OrthancIds) -> dict[ResourceLevel, Resource]:
    """The existing resources of an instance's four levels, by level."""
    by_id = tx.lookup_many([ids.at(level) for level in ResourceLevel])
    found: dict[ResourceLevel, Resource] = {}
    for level in ResourceLevel:
        resource = by_id.get(ids.at(level))
        if resource is not None and resource.level == level:
            found[level] = resource
    return found


def _main_tags_row(instance: ParsedInstance, level: ResourceLevel) -> dict[str, str]:
    tags = instance.main_tags[level]
    if level is ResourceLevel.STUDY:
        # Study rows also index the patient tags (Orthanc 1.12), for study-level lookups.
        tags = {**tags, **{k: v for k, v in instance.main_tags[ResourceLevel.PATIENT].items() if k in PATIENT_TAGS}}
    return tags


def _log(tx: IndexTransaction, change_type: ChangeType, level: ResourceLevel, public_id: str, now: str) -> Change:
    seq = tx.log_change(change_type, level, public_id, now)
    return Change(seq=seq, change_type=change_type, level=level, resource_id=public_id, path=f"/{level.plural}/{public_id}", date=now)


_NEW_CHANGE = {
    ResourceLevel.PATIENT: ChangeType.NewPatient,
    ResourceLevel.STUDY: ChangeType.NewStudy,
    ResourceLevel.SERIES: ChangeType.NewSeries,
    ResourceLevel.INSTANCE: ChangeType.NewInstance,
}
