"""Read what the index needs from a DICOM file, without touching pixel data.

The file is parsed once, header only (``stop_before_pixels``), and never
re-encoded: what was received is what gets stored (ARCHITECTURE §3).
"""

from __future__ import annotations

import io
import struct
from typing import Any

import msgspec
import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..ids import OrthancIds
from .json_tags import orthanc_string, text_decoder
from .main_tags import MAIN_TAGS

__all__ = ["ParsedInstance", "element_text", "parse_instance", "read_dataset"]

# Reading validation costs ~30 % of a header parse (PERFORMANCE.md) and Orthanc
# stores what it receives without judging value representations.
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE


class ParsedInstance(msgspec.Struct, kw_only=True):
    """An incoming instance: its bytes, parsed header and Orthanc IDs."""

    data: bytes
    dataset: Any
    ids: OrthancIds
    transfer_syntax: str
    sop_class_uid: str
    main_tags: dict[ResourceLevel, dict[str, str]]
    #: Offset of the PixelData element in the file (None without pixel data, or deflated).
    pixel_data_offset: int | None = None
    #: InstanceNumber or ImageIndex, as Orthanc records ``IndexInSeries``.
    index_in_series: str | None = None

    def tag(self, keyword: str, default: str = "") -> str:
        """A header value as text (``""`` when absent)."""
        return element_text(self.dataset, keyword, default)


def read_dataset(data: bytes, *, stop_before_pixels: bool = False) -> Dataset:
    """Parse DICOM bytes with pydicom, the way every route of Donjon does.

    Like DCMTK in Orthanc, a file without preamble and meta header is read as a bare
    dataset; its transfer syntax is inferred from the encoding pydicom detected.

    Raises:
        DonjonError: ``BadFileFormat`` when the bytes are not a DICOM file.
    """
    return _read(io.BytesIO(data), stop_before_pixels)


def _read(fp: io.BytesIO, stop_before_pixels: bool) -> Dataset:
    try:
        try:
            ds = pydicom.dcmread(fp, stop_before_pixels=stop_before_pixels, force=False)
            forced = False
        except InvalidDicomError:
            fp.seek(0)
            ds = pydicom.dcmread(fp, stop_before_pixels=stop_before_pixels, force=True)
            forced = True
            if len(ds) == 0:
                raise DonjonError(ErrorCode.BadFileFormat, "not a DICOM file: no DICM prefix and no readable dataset") from None
        if "TransferSyntaxUID" not in ds.file_meta:
            implicit, little = ds.original_encoding
            if implicit is None:
                raise DonjonError(ErrorCode.BadFileFormat, "not a DICOM file: cannot tell its transfer syntax")
            ds.file_meta.TransferSyntaxUID = (
                "1.2.840.10008.1.2" if implicit else "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"
            )
        if forced:
            # Without the DICM prefix almost any bytes "parse": convert every element
            # once so that garbage fails here. A file with the prefix had each element
            # header checked by the read itself; converting all its values would cost
            # two thirds of the parse (0.5 of 0.75 ms on a 512x512 CT) for nothing.
            for _elem in ds:
                pass
    except DonjonError:
        raise
    except Exception as exc:  # pydicom raises a wide variety on garbage input
        raise DonjonError(ErrorCode.BadFileFormat, f"not a DICOM file: {type(exc).__name__}: {exc}") from exc
    return ds


def element_text(ds: Dataset, keyword: str, default: str = "") -> str:
    """The value of an element as Orthanc indexes it: text, multi-values joined by ``\\``."""
    elem = ds.data_element(keyword) if keyword in ds else None
    if elem is None:
        return default
    value = elem.value
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return value.decode("latin-1").rstrip("\0 ")
    if isinstance(value, (list, pydicom.multival.MultiValue)):
        return "\\".join(_scalar_text(v) for v in value)
    if isinstance(value, pydicom.sequence.Sequence):
        return default
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, pydicom.valuerep.PersonName):
        return str(value).strip()
    if isinstance(value, (pydicom.valuerep.DSfloat, pydicom.valuerep.IS)):
        original = getattr(value, "original_string", None)
        return (original if original is not None else str(value)).strip()
    return str(value).strip(" \0")


