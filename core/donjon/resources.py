"""The JSON that Orthanc returns for a patient, study, series or instance.

``GET /{level}/{id}``, ``?expand`` listings, ``/tools/find`` with ``Expand`` and the
child/parent routes all build their answers here, so the shapes stay identical.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any

from .dicom.main_tags import MAIN_TAGS, PATIENT_TAGS
from .enums import FileContentType, MetadataType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .index import IndexTransaction, Resource
from .ingest_metadata import series_status

if TYPE_CHECKING:
    from .server import Server

__all__ = ["TagFormat", "expand", "expand_many", "format_main_tags", "lookup_or_404", "main_tags_with_ancestors"]


class TagFormat(enum.Enum):
    """How main tags are written: keywords (default), ``?short`` hex tags, ``?full`` objects."""

    HUMAN = "human"
    SHORT = "short"
    FULL = "full"

    @classmethod
    def from_query(cls, params: Any) -> TagFormat:
        """Read ``full``, ``short`` or ``simplify`` from query parameters."""
        if params is None:
            return cls.HUMAN
        if _flag(params, "full"):
            return cls.FULL
        if _flag(params, "short"):
            return cls.SHORT
        return cls.HUMAN


def _flag(params: Any, name: str) -> bool:
    if name not in params:
        return False
    value = str(params.get(name) or "").lower()
    return value in ("", "true", "1", "yes")


def main_tags_with_ancestors(tx: IndexTransaction, resource: Resource) -> dict[str, str]:
    """The main tags of a resource and of its ancestors (the nearest level wins)."""
    known: dict[str, str] = {}
    current: Resource | None = resource
    while current is not None:
        for keyword, value in tx.main_tags(current.internal_id).items():
            known.setdefault(keyword, value)
        current = tx.get(current.parent_id) if current.parent_id is not None else None
    return known


def lookup_or_404(tx: IndexTransaction, level: ResourceLevel, public_id: str) -> Resource:
    """The resource, or Orthanc's 404 ``Unknown resource``."""
    found = tx.lookup(public_id, level)
    if found is None:
        raise DonjonError(ErrorCode.UnknownResource, f"no {level.title.lower()} {public_id}")
    return found


def format_main_tags(tags: dict[str, str], keywords: tuple[str, ...] | list[str], fmt: TagFormat) -> dict[str, Any]:
    """Main tags as Orthanc writes them, limited to ``keywords`` present."""
    from pydicom.datadict import tag_for_keyword

    from .dicom.main_tags import format_tag

    out: dict[str, Any] = {}
    for kw in keywords:
        if kw not in tags:
            continue
        value = tags[kw]
        if fmt is TagFormat.HUMAN:
            out[kw] = value
            continue
        key = format_tag(tag_for_keyword(kw))
        out[key] = value if fmt is TagFormat.SHORT else {"Name": kw, "Type": "String", "Value": value}
    return out


def expand(server: Server, tx: IndexTransaction, resource: Resource, fmt: TagFormat = TagFormat.HUMAN) -> dict[str, Any]:
    """The full JSON of one resource (``GET /{level}/{id}``)."""
    return expand_many(server, tx, [resource], fmt)[0]


def expand_many(server: Server, tx: IndexTransaction, resources: list[Resource], fmt: TagFormat = TagFormat.HUMAN) -> list[dict[str, Any]]:
    """The JSON of several resources, reading main tags in one query."""
    tags_by_id = tx.main_tags_many([r.internal_id for r in resources])
    out = []
    for r in resources:
        tags = tags_by_id.get(r.internal_id, {})
        metadata = tx.metadata(r.internal_id)
        answer: dict[str, Any] = {"ID": r.public_id, "Type": r.level.title}
        keywords = MAIN_TAGS[r.level]
        if r.level is ResourceLevel.STUDY:
            keywords = tuple(k for k in keywords if k not in PATIENT_TAGS)
            answer["PatientMainDicomTags"] = format_main_tags(tags, PATIENT_TAGS, fmt)
        answer["MainDicomTags"] = format_main_tags(tags, keywords, fmt)
        parent = tx.get(r.parent_id) if r.parent_id is not None else None
        if r.level is not ResourceLevel.INSTANCE:
            answer[r.level.child.plural.capitalize()] = [c.public_id for c in tx.children(r.internal_id)]  # type: ignore[union-attr]
            answer["IsStable"] = not server.stability.unstable(r.public_id)
            answer["LastUpdate"] = metadata.get(MetadataType.LastUpdate, "")
        if parent is not None:
            answer[f"Parent{parent.level.title}"] = parent.public_id
        if r.level is ResourceLevel.SERIES:
            expected = metadata.get(MetadataType.ExpectedNumberOfInstances)
            answer["ExpectedNumberOfInstances"] = int(expected) if expected else None
            answer["Status"] = "Unknown" if not expected else series_status(tx.children_metadata(r.internal_id, MetadataType.IndexInSeries), int(expected))
        if r.level is ResourceLevel.INSTANCE:
            dicom = tx.attachments(r.internal_id).get(FileContentType.Dicom)
            answer["FileSize"] = dicom.uncompressed_size if dicom else 0
            answer["FileUuid"] = dicom.uuid if dicom else ""
            index = metadata.get(MetadataType.IndexInSeries)
            answer["IndexInSeries"] = int(index) if index else None
        answer["Labels"] = tx.labels(r.internal_id)
        if r.level is ResourceLevel.PATIENT:
            # Orthanc 1.12 shows the recycling protection in every patient answer.
            answer["IsProtected"] = tx.is_protected(r.internal_id)
        out.append(answer)
    return out
