"""The body of ``POST /tools/find``, checked with Orthanc's own error messages."""

from __future__ import annotations

from typing import Any

import msgspec

from ..dicom.main_tags import parse_tag
from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..resources import TagFormat
from .model import LabelsConstraint

__all__ = ["FindRequest", "QueryItem", "parse_find_request", "parse_tag_name"]


class QueryItem(msgspec.Struct, frozen=True):
    """One ``Query`` entry: the tag, its dictionary keyword (or hex spelling) and the value."""

    tag: int
    keyword: str
    value: str


class FindRequest(msgspec.Struct, kw_only=True):
    """A validated ``/tools/find`` request."""

    level: ResourceLevel
    query: list[QueryItem]
    expand: bool = False
    limit: int = 0
    since: int = 0
    case_sensitive: bool = False
    requested_tags: list[QueryItem] = msgspec.field(default_factory=list)
    tag_format: TagFormat = TagFormat.HUMAN
    labels: list[str] = msgspec.field(default_factory=list)
    labels_constraint: LabelsConstraint = LabelsConstraint.ALL


def _bad(message: str, code: ErrorCode = ErrorCode.BadRequest) -> DonjonError:
    return DonjonError(code, message)


def parse_tag_name(name: str) -> tuple[int, str]:
    """``(tag, keyword)`` of a tag given as keyword or hex; the keyword is the hex spelling for unknown tags.

    Raises:
        DonjonError: ``UnknownDicomTag`` (Orthanc answers 500 with code 27, so do we).
    """
    from pydicom.datadict import keyword_for_tag

    from ..dicom.main_tags import format_tag

    try:
        tag = parse_tag(name)
    except ValueError:
        raise DonjonError(ErrorCode.UnknownDicomTag, f"unknown DICOM tag: {name!r}") from None
    return tag, keyword_for_tag(tag) or format_tag(tag)


def _bool(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise _bad(f'Field "{key}" should be a Boolean')
    return value


def _count(body: dict[str, Any], key: str) -> int:
    value = body.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise _bad(f'Field "{key}" should be an integer')
    if value < 0:
        raise _bad(f'Field "{key}" should be a positive integer', ErrorCode.ParameterOutOfRange)
    return int(value)


def parse_find_request(raw: bytes, *, default_case_sensitive: bool) -> FindRequest:
    """Validate a ``/tools/find`` body.

    Args:
        raw: The HTTP body.
        default_case_sensitive: ``CaseSensitivePN`` of the configuration (the default of ``CaseSensitive``).

    Raises:
        DonjonError: ``BadRequest`` (400) naming the field at fault, ``ParameterOutOfRange``
            for a bad level, a negative count or a bad labels constraint.
    """
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        body = None
    if not isinstance(body, dict):
        raise _bad("The body must contain a JSON object")
    level_text = body.get("Level")
    if not isinstance(level_text, str):
        raise _bad('Field "Level" is missing, or should be a string')
    try:
        level = ResourceLevel.parse(level_text)
    except ValueError:
        raise _bad(f"unknown resource level: {level_text!r}", ErrorCode.ParameterOutOfRange) from None
    query = body.get("Query")
    if not isinstance(query, dict):
        raise _bad('Field "Query" is missing, or should be a JSON object')
    items = []
    for name, value in query.items():
        if not isinstance(value, str):
            raise _bad(f'Tag "{name}" should be associated with a string')
        tag, keyword = parse_tag_name(name)
        items.append(QueryItem(tag, keyword, value))
    request = FindRequest(
        level=level,
        query=items,
        expand=_bool(body, "Expand", False),
        limit=_count(body, "Limit"),
        since=_count(body, "Since"),
        case_sensitive=_bool(body, "CaseSensitive", default_case_sensitive),
    )
    if _bool(body, "Full", False):
        request.tag_format = TagFormat.FULL
    elif _bool(body, "Short", False):
        request.tag_format = TagFormat.SHORT
    requested = body.get("RequestedTags", [])
    if not isinstance(requested, list) or not all(isinstance(t, str) for t in requested):
        raise _bad('Field "RequestedTags" should be a list of strings')
    request.requested_tags = [QueryItem(*parse_tag_name(t), "") for t in requested]
    labels = body.get("Labels", [])
    if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
        raise _bad('Field "Labels" should be a list of strings')
    request.labels = labels
    constraint = body.get("LabelsConstraint", "All")
    try:
        request.labels_constraint = LabelsConstraint(constraint)
    except ValueError:
        raise _bad(f'Field "LabelsConstraint" must be "All", "Any" or "None", not {constraint!r}', ErrorCode.ParameterOutOfRange) from None
    return request
