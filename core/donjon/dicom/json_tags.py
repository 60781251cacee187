"""Orthanc's DICOM-as-JSON: the ``full``, ``short`` and ``simplify`` formats of the tags.

``full`` (``/instances/{id}/tags``)::

    {"0010,0010": {"Name": "PatientName", "Type": "String", "Value": "DOE^JOHN"},
     "0008,1140": {"Name": "...", "Type": "Sequence", "Value": [{...}, ...]},
     "7fe0,0010": {"Name": "PixelData", "Type": "Null", "Value": null}}

``short`` keys by tag, ``simplify`` by name, both with bare values. The rules follow
Orthanc 1.10's ``FromDcmtkBridge::ElementToJson``: names and implicit VRs from DCMTK's
dictionary, string values cut at the first NUL and stripped of trailing padding,
decoded to UTF-8 per SpecificCharacterSet; numbers and attribute tags written as
text, several values joined by ``\\``; binary values (OB, OW, UN, ...) ``Null``; strings
longer than 256 bytes ``TooLong`` unless listed in ``ignore-length``; private
elements carry their ``PrivateCreator``; nothing after the top-level pixel data.
Values are read from the raw bytes pydicom leaves unconverted, so that what Orthanc
shows (padding, exact decimal strings, VRs guessed from DCMTK) is reproduced.
"""

from __future__ import annotations

import base64
import enum
import io
import struct
from collections.abc import Iterable
from typing import Any

import msgspec
import pydicom
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filereader import read_sequence
from pydicom.sequence import Sequence as PydicomSequence

from .charsets import TextDecoder
from .dictionary import UNKNOWN_NAME, lookup, lookup_private
from .main_tags import format_tag

__all__ = [
    "BinaryMode",
    "JsonFormat",
    "TagOptions",
    "dataset_to_json",
    "format_full_json",
    "meta_to_json",
    "orthanc_string",
    "read_raw",
    "sequence_items",
    "text_decoder",
]

#: Orthanc's ``ORTHANC_MAXIMUM_TAG_LENGTH``: longer strings are ``TooLong``.
MAXIMUM_TAG_LENGTH = 256
PIXEL_DATA = 0x7FE00010

_STRING_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
# DCMTK keeps the value of these VRs as text; the others are numbers or bytes.
_NUMBER_FORMATS = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d"}
# DCMTK's internal VRs found in its dictionary, as the element class it creates for them.
_INTERNAL_VRS = {"up": "UL", "lt": "OW", "ox": "OB", "px": "OB", "na": "UN"}
# DCMTK resolves "US or SS" (its VR "xs") to US/SS from PixelRepresentation for these tags only
# (DcmItem::checkAndUpdateVR); other "xs" elements of an implicit-VR file stay unresolved, hence Null.
_PIXEL_VALUE_TAGS = frozenset({0x00280106, 0x00280107, 0x00280108, 0x00280109, 0x00280120, 0x00280121, 0x00283002, 0x00409211, 0x00409216, 0x00603004, 0x00603006})
# Tags Orthanc names differently from DCMTK (it keeps the main tag's pre-retirement name).
_RENAMED = {0x00101000: "OtherPatientIDs"}


class JsonFormat(enum.Enum):
    """Orthanc's ``DicomToJsonFormat``: ``full`` objects, ``short`` hex keys, ``simplify`` names."""

    FULL = "full"
    SHORT = "short"
    SIMPLIFY = "simplify"

    @classmethod
    def from_query(cls, params: Any, default: JsonFormat | None = None) -> JsonFormat:
        """Read ``?simplify`` / ``?short`` / ``?full`` (Orthanc: the first flag present wins, simplify first)."""
        for name, fmt in (("simplify", cls.SIMPLIFY), ("short", cls.SHORT), ("full", cls.FULL)):
            if params is not None and name in params and str(params.get(name) or "").lower() in ("", "true", "1", "yes"):
                return fmt
        return default or cls.FULL


class BinaryMode(enum.Enum):
    """What binary values become: ``Null`` (REST default), base64 ``Binary``, ASCII text, or nothing."""

    NULL = "null"
    SKIP = "skip"
    BASE64 = "base64"
    ASCII = "ascii"


class TagOptions(msgspec.Struct, frozen=True, kw_only=True):
    """How a dataset is converted (Orthanc's ``DicomToJsonFlags`` and length limit)."""

    max_length: int = MAXIMUM_TAG_LENGTH
    """Strings longer than this (UTF-8 bytes) are ``TooLong``; 0 means no limit."""
    ignore_length: frozenset[int] = frozenset()
    """Tags exempt from ``max_length`` (``?ignore-length=``)."""
    default_encoding: str = "Latin1"
    """Orthanc's ``DefaultEncoding``, for files without SpecificCharacterSet."""
    binary: BinaryMode = BinaryMode.NULL
    include_private: bool = True
    include_unknown: bool = True
    stop_after_pixel_data: bool = True