def parse_instance(data: bytes, default_encoding: str = "Latin1") -> ParsedInstance:
    """Parse an incoming file and compute its Orthanc IDs.

    Args:
        data: The file as received.
        default_encoding: Orthanc's ``DefaultEncoding``, for files without SpecificCharacterSet.

    Raises:
        DonjonError: ``BadFileFormat`` for a non-DICOM body or a file without
            the identifiers Orthanc needs (StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID).
    """
    fp = io.BytesIO(data)
    ds = _read(fp, stop_before_pixels=True)
    texts = _TextReader(ds, default_encoding)
    try:
        identifiers = [texts.read(tag) for _, tag in _IDENTIFIERS]
        main_tags = {level: texts.main_tags(keywords) for level, keywords in _MAIN_TAG_NUMBERS.items()}
    except Exception as exc:  # a value that does not convert (bad charset, broken sequence)
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot read the main DICOM tags: {type(exc).__name__}: {exc}") from exc
    if not any(identifiers[1:]) and (getattr(ds, "preamble", None) is None or len(ds) == 0):
        # Read by force (no DICM prefix) or cut inside its meta header: not a DICOM file at all.
        raise DonjonError(ErrorCode.BadFileFormat, f"cannot parse an invalid DICOM file (size: {len(data)} bytes)")
    for keyword, value in zip(("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"), identifiers[1:]):
        if not value:
            raise DonjonError(ErrorCode.InexistentTag, f"the DICOM file has no {keyword}, it cannot be indexed")
    transfer_syntax = str(ds.file_meta.TransferSyntaxUID)
    pixel_data_offset = _pixel_data_offset(data, fp.tell(), transfer_syntax)
    if pixel_data_offset is not None:
        _check_pixel_data_complete(data, pixel_data_offset, ds)
    return ParsedInstance(
        data=data,
        dataset=ds,
        ids=OrthancIds.compute(*identifiers),
        transfer_syntax=transfer_syntax,
        sop_class_uid=element_text(ds, "SOPClassUID") or str(ds.file_meta.get("MediaStorageSOPClassUID", "")),
        main_tags=main_tags,
        pixel_data_offset=pixel_data_offset,
        index_in_series=_index_in_series(ds),
    )


def _dictionary_vr(tag: int) -> str | None:
    try:
        return dictionary_VR(tag)
    except KeyError:
        return None


_MAIN_TAG_NUMBERS: dict[ResourceLevel, tuple[tuple[str, int], ...]] = {
    level: tuple((kw, tag_for_keyword(kw)) for kw in keywords) for level, keywords in MAIN_TAGS.items()  # type: ignore[misc]
}


