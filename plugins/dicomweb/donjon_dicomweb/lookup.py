"""From DICOM UIDs to Orthanc resources, through the core's find engine.

Orthanc IDs hash the patient ID with the UIDs, so a study UID alone does not give
the ID: the index is asked, with the same ``/tools/find`` engine as QIDO-RS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from donjon_sdk import DonjonError, ErrorCode, FileContentType, FindRequest, QueryItem, ResourceLevel, run_find

if TYPE_CHECKING:
    from donjon_sdk import Server

__all__ = ["InstanceRef", "UID_TAGS", "find_ids", "instances_of", "resolve"]

#: The UID of each level (tag, keyword).
UID_TAGS: dict[ResourceLevel, tuple[int, str]] = {
    ResourceLevel.STUDY: (0x0020000D, "StudyInstanceUID"),
    ResourceLevel.SERIES: (0x0020000E, "SeriesInstanceUID"),
    ResourceLevel.INSTANCE: (0x00080018, "SOPInstanceUID"),
}
_LEVEL_NAMES = {ResourceLevel.STUDY: "study", ResourceLevel.SERIES: "series", ResourceLevel.INSTANCE: "instance"}


class InstanceRef(msgspec.Struct, frozen=True):
    """An instance of an answer: its Orthanc ID, its three UIDs and its file's attachment UUID."""

    public_id: str
    study_uid: str
    series_uid: str
    sop_uid: str
    file_uuid: str = ""


def _uid_items(study: str | None, series: str | None, instance: str | None) -> list[QueryItem]:
    items = []
    for level, uid in ((ResourceLevel.STUDY, study), (ResourceLevel.SERIES, series), (ResourceLevel.INSTANCE, instance)):
        if uid:
            tag, keyword = UID_TAGS[level]
            # A UID never holds "*" or "\\": escape nothing, but refuse what would widen the match.
            if any(c in uid for c in "*?\\"):
                raise DonjonError(ErrorCode.BadRequest, f"not a UID: {uid!r}")
            items.append(QueryItem(tag, keyword, uid))
    return items


def find_ids(server: Server, level: ResourceLevel, study: str | None = None, series: str | None = None, instance: str | None = None) -> list[str]:
    """Orthanc IDs at ``level`` whose UIDs match those given."""
    request = FindRequest(level=level, query=_uid_items(study, series, instance), case_sensitive=True)
    return run_find(server, request)


def resolve(server: Server, level: ResourceLevel, study: str, series: str | None = None, instance: str | None = None) -> str:
    """The Orthanc ID of one study, series or instance given by its UIDs.

    Raises:
        DonjonError: ``InexistentItem`` (404), Orthanc's "Accessing an inexistent study with WADO-RS".
    """
    ids = find_ids(server, level, study, series, instance)
    if not ids:
        uid = instance or series or study
        raise DonjonError(ErrorCode.InexistentItem, f"Accessing an inexistent {_LEVEL_NAMES[level]} with WADO-RS: {uid}")
    return ids[0]


def instances_of(server: Server, level: ResourceLevel, public_id: str) -> list[InstanceRef]:
    """The instances under a resource (or the instance itself), ordered by index, with their UIDs."""
    with server.index.read() as tx:
        resource = tx.lookup(public_id, level)
        if resource is None:
            raise DonjonError(ErrorCode.InexistentItem, f"resource {public_id} disappeared")
        if level is ResourceLevel.INSTANCE:
            instances = [resource]
        else:
            instances = tx.descendants(resource.internal_id, ResourceLevel.INSTANCE)
        series_tags: dict[int, dict[str, str]] = {}
        study_tags: dict[int, dict[str, str]] = {}
        out = []
        own = tx.main_tags_many([i.internal_id for i in instances])
        for inst in instances:
            series_id = inst.parent_id
            if series_id not in series_tags:
                series_tags[series_id] = tx.main_tags(series_id)
                study_id = tx.get(series_id).parent_id
                study_tags[series_id] = tx.main_tags(study_id)
            out.append(
                InstanceRef(
                    inst.public_id,
                    study_tags[series_id].get("StudyInstanceUID", ""),
                    series_tags[series_id].get("SeriesInstanceUID", ""),
                    own.get(inst.internal_id, {}).get("SOPInstanceUID", ""),
                    _file_uuid(tx, inst.internal_id),
                )
            )
    return out


def _file_uuid(tx: object, internal_id: int) -> str:
    # The attachment UUID changes when an instance is overwritten: a safe cache key.
    info = tx.attachments(internal_id).get(int(FileContentType.Dicom))  # type: ignore[attr-defined]
    return info.uuid if info is not None else ""