def dataset_to_json(ds: Dataset, fmt: JsonFormat = JsonFormat.FULL, options: TagOptions | None = None) -> dict[str, Any]:
    """The tags of a dataset (without the file meta header) in one of Orthanc's formats.

    Args:
        ds: A dataset read by pydicom whose elements are still raw (see :func:`read_raw`).
        fmt: The JSON format.
        options: Length limit, encodings and binary policy.
    """
    options = options or TagOptions()
    decoder = TextDecoder(_charset_terms(ds), options.default_encoding)
    implicit = bool((getattr(ds, "original_encoding", None) or (False,))[0])
    full = _Converter(decoder, options, _pixel_representation(ds) == 1, implicit).dataset(ds, top=True)
    return format_full_json(full, fmt)


def orthanc_string(ds: Dataset, tag: int, default_encoding: str = "Latin1", decoder: TextDecoder | None = None) -> str | None:
    """One top-level element as Orthanc writes its value in the simplified JSON, without length limit.

    This is also the value Orthanc indexes as a main DICOM tag (both come from DCMTK's
    leaf conversion), so ingest uses it for every value that is not plain ASCII text.

    Returns:
        The text, ``""`` for an empty value, or None when the element is absent or binary.
    """
    if tag not in ds:
        return None
    decoder = decoder or TextDecoder(_charset_terms(ds), default_encoding)
    implicit = bool((getattr(ds, "original_encoding", None) or (False,))[0])
    converter = _Converter(decoder, TagOptions(max_length=0, default_encoding=default_encoding), False, implicit)
    entry = lookup(tag)
    converted = converter.value(tag, ds.get_item(tag), entry[0] if entry else "UN")
    if converted is None or converted.get("Type") != "String":
        return "" if converted is not None and converted.get("Type") == "Null" else None
    return converted["Value"]


def text_decoder(ds: Dataset, default_encoding: str = "Latin1") -> TextDecoder:
    """The decoder of a dataset's string values (SpecificCharacterSet, else ``DefaultEncoding``)."""
    return TextDecoder(_charset_terms(ds), default_encoding)


def _pixel_representation(ds: Dataset) -> int | None:
    elem = ds.get_item(0x00280103) if 0x00280103 in ds else None
    if isinstance(elem, RawDataElement) and elem.value and len(elem.value) >= 2:
        return int.from_bytes(elem.value[:2], "little" if elem.is_little_endian else "big")
    if isinstance(elem, DataElement) and isinstance(elem.value, int):
        return elem.value
    return None


def meta_to_json(ds: Dataset, fmt: JsonFormat = JsonFormat.FULL, options: TagOptions | None = None) -> dict[str, Any]:
    """The file meta header (group 0002) of a file, as ``/instances/{id}/header`` shows it."""
    # Orthanc's ExtractHeaderAsJson uses DicomToJsonFlags_None: no binary, no private, no length limit.
    options = options or TagOptions(max_length=0, binary=BinaryMode.SKIP, include_private=False, include_unknown=False)
    meta = getattr(ds, "file_meta", None) or Dataset()
    full = _Converter(TextDecoder(None, "Ascii"), options).dataset(meta, top=False)
    return format_full_json(full, fmt)


def format_full_json(full: dict[str, Any], fmt: JsonFormat) -> dict[str, Any]:
    """Turn ``full`` JSON into ``short`` or ``simplify`` (Orthanc's ``SimplifyTags``)."""
    if fmt is JsonFormat.FULL:
        return full
    out: dict[str, Any] = {}
    for tag, node in full.items():
        kind = node["Type"]
        if kind == "Sequence":
            value: Any = [format_full_json(item, fmt) for item in node["Value"]]
        elif kind in ("String", "Binary"):
            value = node["Value"]
        else:
            value = None
        # Several tags may share a name ("Unknown", "Unknown Tag & Data"): the last one wins, as in Orthanc.
        out[tag if fmt is JsonFormat.SHORT else node["Name"]] = value
    if fmt is JsonFormat.SIMPLIFY:
        return dict(sorted(out.items()))  # JsonCpp writes object keys sorted
    return out