_IDENTIFIERS = tuple((kw, tag_for_keyword(kw)) for kw in ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"))

#: Value representations whose value is text, and those among them that are never multi-valued.
_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT", "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
_SINGLE_VALUED_VRS = frozenset({"LT", "ST", "UT", "UR"})


_DICT_VR: dict[int, str | None] = {
    tag: _dictionary_vr(tag) for pairs in (*_MAIN_TAG_NUMBERS.values(), _IDENTIFIERS) for _, tag in pairs
}


_JIS_X0201 = frozenset({"ISO_IR 13", "ISO 2022 IR 13"})


def _charset_terms_raw(ds: Dataset) -> set[str]:
    elem = ds._dict.get(0x00080005)
    if elem is None:
        return set()
    value = elem.value
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    terms = value if isinstance(value, (list, tuple, pydicom.multival.MultiValue)) else str(value or "").split("\\")
    return {str(t).strip(" \0") for t in terms}


class _TextReader:
    """Reads main tag values as Orthanc indexes them.

    Converting a raw element through pydicom (charset lookup, VR checks, value
    classes) took 0.4 ms of a 0.6 ms header parse on a CT file; the main tags are
    nearly always ASCII text, whose Orthanc form is the raw value with padding
    stripped from each component. Anything else (other character sets, ISO 2022
    escapes, UN elements, values pydicom already converted) goes through the
    conversion of the tags routes, :func:`~donjon.dicom.json_tags.orthanc_string`,
    so that an index value and its ``/simplified-tags`` value never differ.
    """

    def __init__(self, ds: Dataset, default_encoding: str) -> None:
        self.ds = ds
        self.present = ds._dict
        self.default_encoding = default_encoding
        self._decoder: Any = None
        # JIS X 0201 (ISO_IR 13) maps 0x5C to the yen sign: Orthanc then shows "¥" even
        # between the values of a DS, so no byte is "plain ASCII" in such a file.
        self.ascii_is_ascii = not (_charset_terms_raw(ds) & _JIS_X0201)

    def main_tags(self, keywords: tuple[tuple[str, int], ...]) -> dict[str, str]:
        return {kw: self.read(tag) for kw, tag in keywords if tag in self.present}

    def read(self, tag: int) -> str:
        raw = self.present.get(tag)
        if raw is None:
            return ""
        value = getattr(raw, "value", None)
        vr = getattr(raw, "VR", None) or _DICT_VR.get(tag)
        if self.ascii_is_ascii and type(raw).__name__ == "RawDataElement" and vr in _TEXT_VRS and isinstance(value, bytes) and value.isascii() and b"\x1b" not in value:
            text = value.decode("ascii")
            if vr in _SINGLE_VALUED_VRS or "\\" not in text:
                return text.strip(" \0") if vr != "PN" else text.strip().rstrip("\0")
            return "\\".join(part.strip(" \0") for part in text.split("\\"))
        if self._decoder is None:
            self._decoder = text_decoder(self.ds, self.default_encoding)
        return orthanc_string(self.ds, tag, self.default_encoding, self._decoder) or ""


#: Little- and big-endian encodings of the PixelData tag (7FE0,0010).
_PIXEL_DATA_LE = b"\xe0\x7f\x10\x00"
_PIXEL_DATA_BE = b"\x7f\xe0\x00\x10"
_DEFLATED = "1.2.840.10008.1.2.1.99"


def _pixel_data_offset(data: bytes, position: int, transfer_syntax: str) -> int | None:
    """Where PixelData starts in the file (Orthanc's ``PixelDataOffset`` metadata).

    pydicom's ``stop_before_pixels`` rewinds to the start of the element it stopped
    at, so the file position is the offset, if that element is PixelData (and not
    FloatPixelData). A deflated file has no such offset, as in Orthanc.
    """
    if transfer_syntax == _DEFLATED or position + 4 > len(data):
        return None
    if data[position : position + 4] in (_PIXEL_DATA_LE, _PIXEL_DATA_BE):
        return position
    return None


def _check_pixel_data_complete(data: bytes, offset: int, ds: Dataset) -> None:
    """Refuse a file whose pixel data is cut short, as DCMTK does when Orthanc reads it whole.

    The header parse stops before the pixel data, so a truncated upload would otherwise
    be stored and fail only when someone looks at the image.

    Raises:
        DonjonError: ``BadFileFormat`` naming the missing byte count.
    """
    implicit, little = ds.original_encoding
    order = "<" if little is not False else ">"
    if implicit:
        header, (length,) = 8, struct.unpack(order + "I", data[offset + 4 : offset + 8])
    elif data[offset + 4 : offset + 6] in (b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"):
        header, (length,) = 12, struct.unpack(order + "I", data[offset + 8 : offset + 12])
    else:
        header, (length,) = 8, struct.unpack(order + "H", data[offset + 6 : offset + 8])
    if length == 0xFFFFFFFF:
        # Encapsulated: the fragments must end with a sequence delimitation item.
        if data.rfind(b"\xfe\xff\xdd\xe0" if order == "<" else b"\xff\xfe\xe0\xdd", offset + header) < 0:
            raise DonjonError(ErrorCode.BadFileFormat, "the encapsulated pixel data has no sequence delimiter: the file is truncated")
    elif offset + header + length > len(data):
        missing = offset + header + length - len(data)
        raise DonjonError(ErrorCode.BadFileFormat, f"the pixel data is {missing} bytes shorter than its declared length: the file is truncated")


def _index_in_series(ds: Dataset) -> str | None:
    """Orthanc's ``IndexInSeries``: InstanceNumber, else ImageIndex, stripped; None if both absent."""
    for keyword in ("InstanceNumber", "ImageIndex"):
        if keyword in ds:
            return element_text(ds, keyword).strip()
    return None
