"""pydicom datasets as the DICOM JSON Model (PS3.18 Annex F), the way Orthanc's plugin writes it.

Orthanc (``DicomWebJsonVisitor``) writes DS and IS as JSON numbers, PN as
``{"Alphabetic": ...}`` objects, empty values without a ``Value`` key, and every
binary element (OB, OW, OF, OD, OL, OV, UN; pixel data included) as a
``BulkDataURI`` ending in ``/bulk/{tag in lowercase hex}`` (``/bulk/{seq}/{item from 1}/{tag}``
inside sequences), except encapsulated pixel data, left out — checked against
Orthanc 1.10.1 with DICOMweb 1.7 in ``tests/dicomweb/test_oracle_dicomweb.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["BINARY_VRS", "dataset_to_dicomweb", "element_to_dicomweb", "tag_key"]

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


def element_to_dicomweb(elem: Any, bulk: BulkUri | None, path: str = "") -> dict[str, Any]:
    """One pydicom element as ``{"vr": ..., "Value": [...]}`` (or ``BulkDataURI``).

    Args:
        elem: A pydicom ``DataElement``.
        bulk: Builds the BulkDataURI of a binary element from its tag path
            (``00431028``, or ``00081140/0/00081155`` inside sequences); None: omit the value.
        path: The tag path of the enclosing sequence items, for ``bulk``.
    """
    vr = elem.VR
    out: dict[str, Any] = {"vr": "US" if vr == "US or SS" else vr}
    key = path + f"{elem.tag:08x}"
    if vr == "SQ":
        # Items are numbered from 1 in Orthanc's BulkDataURIs (``/bulk/00880200/1/7fe00010``).
        items = [dataset_to_dicomweb(item, bulk, f"{key}/{i}/") for i, item in enumerate(elem.value or [], start=1)]
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


def dataset_to_dicomweb(ds: Any, bulk: BulkUri | None = None, path: str = "", tags: set[int] | None = None) -> dict[str, Any]:
    """A pydicom dataset (without its file meta) as a DICOM JSON object, sorted by tag.

    Args:
        ds: The dataset.
        bulk: See :func:`element_to_dicomweb`.
        path: Tag path prefix (sequence items).
        tags: Only these tags (top level), None for all.
    """
    out: dict[str, Any] = {}
    for elem in ds:
        tag = int(elem.tag)
        if tag >> 16 == 0x0002 or (tags is not None and tag not in tags):
            continue
        if elem.tag.is_private and elem.VR == "UN" and elem.value is None:
            continue
        if tag == 0x7FE00010 and elem.is_undefined_length and not path:
            continue  # Orthanc leaves encapsulated (compressed) pixel data out of the metadata
        out[tag_key(tag)] = element_to_dicomweb(elem, bulk, path)
    return dict(sorted(out.items()))