def read_raw(data: bytes, *, stop_before_pixels: bool = False) -> Dataset:
    """Parse a file for :func:`dataset_to_json`, leaving element values unconverted.

    Raises:
        DonjonError: ``BadFileFormat`` when pydicom cannot read the bytes.
    """
    from ..errors import DonjonError, ErrorCode

    try:
        try:
            return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=stop_before_pixels, force=False)
        except pydicom.errors.InvalidDicomError:
            return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=stop_before_pixels, force=True)
    except Exception as exc:
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot parse the DICOM file: {type(exc).__name__}: {exc}") from exc


def sequence_items(elem: RawDataElement | DataElement) -> list[Dataset]:
    """The items of a sequence element, raw or already converted by pydicom."""
    if isinstance(elem, DataElement):
        return list(elem.value or [])
    raw = elem.value or b""
    return list(read_sequence(io.BytesIO(raw), elem.is_implicit_VR, elem.is_little_endian, len(raw), "iso8859"))


def _charset_terms(ds: Dataset) -> list[str] | None:
    elem = ds.get_item(0x00080005) if 0x00080005 in ds else None
    if elem is None:
        return None
    if isinstance(elem, RawDataElement):
        raw = elem.value or b""
        return raw.decode("ascii", "ignore").rstrip("\0 ").split("\\")
    value = elem.value
    if value is None or value == "":
        return [""]
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


