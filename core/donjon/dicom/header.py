"""Read what the index needs from a DICOM file, without touching pixel data.

The file is parsed once, header only (``stop_before_pixels``), and never
re-encoded: what was received is what gets stored (ARCHITECTURE §3).
"""

from __future__ import annotations

import io
from typing import Any

import msgspec
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ..enums import ResourceLevel
from ..errors import DonjonError, ErrorCode
from ..ids import OrthancIds
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
    try:
        try:
            ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=stop_before_pixels, force=False)
        except InvalidDicomError:
            ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=stop_before_pixels, force=True)
            if len(ds) == 0:
                raise DonjonError(ErrorCode.BadFileFormat, "not a DICOM file: no DICM prefix and no readable dataset") from None
        if "TransferSyntaxUID" not in ds.file_meta:
            implicit, little = ds.original_encoding
            if implicit is None:
                raise DonjonError(ErrorCode.BadFileFormat, "not a DICOM file: cannot tell its transfer syntax")
            ds.file_meta.TransferSyntaxUID = (
                "1.2.840.10008.1.2" if implicit else "1.2.840.10008.1.2.1" if little else "1.2.840.10008.1.2.2"
            )
        for _elem in ds:  # pydicom parses lazily: walk once so that garbage fails here
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


def parse_instance(data: bytes) -> ParsedInstance:
    """Parse an incoming file and compute its Orthanc IDs.

    Raises:
        DonjonError: ``BadFileFormat`` for a non-DICOM body or a file without
            the identifiers Orthanc needs (StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID).
    """
    ds = read_dataset(data, stop_before_pixels=True)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        if not element_text(ds, keyword):
            raise DonjonError(ErrorCode.BadFileFormat, f"the DICOM file has no {keyword}, Orthanc cannot index it")
    ids = OrthancIds.compute(
        element_text(ds, "PatientID"),
        element_text(ds, "StudyInstanceUID"),
        element_text(ds, "SeriesInstanceUID"),
        element_text(ds, "SOPInstanceUID"),
    )
    main_tags = {
        level: {kw: element_text(ds, kw) for kw in keywords if kw in ds} for level, keywords in MAIN_TAGS.items()
    }
    return ParsedInstance(
        data=data,
        dataset=ds,
        ids=ids,
        transfer_syntax=str(ds.file_meta.TransferSyntaxUID),
        sop_class_uid=element_text(ds, "SOPClassUID") or str(ds.file_meta.get("MediaStorageSOPClassUID", "")),
        main_tags=main_tags,
    )
