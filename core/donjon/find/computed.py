"""Tags that Orthanc computes rather than stores (PS3.4 C.6.1.1.x "related" counts).

``RequestedTags`` of ``/tools/find`` and C-FIND answers both ask for them.
"""

from __future__ import annotations

from collections.abc import Callable

from ..enums import MetadataType, ResourceLevel
from ..index import IndexTransaction, Resource

__all__ = ["COMPUTED_TAGS", "computed_tag"]


def _count(tx: IndexTransaction, r: Resource, level: ResourceLevel) -> str:
    return str(len(tx.descendants(r.internal_id, level)))


def _modalities(tx: IndexTransaction, r: Resource) -> str:
    series = tx.children(r.internal_id)
    tags = tx.main_tags_many([s.internal_id for s in series])
    return "\\".join(sorted({t["Modality"] for t in tags.values() if t.get("Modality")}))


def _sop_classes(tx: IndexTransaction, r: Resource) -> str:
    classes = {tx.metadata(i.internal_id).get(MetadataType.SopClassUid, "") for i in tx.descendants(r.internal_id, ResourceLevel.INSTANCE)}
    return "\\".join(sorted(c for c in classes if c))


#: keyword → (level it applies to, how to compute it)
COMPUTED_TAGS: dict[str, tuple[ResourceLevel, Callable[[IndexTransaction, Resource], str]]] = {
    "NumberOfPatientRelatedStudies": (ResourceLevel.PATIENT, lambda tx, r: _count(tx, r, ResourceLevel.STUDY)),
    "NumberOfPatientRelatedSeries": (ResourceLevel.PATIENT, lambda tx, r: _count(tx, r, ResourceLevel.SERIES)),
    "NumberOfPatientRelatedInstances": (ResourceLevel.PATIENT, lambda tx, r: _count(tx, r, ResourceLevel.INSTANCE)),
    "NumberOfStudyRelatedSeries": (ResourceLevel.STUDY, lambda tx, r: _count(tx, r, ResourceLevel.SERIES)),
    "NumberOfStudyRelatedInstances": (ResourceLevel.STUDY, lambda tx, r: _count(tx, r, ResourceLevel.INSTANCE)),
    "ModalitiesInStudy": (ResourceLevel.STUDY, _modalities),
    "SOPClassesInStudy": (ResourceLevel.STUDY, _sop_classes),
    "NumberOfSeriesRelatedInstances": (ResourceLevel.SERIES, lambda tx, r: _count(tx, r, ResourceLevel.INSTANCE)),
}


def computed_tag(tx: IndexTransaction, resource: Resource, keyword: str) -> str | None:
    """The value of a computed tag for ``resource``, or None if it is not one of its level."""
    entry = COMPUTED_TAGS.get(keyword)
    if entry is None or entry[0] is not resource.level:
        return None
    return entry[1](tx, resource)
