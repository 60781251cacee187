"""DICOM JSON straight from the bytes of a Part 10 file in explicit VR little endian.

A cold series ``/metadata`` parses every file of the series. pydicom builds a
``Dataset`` first (about 0.3 ms for a CT header); this walker reads the elements
itself and converts them with :func:`~.dicomjson.value_to_dicomweb`, for the files
written the common way: explicit VR little endian (native or encapsulated pixel
data) and a one-byte or UTF-8 character set. Anything else — implicit VR, big endian,
deflate, other charsets, UN or AT elements, odd lengths — answers None and the caller
goes through pydicom (:func:`~.dicomjson.dataset_to_dicomweb`). Both paths give the
same JSON for every pydicom sample file (``tests/dicomweb/test_dicomjson.py``).
"""

from __future__ import annotations

import struct
from typing import Any

from .dicomjson import SKIP, BulkUri, simple_codec, tag_key, value_to_dicomweb

__all__ = ["file_to_dicomweb"]

_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UT", b"UN", b"UC", b"UR", b"SV", b"UV"})
_BULK_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV"})
_NOT_EXPLICIT_LE = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"})
_UNDEFINED = 0xFFFFFFFF
_HEAD = struct.Struct("<HH2sH")
_LONG = struct.Struct("<L")
_ITEM_HEAD = struct.Struct("<HHL")
_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD


class _Fallback(Exception):
    """The file needs pydicom."""


def file_to_dicomweb(data: bytes, bulk: BulkUri | None) -> dict[str, Any] | None:
    """The DICOM JSON object of a Part 10 file, or None when pydicom must read it.

    Args:
        data: The whole file.
        bulk: Builds BulkDataURIs from tag paths (see :func:`~.dicomjson.element_to_dicomweb`).
    """
    if len(data) < 144 or data[128:132] != b"DICM":
        return None
    try:
        position, syntax = _file_meta(data, 132)
        if syntax in _NOT_EXPLICIT_LE:
            return None
        out, _ = _dataset(data, position, len(data), "latin-1", bulk, "", False)
        return out
    except (_Fallback, struct.error, UnicodeDecodeError, IndexError, ValueError):
        return None


def _file_meta(data: bytes, position: int) -> tuple[int, str]:
    syntax = ""
    while position + 8 <= len(data):
        group, element, vr, short = _HEAD.unpack_from(data, position)
        if group != 0x0002:
            break
        if vr in _LONG_VRS:
            length = _LONG.unpack_from(data, position + 8)[0]
            start = position + 12
        else:
            length, start = short, position + 8
        if length == _UNDEFINED:
            raise _Fallback
        if element == 0x0010:
            syntax = data[start : start + length].decode("latin-1").rstrip("\0 ")
        position = start + length
    return position, syntax


def _dataset(data: bytes, position: int, end: int, codec: str, bulk: BulkUri | None, path: str, delimited: bool) -> tuple[dict[str, Any], int]:
    """Elements from ``position`` up to ``end`` or, if ``delimited``, the item delimiter.

    Returns:
        The elements as DICOM JSON, sorted, and the position after them.
    """
    out: dict[str, Any] = {}
    while position < end:
        group, element, vr, short = _HEAD.unpack_from(data, position)
        tag = (group << 16) | element
        if tag == _ITEM_END and delimited:
            return dict(sorted(out.items())), position + 8
        if group == 0xFFFE:
            raise _Fallback  # an item tag where an element should be
        if vr in _LONG_VRS:
            length = _LONG.unpack_from(data, position + 8)[0]
            start = position + 12
        else:
            length, start = short, position + 8
        if vr == b"SQ":
            items, position = _sequence(data, start, length, codec, bulk, f"{path}{tag:08x}/")
            out[tag_key(tag)] = {"vr": "SQ", "Value": items} if items else {"vr": "SQ"}
            continue
        if length == _UNDEFINED:
            if tag != 0x7FE00010 or path:
                raise _Fallback
            position = _skip_fragments(data, start)
            continue  # Orthanc leaves encapsulated pixel data out
        position = start + length
        if position > len(data):
            raise _Fallback
        if element == 0 or group == 0x0002:
            continue  # group lengths: DCMTK drops them
        if vr in _BULK_VRS:
            # Binary values are never read: only their presence shows (no copy of the pixel data).
            entry: dict[str, Any] = {"vr": vr.decode("latin-1")}
            if bulk is not None and length > 0:
                entry["BulkDataURI"] = bulk(f"{path}{tag:08x}")
            out[tag_key(tag)] = entry
            continue
        if tag == 0x00080005:
            # Items inherit the character set of the dataset holding them, unless they set one.
            found = simple_codec(data[start:position])
            if found is None:
                raise _Fallback
            codec = found
        value = value_to_dicomweb(tag, vr.decode("latin-1"), data[start:position], length, codec, bulk, path)
        if value is None:
            raise _Fallback
        if value is not SKIP:
            out[tag_key(tag)] = value
    if delimited or position != end:
        raise _Fallback  # no item delimiter, or an element running past its item
    return dict(sorted(out.items())), position


def _sequence(data: bytes, position: int, length: int, codec: str, bulk: BulkUri | None, path: str) -> tuple[list[dict[str, Any]], int]:
    end = len(data) if length == _UNDEFINED else position + length
    items: list[dict[str, Any]] = []
    while position < end:
        group, element, item_length = _ITEM_HEAD.unpack_from(data, position)
        tag = (group << 16) | element
        position += 8
        if tag == _SEQUENCE_END:
            if length != _UNDEFINED:
                raise _Fallback
            return items, position
        if tag != _ITEM:
            raise _Fallback
        undefined = item_length == _UNDEFINED
        item_end = len(data) if undefined else position + item_length
        item, position = _dataset(data, position, item_end, codec, bulk, f"{path}{len(items) + 1}/", undefined)
        items.append(item)
    if length == _UNDEFINED or position != end:
        raise _Fallback  # no sequence delimiter, or items running past the sequence
    return items, position


def _skip_fragments(data: bytes, position: int) -> int:
    """Past the fragments of encapsulated pixel data and their sequence delimiter."""
    while True:
        group, element, length = _ITEM_HEAD.unpack_from(data, position)
        position += 8
        tag = (group << 16) | element
        if tag == _SEQUENCE_END:
            return position
        if tag != _ITEM or length == _UNDEFINED:
            raise _Fallback
        position += length
