"""pydicom datasets as the DICOM JSON Model (PS3.18 Annex F), the way Orthanc's plugin writes it.

Orthanc (``DicomWebJsonVisitor``) writes DS and IS as JSON numbers, PN as
``{"Alphabetic": ...}`` objects, empty values without a ``Value`` key, and every
binary element (OB, OW, OF, OD, OL, OV, UN; pixel data included) as a
``BulkDataURI`` ending in ``/bulk/{tag in lowercase hex}`` (``/bulk/{seq}/{item from 1}/{tag}``
inside sequences), except encapsulated pixel data, left out — checked against
Orthanc 1.10.1 with DICOMweb 1.7 in ``tests/dicomweb/test_oracle_dicomweb.py``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

__all__ = ["BINARY_VRS", "SKIP", "dataset_to_dicomweb", "element_to_dicomweb", "simple_codec", "tag_key", "value_to_dicomweb"]

#: VRs that never appear inline: a BulkDataURI (metadata) or nothing (QIDO).
BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN", "OB or OW", "US or OW"})
_INT_VRS = frozenset({"US", "SS", "UL", "SL", "UV", "SV", "US or SS"})
_FLOAT_VRS = frozenset({"FL", "FD"})
_UNSPLIT_VRS = frozenset({"LT", "ST", "UT", "UR"})

BulkUri = Callable[[str], str]


def tag_key(tag: int) -> str:
    """``00100010``: the key of a tag in DICOM JSON (upper-case hex)."""
    return f"{tag:08X}"


def _number(text: str, integer: bool) -> int | float | None:
    text = text.strip()
    if not text:
        return None
    try:
        if integer:
            return int(text)
        value = float(text)
    except ValueError:
        return None
    # jsoncpp prints integral doubles without a fraction: keep the JSON the same.
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return list(value)
    return [value]


def _person_name(value: Any) -> dict[str, str] | None:
    text = str(value)
    if not text:
        return None
    groups = text.split("=")
    out: dict[str, str] = {}
    for name, group in zip(("Alphabetic", "Ideographic", "Phonetic"), groups):
        if group:
            out[name] = group
    return out or None


def element_to_dicomweb(elem: Any, bulk: BulkUri | None, path: str = "", codec: str | None = None) -> dict[str, Any]:
    """One pydicom element as ``{"vr": ..., "Value": [...]}`` (or ``BulkDataURI``).

    Args:
        elem: A pydicom ``DataElement``.
        bulk: Builds the BulkDataURI of a binary element from its tag path
            (``00431028``, or ``00081140/0/00081155`` inside sequences); None: omit the value.
        path: The tag path of the enclosing sequence items, for ``bulk``.
        codec: The text codec of the enclosing dataset (items inherit it), None if not simple.
    """
    vr = elem.VR
    out: dict[str, Any] = {"vr": "US" if vr == "US or SS" else vr}
    key = path + f"{elem.tag:08x}"
    if vr == "SQ":
        # Items are numbered from 1 in Orthanc's BulkDataURIs (``/bulk/00880200/1/7fe00010``).
        items = [dataset_to_dicomweb(item, bulk, f"{key}/{i}/", codec=codec) for i, item in enumerate(elem.value or [], start=1)]
        if items:
            out["Value"] = items
        return out
    if vr in BINARY_VRS:
        out["vr"] = {"OB or OW": "OW", "US or OW": "OW"}.get(vr, vr)
        if bulk is not None and elem.value is not None and len(elem.value or b"") > 0:
            out["BulkDataURI"] = bulk(key)
        return out
    raw = elem.value
    if vr in ("DS", "IS"):
        texts = _values(raw)
        values = [_number(str(v) if not isinstance(v, str) else v, vr == "IS") if str(v) != "" else None for v in texts]
        if vr == "IS":
            values = [int(float(v)) if v is not None else None for v in values]
    elif vr in _INT_VRS:
        values = [int(v) for v in _values(raw)]
    elif vr in _FLOAT_VRS:
        values = [_number(repr(float(v)), False) for v in _values(raw)]
    elif vr == "AT":
        values = [f"{int(v):08X}" for v in _values(raw)]
    elif vr == "PN":
        values = [_person_name(v) for v in _values(raw)]
    elif vr in _UNSPLIT_VRS:
        values = [str(raw)] if raw not in (None, "") else []
    else:
        values = [str(v) if str(v) != "" else None for v in _values(raw)]
    if values and any(v is not None for v in values):
        out["Value"] = values
    return out


def dataset_to_dicomweb(
    ds: Any, bulk: BulkUri | None = None, path: str = "", tags: set[int] | None = None, codec: str | None = "latin-1"
) -> dict[str, Any]:
    """A pydicom dataset (without its file meta) as a DICOM JSON object, sorted by tag.

    Elements still raw (as pydicom read them) are converted straight from their bytes
    when that is simple (little endian, a known VR, a charset of one byte or UTF-8):
    pydicom's own conversion cost ~0.8 ms per CT header, the bulk of a cold series
    ``/metadata``. Anything else goes through pydicom.

    Args:
        ds: The dataset.
        bulk: See :func:`element_to_dicomweb`.
        path: Tag path prefix (sequence items).
        tags: Only these tags (top level), None for all.
        codec: The codec inherited from the enclosing dataset (sequence items).
    """
    out: dict[str, Any] = {}
    if not path or 0x00080005 in ds:
        codec = simple_codec(ds) if codec is not None or not path else None
    for tag_obj, raw in ds.items():
        tag = int(tag_obj)
        if tag >> 16 == 0x0002 or tag & 0xFFFF == 0 or (tags is not None and tag not in tags):
            continue  # file meta and group lengths: DCMTK drops them, Orthanc never shows them
        fast = _raw_to_dicomweb(raw, codec, bulk, path) if codec is not None else None
        if fast is not None:
            if fast is not SKIP:
                out[tag_key(tag)] = fast
            continue
        elem = ds[tag]
        if elem.tag.is_private and elem.VR == "UN" and elem.value is None:
            continue
        if tag == 0x7FE00010 and elem.is_undefined_length and not path:
            continue  # Orthanc leaves encapsulated (compressed) pixel data out of the metadata
        out[tag_key(tag)] = element_to_dicomweb(elem, bulk, path, codec)
    return dict(sorted(out.items()))


# -- the fast path over raw elements -------------------------------------------------------------

#: What :func:`value_to_dicomweb` answers for an element to leave out.
SKIP: dict[str, Any] = {}
_CODECS = {"": "latin-1", "ISO_IR 100": "latin-1", "ISO_IR 6": "latin-1", "ISO_IR 192": "utf-8"}
_STRUCT = {"US": "H", "SS": "h", "UL": "L", "SL": "l", "FL": "f", "FD": "d", "UV": "Q", "SV": "q"}
_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "LO", "SH", "TM", "UI", "UC", "PN"})


def simple_codec(ds: Any) -> str | None:
    """The Python codec of the dataset's text when it is a single simple one, else None.

    Args:
        ds: A pydicom dataset, or the raw bytes of a SpecificCharacterSet value.
    """
    if isinstance(ds, (bytes, bytearray)):
        value: Any = ds
    else:
        raw = ds.get_item(0x00080005) if 0x00080005 in ds else None
        if raw is None:
            return "latin-1"
        value = raw.value
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("latin-1").strip(" \0")
    elif not isinstance(value, str):
        return None
    return _CODECS.get(value)


def _raw_to_dicomweb(raw: Any, codec: str, bulk: BulkUri | None, path: str) -> dict[str, Any] | None:
    """One raw element as DICOM JSON, None when pydicom should convert it."""
    if not getattr(raw, "is_raw", False) or raw.VR is None or not raw.is_little_endian:
        return None
    value = raw.value
    if value is None or not isinstance(value, (bytes, bytearray)):
        return None
    return value_to_dicomweb(int(raw.tag), raw.VR, value, raw.length, codec, bulk, path)


def value_to_dicomweb(tag: int, vr: str, value: bytes, length: int, codec: str, bulk: BulkUri | None, path: str) -> dict[str, Any] | None:
    """An element's raw little-endian bytes as DICOM JSON; None when pydicom should convert it.

    Args:
        tag: The tag.
        vr: Its VR as read from the file.
        value: Its bytes.
        length: Its length field (``0xFFFFFFFF`` for undefined length).
        codec: The Python codec of the dataset's text.
        bulk: See :func:`element_to_dicomweb`.
        path: The tag path of the enclosing items.

    Returns:
        The JSON value, ``SKIP`` for an element Orthanc leaves out, None to fall back.
    """
    if vr in ("SQ", "AT", "UN"):
        return None
    if vr in BINARY_VRS:
        if tag == 0x7FE00010 and length == 0xFFFFFFFF:
            return SKIP if not path else None
        out: dict[str, Any] = {"vr": vr}
        if bulk is not None and len(value) > 0:
            out["BulkDataURI"] = bulk(path + f"{tag:08x}")
        return out
    if vr in _STRUCT:
        fmt = _STRUCT[vr]
        size = struct.calcsize("<" + fmt)
        if len(value) % size:
            return None
        values = list(struct.unpack(f"<{len(value) // size}{fmt}", value))
        if vr in _FLOAT_VRS:
            values = [_number(repr(v), False) for v in values]
        return {"vr": vr, "Value": values} if values else {"vr": vr}
    text = value.decode(codec if vr in ("LO", "SH", "ST", "LT", "UT", "PN", "UC") else "latin-1")
    if vr in _UNSPLIT_VRS:
        text = text.rstrip("\0 ") if vr != "UR" else text.strip("\0 ")
        return {"vr": vr, "Value": [text]} if text else {"vr": vr}
    if vr in ("DS", "IS"):
        parts = [p.strip(" \0") for p in text.split("\\")]
        numbers: list[Any] = []
        for part in parts:
            if not part:
                numbers.append(None)
                continue
            number = _number(part, False)
            if number is None:
                return None  # not a number: let pydicom decide what it is
            numbers.append(int(number) if vr == "IS" else number)
        return {"vr": vr, "Value": numbers} if any(n is not None for n in numbers) else {"vr": vr}
    if vr not in _TEXT_VRS:
        return None
    # Padding goes from the whole value only: "DERIVED \\PRIMARY" keeps its inner space (as Orthanc).
    parts = text.rstrip(" \0").split("\\")
    if vr == "PN":
        values: list[Any] = [_person_name(p) for p in parts]
    else:
        values = [p if p else None for p in parts]
    return {"vr": vr, "Value": values} if any(v is not None for v in values) else {"vr": vr}