class _Converter:
    """Walks one dataset; holds what stays the same for every element."""

    def __init__(self, decoder: TextDecoder, options: TagOptions, signed_pixels: bool = False, implicit: bool = False) -> None:
        self.decoder = decoder
        self.options = options
        self.signed_pixels = signed_pixels
        self.implicit = implicit

    def dataset(self, ds: Dataset, *, top: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        creators: dict[int, str] = {}  # (group << 8 | block) → private creator of this item
        for tag in sorted(ds.keys()):
            tag = int(tag)
            group, element = tag >> 16, tag & 0xFFFF
            elem = ds.get_item(tag)
            creator = ""
            if group % 2 == 1:
                if not self.options.include_private:
                    continue
                if 0x10 <= element <= 0xFF:
                    # DCMTK only registers creators it can read as text: an explicit UN one reserves nothing.
                    if not (isinstance(elem, RawDataElement) and elem.VR not in (None, "LO")):
                        creators[group << 8 | element] = self._creator_text(elem)
                elif element >= 0x1000:
                    creator = creators.get(group << 8 | element >> 8, "")
            entry = lookup_private(tag, creator) if creator else lookup(tag)
            if entry is None and not self.options.include_unknown and not creator:
                continue
            name = _RENAMED.get(tag) or (entry[1] if entry else UNKNOWN_NAME)
            node: dict[str, Any] = {"Name": name}
            if creator:
                node["PrivateCreator"] = creator
            value = self.value(tag, elem, entry[0] if entry else "UN")
            if value is None:
                continue
            node.update(value)
            out[format_tag(tag)] = node
            if top and tag == PIXEL_DATA and self.options.stop_after_pixel_data:
                break
        return out

    def _creator_text(self, elem: Any) -> str:
        if isinstance(elem, RawDataElement):
            return (elem.value or b"").split(b"\0", 1)[0].decode("latin-1").strip()
        return str(elem.value or "").strip()

    def value(self, tag: int, elem: Any, dict_vr: str) -> dict[str, Any] | None:
        """``{"Type", "Value"}`` of one element; None when it is left out (binary, ``SKIP``)."""
        if isinstance(elem, DataElement):
            return self._converted(tag, elem, dict_vr)
        vr = elem.VR if elem.VR is not None else dict_vr
        vr = _INTERNAL_VRS.get(vr, vr)
        if vr == "xs" and tag in _PIXEL_VALUE_TAGS:
            vr = "SS" if self.signed_pixels else "US"
        if vr == "SQ" or (elem.VR is None and elem.length == 0xFFFFFFFF):
            return self._sequence(sequence_items(elem))
        raw: bytes = elem.value or b""
        if vr in _STRING_VRS:
            return self._string(tag, raw, vr)
        if vr in _NUMBER_FORMATS:
            return self._numbers(raw, vr, elem.is_little_endian)
        if vr == "AT":
            return self._attribute_tags(raw, elem.is_little_endian)
        if vr == "UN":
            # Orthanc reads an UN element as text when DCMTK's dictionary gives it a string VR.
            # It is not decoded nor stripped; only what precedes a NUL survives (JsonCpp writes C strings).
            known = _INTERNAL_VRS.get(dict_vr, dict_vr)
            if known in _STRING_VRS and raw and all(32 <= b < 127 or b == 0 for b in raw):
                if self.options.max_length and len(raw) > self.options.max_length and tag not in self.options.ignore_length:
                    return {"Type": "TooLong", "Value": None}
                return {"Type": "String", "Value": raw.split(b"\0", 1)[0].decode("ascii")}
        return self._binary(raw)

    def _sequence(self, items: Iterable[Dataset]) -> dict[str, Any]:
        return {"Type": "Sequence", "Value": [self.dataset(item, top=False) for item in items]}

    def _limited(self, tag: int, text: str) -> dict[str, Any]:
        limit = self.options.max_length
        if limit and len(text.encode("utf-8")) > limit and tag not in self.options.ignore_length:
            return {"Type": "TooLong", "Value": None}
        return {"Type": "String", "Value": text}

    def _string(self, tag: int, raw: bytes, vr: str) -> dict[str, Any]:
        # DCMTK hands Orthanc a C string: everything after a NUL is lost; trailing padding is removed.
        cut = raw.split(b"\0", 1)[0]
        cut = cut.rstrip(b" ")
        return self._limited(tag, self.decoder.decode(cut, vr))

    def _numbers(self, raw: bytes, vr: str, little_endian: bool) -> dict[str, Any]:
        code = _NUMBER_FORMATS[vr]
        size = struct.calcsize("<" + code)
        count = len(raw) // size
        if count == 0:
            return {"Type": "Null", "Value": None}
        values = struct.unpack(f"{'<' if little_endian else '>'}{count}{code}", raw[: count * size])
        if vr in ("FL", "FD"):
            text = "\\".join(_float_text(v) for v in values)
        else:
            text = "\\".join(str(v) for v in values)
        return {"Type": "String", "Value": text}

    def _attribute_tags(self, raw: bytes, little_endian: bool) -> dict[str, Any]:
        count = len(raw) // 4
        if count == 0:
            return {"Type": "Null", "Value": None}
        # Orthanc 1.10 shows the first attribute tag only (getTagVal(tag, 0)).
        group, element = struct.unpack(f"{'<' if little_endian else '>'}2H", raw[:4])
        return {"Type": "String", "Value": f"{group:04x},{element:04x}"}

    def _binary(self, raw: bytes) -> dict[str, Any] | None:
        mode = self.options.binary
        if mode is BinaryMode.SKIP:
            return None
        if mode is BinaryMode.NULL:
            return {"Type": "Null", "Value": None}
        if mode is BinaryMode.ASCII:
            return {"Type": "String", "Value": "".join(chr(b) for b in raw if 32 <= b < 127)}
        return {"Type": "Binary", "Value": "data:application/octet-stream;base64," + base64.b64encode(raw).decode("ascii")}

    def _converted(self, tag: int, elem: DataElement, dict_vr: str) -> dict[str, Any] | None:
        """An element pydicom already converted (empty values, SpecificCharacterSet, undefined-length sequences)."""
        vr = elem.VR
        if self.implicit:
            # The file did not say: DCMTK's dictionary decides, not pydicom's.
            vr = _INTERNAL_VRS.get(dict_vr, dict_vr)
            if vr == "xs" and tag in _PIXEL_VALUE_TAGS:
                vr = "SS" if self.signed_pixels else "US"
        value = elem.value
        if isinstance(value, PydicomSequence):
            if vr == "SQ" or elem.is_undefined_length:
                return self._sequence(value)
            return self._binary(b"")
        if value is None or value == "" or value == b"" or (isinstance(value, list) and not value):
            if vr in _STRING_VRS:
                return {"Type": "String", "Value": ""}
            if vr in _NUMBER_FORMATS or vr == "AT":
                return {"Type": "Null", "Value": None}
            return self._binary(b"")
        if isinstance(value, (bytes, bytearray)):
            if vr in _STRING_VRS:
                return self._string(tag, bytes(value), vr)
            return self._binary(bytes(value))
        if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
            text = "\\".join(_scalar(v) for v in value)
        else:
            text = _scalar(value)
        if vr in _STRING_VRS and text.isascii():
            return self._string(tag, text.encode("ascii"), vr)  # e.g. SpecificCharacterSet, decoded like the rest
        return self._limited(tag, text)


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return _float_text(value)
    original = getattr(value, "original_string", None)
    if not isinstance(original, str):  # PersonName keeps its encoded bytes there
        original = None
    return (original if original is not None else str(value)).rstrip(" \0")


def _float_text(value: float) -> str:
    # Orthanc prints floating-point values with boost::lexical_cast: 17 significant digits.
    return f"{value:.17g}"
