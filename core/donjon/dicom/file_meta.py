"""Write the DICOM file header (preamble, ``DICM``, group 0002) of a received dataset.

A C-STORE carries the dataset without its file meta information (PS3.7 9.3.1); the
receiver writes its own (PS3.10 7.1). pynetdicom builds it through a pydicom
``FileMetaDataset`` and validates every UID on the way, which profiling showed to be
one of the largest costs of a C-STORE handler (PERFORMANCE.md). The header is a
handful of fixed elements, so it is encoded here directly, Explicit VR Little Endian
as PS3.10 requires.
"""

from __future__ import annotations

import struct

from .. import __version__

__all__ = ["IMPLEMENTATION_CLASS_UID", "IMPLEMENTATION_VERSION_NAME", "encode_file_meta"]

#: Donjon's Implementation Class UID (PS3.7 D.3.3.2): a UUID-derived UID (PS3.5 B.2),
#: ``generate_uid(prefix=None, entropy_srcs=["Donjon DICOM server implementation"])``.
IMPLEMENTATION_CLASS_UID = "2.25.95629688204296832204670018556259871153"
#: Implementation Version Name (SH, at most 16 characters).
IMPLEMENTATION_VERSION_NAME = f"DONJON_{__version__}"[:16]

_PREFIX = b"\0" * 128 + b"DICM"


def _element(group_elem: int, vr: bytes, value: bytes, pad: bytes) -> bytes:
    if len(value) % 2:
        value += pad
    return struct.pack("<HH2sH", 0x0002, group_elem, vr, len(value)) + value


def encode_file_meta(sop_class_uid: str, sop_instance_uid: str, transfer_syntax: str, source_aet: str = "") -> bytes:
    """The preamble, ``DICM`` prefix and file meta group for one dataset.

    Args:
        sop_class_uid: Media Storage SOP Class UID (the C-STORE's Affected SOP Class UID).
        sop_instance_uid: Media Storage SOP Instance UID (the Affected SOP Instance UID).
        transfer_syntax: The transfer syntax of the presentation context the dataset came in.
        source_aet: Source Application Entity Title (0002,0016): the calling AET, as DCMTK writes it.

    Returns:
        Bytes to prepend to the encoded dataset to make a DICOM Part 10 file.
    """
    body = b"".join(
        (
            # (0002,0001) OB: File Meta Information Version 00\01 (OB has a 4-byte length).
            struct.pack("<HH2sHI", 0x0002, 0x0001, b"OB", 0, 2) + b"\0\1",
            _element(0x0002, b"UI", sop_class_uid.encode("ascii"), b"\0"),
            _element(0x0003, b"UI", sop_instance_uid.encode("ascii"), b"\0"),
            _element(0x0010, b"UI", transfer_syntax.encode("ascii"), b"\0"),
            _element(0x0012, b"UI", IMPLEMENTATION_CLASS_UID.encode("ascii"), b"\0"),
            _element(0x0013, b"SH", IMPLEMENTATION_VERSION_NAME.encode("ascii"), b" "),
            _element(0x0016, b"AE", source_aet.strip().encode("ascii", "replace"), b" ") if source_aet.strip() else b"",
        )
    )
    group_length = struct.pack("<HH2sHI", 0x0002, 0x0000, b"UL", 4, len(body))
    return _PREFIX + group_length + body
