"""QIDO-RS (PS3.18 10.6): ``/studies``, ``/series``, ``/instances`` and their nested forms.

Matching goes through the core's ``/tools/find`` engine (the same rules as
``/tools/find`` and C-FIND: wildcards, ranges, UID lists, main tags in the index
and the other tags in the files). Each answer holds the attributes Orthanc's plugin
returns for the level (its ``QidoRs.cpp`` defaults, checked against Orthanc 1.10.1 +
DICOMweb 1.7), the matching attributes and ``includefield``, read from one instance
of the resource, plus the computed counts and ``RetrieveURL``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec
from donjon_sdk import DonjonError, ErrorCode, FindRequest, QueryItem, ResourceLevel, parse_tag_name, run_find

from .lookup import UID_TAGS, instances_of
from .metadata import instance_tags

if TYPE_CHECKING:
    from donjon_sdk import Server

__all__ = ["QidoQuery", "parse_qido", "run_qido"]

log = logging.getLogger(__name__)

_STUDY_TAGS = (0x00080005, 0x00080020, 0x00080030, 0x00080050, 0x00080090, 0x00080201, 0x00100010, 0x00100020, 0x00100030, 0x00100040, 0x0020000D, 0x00200010)
# RequestAttributesSequence is in Orthanc's list but 1.10.1 + DICOMweb 1.7 never answers it.
_SERIES_TAGS = (0x00080060, 0x0008103E, 0x0020000E, 0x00200011, 0x00400244, 0x00400245)
_INSTANCE_TAGS = (0x00080016, 0x00080018, 0x00200013, 0x00280008, 0x00280010, 0x00280011, 0x00280100)

#: Attributes read from the files, per level of the answer (Orthanc's defaults).
DEFAULT_TAGS: dict[ResourceLevel, tuple[int, ...]] = {
    ResourceLevel.STUDY: _STUDY_TAGS,
    ResourceLevel.SERIES: _STUDY_TAGS + _SERIES_TAGS,
    ResourceLevel.INSTANCE: _STUDY_TAGS + _SERIES_TAGS + _INSTANCE_TAGS,
}
_RETRIEVE_URL = "00081190"
_CHARSET = "00080005"
#: ``DefaultEncoding`` → the SpecificCharacterSet that Orthanc announces in every QIDO answer
#: (it converts the values to that encoding; in JSON they are UTF-8 whatever it says).
_ENCODING_TERMS = {
    "Ascii": "ISO_IR 6",
    "Utf8": "ISO_IR 192",
    "Latin1": "ISO_IR 100",
    "Latin2": "ISO_IR 101",
    "Latin3": "ISO_IR 109",
    "Latin4": "ISO_IR 110",
    "Latin5": "ISO_IR 148",
    "Cyrillic": "ISO_IR 144",
    "Arabic": "ISO_IR 127",
    "Greek": "ISO_IR 126",
    "Hebrew": "ISO_IR 138",
    "Thai": "ISO_IR 166",
    "Japanese": "ISO_IR 13",
    "Chinese": "GB18030",
}


class QidoQuery(msgspec.Struct, kw_only=True):
    """A parsed QIDO-RS request."""

    level: ResourceLevel
    matches: list[QueryItem]
    include: set[int] = msgspec.field(default_factory=set)
    include_all: bool = False
    limit: int = 0
    offset: int = 0
    fuzzy: bool = False


def _count(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DonjonError(ErrorCode.BadRequest, f"QIDO-RS: {name} must be a non-negative integer, not {text!r}") from None
    if value < 0:
        raise DonjonError(ErrorCode.BadRequest, f"QIDO-RS: {name} must be a non-negative integer, not {text!r}")
    return value


def parse_qido(level: ResourceLevel, params: list[tuple[str, str]], uids: dict[ResourceLevel, str]) -> QidoQuery:
    """Read the query parameters of a QIDO-RS request.

    Args:
        level: The level searched.
        params: The query parameters, repeated ones included, in order.
        uids: The UIDs of the path (``/studies/{uid}/series``).

    Raises:
        DonjonError: ``BadRequest`` for a bad ``limit``/``offset``, ``ParameterOutOfRange``
            for wildcards on a VR that allows none (from the find engine).
    """
    query = QidoQuery(level=level, matches=[])
    matches: dict[int, QueryItem] = {}
    for name, value in params:
        lower = name.lower()
        if lower == "limit":
            query.limit = _count("limit", value)
        elif lower == "offset":
            query.offset = _count("offset", value)
        elif lower == "fuzzymatching":
            query.fuzzy = value.lower() == "true"
        elif lower == "includefield":
            for field in filter(None, (f.strip() for f in value.split(","))):
                if field.lower() == "all":
                    query.include_all = True
                    continue
                tag = _tag_or_none(field)
                if tag is not None:
                    query.include.add(tag[0])
        elif name.startswith("_"):
            continue  # other reserved parameters (e.g. "_" cache busters of web viewers)
        else:
            tag = _tag_or_none(name)
            if tag is not None:
                matches[tag[0]] = QueryItem(tag[0], tag[1], value)
    for uid_level, uid in uids.items():
        tag, keyword = UID_TAGS[uid_level]
        matches[tag] = QueryItem(tag, keyword, uid)
    query.matches = list(matches.values())
    return query


def _tag_or_none(name: str) -> tuple[int, str] | None:
    # Orthanc's plugin ignores what it cannot read as a tag (``?foo=bar`` lists everything).
    if "." in name:
        log.info("QIDO-RS: sequence matching is not supported, %r ignored", name)
        return None
    try:
        return parse_tag_name(name)
    except DonjonError:
        log.info("QIDO-RS: unknown attribute %r ignored", name)
        return None


def _computed(server: Server, level: ResourceLevel, public_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with server.index.read() as tx:
        resource = tx.lookup(public_id, level)
        if resource is None:
            return out
        if level is ResourceLevel.STUDY:
            series = tx.children(resource.internal_id)
            modalities = sorted({t.get("Modality", "") for t in tx.main_tags_many([s.internal_id for s in series]).values()} - {""})
            out["00080061"] = {"vr": "CS", "Value": modalities} if modalities else {"vr": "CS"}
            out["00201206"] = {"vr": "IS", "Value": [len(series)]}
            out["00201208"] = {"vr": "IS", "Value": [len(tx.descendants(resource.internal_id, ResourceLevel.INSTANCE))]}
        elif level is ResourceLevel.SERIES:
            out["00201209"] = {"vr": "IS", "Value": [len(tx.children(resource.internal_id))]}
    return out


def _first_instance(server: Server, level: ResourceLevel, public_id: str) -> Any:
    """The instance whose file gives the attributes of a resource, Orthanc's choice.

    Orthanc 1.10.1 lists a study's instances series by series from the last series
    (its child walk uses a stack), and the plugin reads the first of them: the first
    instance of the study's last series; a series gives its first instance.
    """
    if level is ResourceLevel.INSTANCE:
        refs = instances_of(server, level, public_id)
    else:
        with server.index.read() as tx:
            resource = tx.lookup(public_id, level)
            current = resource
            while current is not None and current.level is not ResourceLevel.INSTANCE:
                children = tx.children(current.internal_id)
                pick = -1 if current.level is ResourceLevel.STUDY else 0
                current = children[pick] if children else None
        if current is None:
            return None
        refs = instances_of(server, ResourceLevel.INSTANCE, current.public_id)
    return refs[0] if refs else None


def _retrieve_url(base: str, level: ResourceLevel, ref: Any) -> str:
    url = f"{base}/studies/{ref.study_uid}"
    if level >= ResourceLevel.SERIES:
        url += f"/series/{ref.series_uid}"
    if level is ResourceLevel.INSTANCE:
        url += f"/instances/{ref.sop_uid}"
    return url


def run_qido(server: Server, query: QidoQuery, base: str, case_sensitive: bool) -> list[dict[str, Any]]:
    """The DICOM JSON answers of a QIDO-RS query.

    Args:
        server: The server.
        query: The parsed request.
        base: The absolute root URL, for ``RetrieveURL``.
        case_sensitive: Whether person names match case-sensitively
            (``QidoCaseSensitive``; ``fuzzymatching=true`` makes it insensitive).
    """
    find = FindRequest(
        level=query.level,
        query=query.matches,
        limit=query.limit,
        since=query.offset,
        case_sensitive=case_sensitive and not query.fuzzy,
    )
    wanted = set(DEFAULT_TAGS[query.level]) | query.include | {m.tag for m in query.matches}
    charset = {"vr": "CS", "Value": [_ENCODING_TERMS.get(server.config.core.default_encoding, "ISO_IR 100")]}
    answers = []
    for public_id in run_find(server, find):
        ref = _first_instance(server, query.level, public_id)
        if ref is None:
            continue
        tags = instance_tags(server, ref)
        answer = {k: v for k, v in tags.items() if query.include_all or int(k, 16) in wanted}
        answer.update(_computed(server, query.level, public_id))
        answer[_CHARSET] = charset
        answer[_RETRIEVE_URL] = {"vr": "UR", "Value": [_retrieve_url(base, query.level, ref)]}
        answers.append(dict(sorted(answer.items())))
    return answers
