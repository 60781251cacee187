"""DCMTK's data dictionary, public and private, as Orthanc sees it.

Orthanc names every tag of ``/instances/{id}/tags`` after DCMTK's dictionary (retired
tags as ``RETIRED_X``, private tags by their creator, ``Unknown Tag & Data`` otherwise)
and takes the VR of implicit-VR elements from it. pydicom's keywords and private
dictionary differ in hundreds of places, so DCMTK 3.6.7's entries (the version Debian's
Orthanc 1.10.1 loads) are shipped in ``dcmtk_dictionary.json.gz``, built by
``scripts/gen_dcmtk_dictionary.py``.
"""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

__all__ = ["UNKNOWN_NAME", "DictEntry", "lookup", "lookup_private", "parse_tag"]

#: DCMTK's name for a tag it does not know.
UNKNOWN_NAME = "Unknown Tag & Data"

#: ``(vr, name)`` of one dictionary entry; VR may be DCMTK's internal ``ox``, ``xs``, ``lt``, ``up``...
DictEntry = tuple[str, str]


@functools.cache
def _tables() -> dict[str, Any]:
    data = json.loads(gzip.decompress((Path(__file__).parent / "dcmtk_dictionary.json.gz").read_bytes()))
    data["public"] = {int(k, 16): tuple(v) for k, v in data["public"].items()}
    private: dict[tuple[int, str, int], DictEntry] = {}
    for key, value in data["private"].items():
        group, rest = key.split(",", 1)
        creator, element = rest.rsplit(",", 1)
        private[(int(group, 16), creator, int(element, 16))] = tuple(value)  # type: ignore[assignment]
    data["private"] = private
    return data


def _in_range(value: int, low: int, high: int, restriction: str) -> bool:
    if not low <= value <= high:
        return False
    if restriction == "o":
        return value % 2 == 1
    if restriction == "e" or restriction == "":
        # DCMTK's "unspecified" restriction on repeating groups means even (60xx, 50xx).
        return value % 2 == 0 or low == high
    return True


@functools.lru_cache(maxsize=4096)
def lookup(tag: int) -> DictEntry | None:
    """The DCMTK entry of a public tag (or of a generic one: group lengths, private creators)."""
    tables = _tables()
    found = tables["public"].get(tag)
    if found is not None:
        return found
    group, element = tag >> 16, tag & 0xFFFF
    for glo, ghi, grestr, elo, ehi, erestr, vr, name in tables["public_ranges"]:
        if _in_range(group, glo, ghi, grestr) and _in_range(element, elo, ehi, erestr):
            return vr, name
    return None


@functools.lru_cache(maxsize=4096)
def lookup_private(tag: int, creator: str) -> DictEntry | None:
    """The DCMTK entry of private element ``tag`` reserved by ``creator``, if any."""
    group, element = tag >> 16, tag & 0xFF
    tables = _tables()
    found = tables["private"].get((group, creator, element))
    if found is not None:
        return found
    for glo, ghi, grestr, pcreator, pelement, vr, name in tables["private_ranges"]:
        if pcreator == creator and pelement == element and _in_range(group, glo, ghi, grestr):
            return vr, name
    return None


@functools.cache
def _names() -> dict[str, int]:
    names: dict[str, int] = {}
    for tag, (_vr, name) in _tables()["public"].items():
        names.setdefault(name, tag)
    names["OtherPatientIDs"] = 0x00101000  # Orthanc's name for DCMTK's RETIRED_OtherPatientIDs
    return names


def parse_tag(text: str) -> int:
    """Read a tag as Orthanc's ``FromDcmtkBridge::ParseTag`` does.

    Accepts ``0010,0010``, ``0010-0010``, ``00100010`` or a DCMTK dictionary name
    (``PatientName``, ``RETIRED_StudyComments``).

    Raises:
        DonjonError: ``UnknownDicomTag`` for anything else, as Orthanc (HTTP 500).
    """
    from ..errors import DonjonError, ErrorCode

    t = text.strip()
    hexdigits = "0123456789abcdefABCDEF"
    if len(t) == 9 and t[4] in ",-" and all(c in hexdigits for c in t[:4] + t[5:]):
        return int(t[:4], 16) << 16 | int(t[5:], 16)
    if len(t) == 8 and all(c in hexdigits for c in t):
        return int(t, 16)
    found = _names().get(t)
    if found is None:
        raise DonjonError(ErrorCode.UnknownDicomTag, f"unknown DICOM tag: {text!r}")
    return found
