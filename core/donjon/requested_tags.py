"""``?requestedTags=0010,0010;PatientBirthDate`` on ``GET /{level}/{id}`` and expanded listings.

Orthanc 1.11+ adds ``"RequestedTags"`` to each expanded resource: computed tags
(``ModalitiesInStudy``, ``NumberOfStudyRelatedSeries``...), then main tags of the resource
and its ancestors from the index, and only then tags read from the file of one of its
instances (slow: hence the LRU of :mod:`donjon.instance_tags`). Absent tags are left out.
The argument is also spelled ``requested-tags`` (OpenAPI 1.12.11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydicom.datadict import keyword_for_tag

from .dicom.dictionary import lookup, parse_tag
from .dicom.json_tags import JsonFormat, format_full_json
from .dicom.main_tags import format_tag
from .enums import FileContentType, ResourceLevel
from .find.computed import computed_tag
from .instance_tags import attachment_tags
from .resources import TagFormat, main_tags_with_ancestors

if TYPE_CHECKING:
    from .index import IndexTransaction, Resource
    from .server import Server

__all__ = ["add_requested_tags", "parse_requested_tags"]

_ARGUMENTS = ("requestedTags", "requested-tags")


def parse_requested_tags(params: Any) -> list[int]:
    """The tags of ``requestedTags`` (``;``-separated), or ``[]`` when absent.

    Raises:
        DonjonError: ``UnknownDicomTag`` for a token that is not a tag, as Orthanc.
    """
    for name in _ARGUMENTS:
        if params is not None and name in params:
            text = params.get(name) or ""
            return [parse_tag(token) for token in text.split(";") if token.strip()]
    return []


def add_requested_tags(server: Server, tx: IndexTransaction, resources: list[Resource], answers: Any, params: Any) -> Any:
    """Add ``"RequestedTags"`` to expanded answers when the query asks for it.

    Args:
        server: The server (its storage is read for tags that are not in the index).
        tx: The read transaction the answers were built in.
        resources: The resources, in the order of ``answers``.
        answers: One expanded dict or a list of them (returned as given).
        params: The query parameters.
    """
    tags = parse_requested_tags(params)
    if not tags:
        return answers
    fmt = TagFormat.from_query(params)
    for resource, answer in zip(resources, answers if isinstance(answers, list) else [answers]):
        answer["RequestedTags"] = _requested(server, tx, resource, tags, fmt)
    return answers


def _requested(server: Server, tx: IndexTransaction, resource: Resource, tags: list[int], fmt: TagFormat) -> dict[str, Any]:
    known = main_tags_with_ancestors(tx, resource)
    full: dict[str, Any] = {}
    missing: list[int] = []
    for tag in tags:
        keyword = keyword_for_tag(tag) or ""
        value = computed_tag(tx, resource, keyword) if keyword else None
        if value is None and keyword:
            value = known.get(keyword)
        if value is None:
            missing.append(tag)
        else:
            entry = lookup(tag)
            full[format_tag(tag)] = {"Name": entry[1] if entry else keyword, "Type": "String", "Value": value}
    if missing:
        file_tags = _file_tags(server, tx, resource)
        for tag in missing:
            node = file_tags.get(format_tag(tag))
            if node is not None:
                full[format_tag(tag)] = node
    ordered = dict(sorted(full.items()))
    return format_full_json(ordered, {TagFormat.HUMAN: JsonFormat.SIMPLIFY, TagFormat.SHORT: JsonFormat.SHORT}.get(fmt, JsonFormat.FULL))


def _file_tags(server: Server, tx: IndexTransaction, resource: Resource) -> dict[str, Any]:
    """The tags of one instance of the resource (the first child at each level)."""
    current: Resource | None = resource
    while current is not None and current.level is not ResourceLevel.INSTANCE:
        children = tx.children(current.internal_id)
        current = children[0] if children else None
    if current is None:
        return {}
    info = tx.attachments(current.internal_id).get(FileContentType.Dicom)
    if info is None:
        return {}
    return attachment_tags(server, info).tags
