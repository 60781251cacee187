"""The checks a C-STORE SCP makes of a received dataset before storing it.

Orthanc's ``StoreScp.cpp`` (inherited from DCMTK's storescp) compares the SOP Class
and SOP Instance UIDs of the dataset with those of the C-STORE request (PS3.4 B.2.3):

- neither found in the dataset → ``0xC000`` Error: Cannot understand;
- either different from the request → ``0xA900`` Error: Data Set does not match SOP Class.

Only the start of the dataset is read (the two UIDs are in group 0008): the full
header parse is the ingest's job, done once.
"""

from __future__ import annotations

import io
import zlib

from pydicom.filereader import read_dataset

__all__ = ["CANNOT_UNDERSTAND", "DATASET_DOES_NOT_MATCH", "check_identity"]

#: Error: Cannot understand (PS3.4 B.2.3).
CANNOT_UNDERSTAND = 0xC000
#: Error: Data Set does not match SOP Class (PS3.4 B.2.3).
DATASET_DOES_NOT_MATCH = 0xA900

_SOP_CLASS_UID = 0x00080016
_SOP_INSTANCE_UID = 0x00080018
_DEFLATED = "1.2.840.10008.1.2.1.99"


def _uid(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip(" \0")


def check_identity(stream: bytes, transfer_syntax: str, sop_class_uid: str, sop_instance_uid: str) -> int | None:
    """None when the dataset carries the request's SOP Class and Instance UIDs, else the failure status.

    Args:
        stream: The encoded dataset, as received (no file meta).
        transfer_syntax: The transfer syntax of its presentation context.
        sop_class_uid: The request's Affected SOP Class UID.
        sop_instance_uid: The request's Affected SOP Instance UID.
    """
    implicit = transfer_syntax == "1.2.840.10008.1.2"
    little = transfer_syntax != "1.2.840.10008.1.2.2"
    if transfer_syntax == _DEFLATED:
        try:
            # Only the beginning is needed: inflate a bounded amount.
            stream = zlib.decompressobj(-zlib.MAX_WBITS).decompress(stream, 64 * 1024)
        except zlib.error:
            return CANNOT_UNDERSTAND
    try:
        ds = read_dataset(io.BytesIO(stream), implicit, little, stop_when=lambda tag, vr, length: tag > _SOP_INSTANCE_UID)
        found_class = _uid(ds[_SOP_CLASS_UID].value) if _SOP_CLASS_UID in ds else ""
        found_instance = _uid(ds[_SOP_INSTANCE_UID].value) if _SOP_INSTANCE_UID in ds else ""
    except Exception:  # pydicom raises a wide variety on garbage input
        return CANNOT_UNDERSTAND
    if not found_class or not found_instance:
        return CANNOT_UNDERSTAND
    if found_class != sop_class_uid.strip(" \0") or found_instance != sop_instance_uid.strip(" \0"):
        return DATASET_DOES_NOT_MATCH
    return None
