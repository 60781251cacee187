"""``/instances/{id}/content/{path}``: walking a file's tags, sequences and items.

Orthanc's ``ParsedDicomFile::SendPathValue``: the path alternates tags and item
indexes (``0008-1140/0/0008-1150``). An even path ends on a dataset and answers the
list of its tags (``"0008-1150"``); an odd one ends on an element and answers the
indexes of its items (``"0"``, ``"1"``) for a sequence, else the raw bytes of the
value (padding included, numbers little-endian as DCMTK hands them). Pixel data has
its own answers: the fragments of encapsulated pixel data, or one "frame" ``0``
holding the whole native pixel data. Anything that does not exist answers an empty
404; a tag that is not one raises ``UnknownDicomTag``.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments
from pydicom.multival import MultiValue

from .dictionary import lookup, lookup_private, parse_tag
from .json_tags import PIXEL_DATA, sequence_items

__all__ = ["NotFound", "content_at"]

#: Returned when the path leads nowhere (Orthanc answers an empty 404).
NotFound = None

_STRING_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
# Byte width of the numbers DCMTK swaps to little-endian when it hands out a value.
_SWAP_WIDTH = {"US": 2, "SS": 2, "OW": 2, "AT": 2, "UL": 4, "SL": 4, "FL": 4, "OF": 4, "OL": 4, "FD": 8, "OD": 8, "OV": 8, "SV": 8, "UV": 8}


def content_at(ds: Dataset, path: list[str]) -> list[str] | bytes | None:
    """What ``/content/{path}`` answers for the dataset of a file.

    Args:
        ds: The file read by :func:`~donjon.dicom.json_tags.read_raw` (pixel data included).
        path: The URI components after ``content``, empty ones removed.

    Returns:
        A list (JSON answer), bytes (``application/octet-stream``) or None (404).

    Raises:
        DonjonError: ``UnknownDicomTag`` for a component that should be a tag and is not.
    """
    if len(path) in (1, 2) and parse_tag(path[0]) == PIXEL_DATA:
        return _pixel_data(ds, path[1] if len(path) == 2 else None)
    current = ds
    for pos in range(len(path) // 2):
        index = _index(path[2 * pos + 1])
        tag = parse_tag(path[2 * pos])
        if index is None or tag not in current:
            return NotFound
        elem = current.get_item(tag)
        if not _is_sequence(current, tag, elem):
            return NotFound
        items = sequence_items(elem)
        if index >= len(items):
            return NotFound
        current = items[index]
    if len(path) % 2 == 0:
        return [_tag_text(int(t)) for t in sorted(current.keys())]
    tag = parse_tag(path[-1])
    if tag not in current:
        return NotFound
    elem = current.get_item(tag)
    if _is_sequence(current, tag, elem):
        return [str(i) for i in range(len(sequence_items(elem)))]
    return _raw_value(elem, _vr(current, tag, elem))


def _index(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _tag_text(tag: int) -> str:
    return f"{tag >> 16:04x}-{tag & 0xFFFF:04x}"


def _vr(ds: Dataset, tag: int, elem: Any) -> str:
    """The VR written in the file, else (implicit VR) the one of DCMTK's dictionary."""
    if isinstance(elem, RawDataElement) and elem.VR is not None:
        return elem.VR
    if isinstance(elem, DataElement) and not elem.is_undefined_length and elem.VR != "SQ":
        return elem.VR
    entry = lookup(tag) if (tag >> 16) % 2 == 0 else _private_entry(ds, tag)
    return entry[0] if entry is not None else "UN"


def _is_sequence(ds: Dataset, tag: int, elem: Any) -> bool:
    if isinstance(elem, DataElement):
        return elem.VR == "SQ"
    if elem.VR is not None:
        return elem.VR == "SQ"
    return _vr(ds, tag, elem) == "SQ" or elem.length == 0xFFFFFFFF


def _private_entry(ds: Dataset, tag: int) -> tuple[str, str] | None:
    creator_tag = (tag & 0xFFFF0000) | ((tag >> 8) & 0xFF)
    if (tag & 0xFFFF) < 0x1000 or creator_tag not in ds:
        return lookup(tag)
    creator = ds.get_item(creator_tag)
    value = creator.value if isinstance(creator, DataElement) else (creator.value or b"").decode("latin-1")
    return lookup_private(tag, str(value or "").strip("\0 "))


def _raw_value(elem: Any, vr: str) -> bytes:
    if isinstance(elem, DataElement):
        value = elem.value
        if value is None or value == "":
            return b""
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            text = value
        elif isinstance(value, (list, tuple, MultiValue)):
            text = "\\".join(str(v) for v in value)
        else:
            text = str(value)
        raw = text.encode("latin-1", "replace")
        return raw + b" " if len(raw) % 2 else raw
    raw: bytes = elem.value or b""
    if vr in _STRING_VRS:
        # DCMTK keeps strings without their trailing padding and pads them again to an even length.
        raw = raw.rstrip(b" \0")
        return raw + (b"\0" if vr == "UI" else b" ") if len(raw) % 2 else raw
    width = _SWAP_WIDTH.get(vr)
    if width and not elem.is_little_endian:
        raw = b"".join(raw[i : i + width][::-1] for i in range(0, len(raw) - len(raw) % width, width))
    return raw


def _pixel_data(ds: Dataset, frame: str | None) -> list[str] | bytes | None:
    if PIXEL_DATA not in ds:
        return NotFound
    elem = ds.get_item(PIXEL_DATA)
    raw = elem.value if isinstance(elem, (RawDataElement, DataElement)) else None
    encapsulated = isinstance(elem, RawDataElement) and elem.length == 0xFFFFFFFF
    if encapsulated:
        fragments = list(generate_fragments(raw or b"", endianness="<" if elem.is_little_endian else ">"))
        if frame is None:
            return [str(i) for i in range(len(fragments))]
        index = _index(frame)
        return fragments[index] if index is not None and index < len(fragments) else NotFound
    if frame is None:
        return ["0"]
    return _raw_value(elem, "OW") if frame == "0" else NotFound
